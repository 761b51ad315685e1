// OTLP/gRPC: the Export methods of the collector services, bytes in and bytes out. The otlp
// receiver serves them alone; the otelarrow receiver adds its Arrow streams to the same server.
import {
  Server,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { CreateSettings, PipelineSignal } from '@flowtel/core';
import { bindGrpcServer, exportMethod, shutdownGrpcServer, statusMetadata } from './grpc.ts';
import { installGrpcCompression } from './grpc-compression.ts';
import { grpcServerCredentials, grpcServerOptions, metadataHeaders, type GrpcServerConfig } from './grpc-server.ts';
import type { Ingest } from './ingest.ts';
import type { RpcStatus } from './rpc-status.ts';
import { codecFor } from './signals.ts';
import { GrpcCode, refusalStatus } from './status.ts';

/** More services on the same server (the otelarrow receiver's Arrow streams). */
export type AddServices = (server: Server) => void;

export class OtlpGrpcServer {
  private readonly config: GrpcServerConfig;
  private readonly ingest: Ingest;
  private readonly baseDir: string;
  private readonly logger: CreateSettings['logger'];
  private server?: Server;
  private boundPort?: number;
  private stopTls?: () => void;
  private readonly who: string;
  private readonly addServices?: AddServices;

  constructor(
    config: GrpcServerConfig,
    ingest: Ingest,
    baseDir: string,
    logger: CreateSettings['logger'],
    who = 'otlp receiver',
    addServices?: AddServices,
  ) {
    this.config = config;
    this.ingest = ingest;
    this.baseDir = baseDir;
    this.logger = logger;
    this.who = who;
    this.addServices = addServices;
  }

  async start(): Promise<void> {
    // otelcol's receivers read snappy- and zstd-compressed calls besides gzip
    installGrpcCompression();
    const server = new Server(grpcServerOptions(this.config));
    for (const signal of this.ingest.signals) {
      const definition = { Export: exportMethod(signal) } as ServiceDefinition;
      const implementation: UntypedServiceImplementation = {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Uint8Array>) =>
          void this.export(signal, call, callback),
      };
      server.addService(definition, implementation);
    }
    this.addServices?.(server);
    const { credentials, stop } = grpcServerCredentials(this.config.tls, this.baseDir, this.logger, this.who);
    this.stopTls = stop;
    this.boundPort = await bindGrpcServer(server, this.config, credentials, this.who);
    this.server = server;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  private async export(
    signal: PipelineSignal,
    call: ServerUnaryCall<Buffer, Buffer>,
    callback: sendUnaryData<Uint8Array>,
  ): Promise<void> {
    const fail = (status: RpcStatus) =>
      callback({ code: status.code, details: status.message, metadata: statusMetadata(status) });
    const headers = this.ingest.needsHeaders ? metadataHeaders(call.metadata) : {};
    let auth;
    try {
      auth = await this.ingest.authenticate(headers);
    } catch (err) {
      return fail({ code: GrpcCode.UNAUTHENTICATED, message: (err as Error).message });
    }
    const codec = codecFor(signal);
    let data;
    try {
      data = codec.decodePassThrough(call.request);
    } catch (err) {
      return fail({
        code: GrpcCode.INVALID_ARGUMENT,
        message: `failed to unmarshal request: ${(err as Error).message}`,
      });
    }
    try {
      await this.ingest.consume(signal, data, this.ingest.client(call.getPeer(), headers, auth));
    } catch (err) {
      return fail(refusalStatus(err));
    }
    callback(null, codec.encodeResponse({}));
  }

  async shutdown(): Promise<void> {
    this.stopTls?.();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await shutdownGrpcServer(server);
  }
}
