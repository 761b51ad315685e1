// OTLP/gRPC: the Export methods of the three collector services, bytes in and bytes out.
import {
  Server,
  ServerCredentials,
  type Metadata,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  httpsServerOptions,
  reloadServerTls,
  type CreateSettings,
  type PipelineSignal,
  type TlsServerConfig,
} from '@flowtel/core';
import {
  GrpcCode,
  bindGrpcServer,
  shutdownGrpcServer,
  codecFor,
  exportMethod,
  installGrpcCompression,
  refusalStatus,
  statusMetadata,
  type RequestHeaders,
  type RpcStatus,
} from '@flowtel/otlp';
import type { GrpcConfig } from './config.ts';
import { type Ingest } from './ingest.ts';

const MIB = 1024 * 1024;

function metadataHeaders(md: Metadata): RequestHeaders {
  const out: RequestHeaders = {};
  for (const [key, values] of Object.entries(md.toJSON())) {
    if (!key.endsWith('-bin')) out[key] = values.map(String);
  }
  return out;
}

/** configgrpc's keepalive server parameters as grpc-js server options (durations in ms). */
function keepaliveOptions(p: NonNullable<GrpcConfig['keepalive']>['server_parameters']): Record<string, number> {
  const options: Record<string, number> = {};
  const set = (key: string, ms: number | undefined) => {
    if (ms !== undefined && ms > 0) options[key] = Math.ceil(ms);
  };
  set('grpc.max_connection_idle_ms', p?.max_connection_idle);
  set('grpc.max_connection_age_ms', p?.max_connection_age);
  set('grpc.max_connection_age_grace_ms', p?.max_connection_age_grace);
  // grpc-go raises a server ping time below 1 s to 1 s (keepalive.ServerParameters)
  set('grpc.keepalive_time_ms', p?.time === undefined || p.time <= 0 ? p?.time : Math.max(1000, p.time));
  set('grpc.keepalive_timeout_ms', p?.timeout);
  return options;
}

/**
 * grpc-js server credentials from a tls block: versions and curves as well as the files (grpc-js's
 * createSsl takes only the files), read again on reload_interval; grpc-js hands each new context
 * to its http2 server.
 */
class ReloadingServerCredentials extends ServerCredentials {
  readonly stop: () => void;

  constructor(tls: TlsServerConfig, baseDir: string, logger: CreateSettings['logger']) {
    const options = httpsServerOptions(tls, baseDir);
    if (!options.cert || !options.key) throw new Error('otlp receiver: tls needs cert_file and key_file');
    const { requestCert, rejectUnauthorized, ...context } = options;
    super({ requestCert, rejectUnauthorized }, context);
    this.stop = reloadServerTls(
      tls,
      baseDir,
      (next) => this.updateSecureContextOptions(next),
      (err) => logger.error({ err: err.message }, 'Failed to reload the TLS certificates; keeping the current ones'),
    );
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export class OtlpGrpcServer {
  private readonly config: GrpcConfig;
  private readonly ingest: Ingest;
  private readonly baseDir: string;
  private readonly logger: CreateSettings['logger'];
  private server?: Server;
  private boundPort?: number;
  private tls?: ReloadingServerCredentials;

  constructor(config: GrpcConfig, ingest: Ingest, baseDir: string, logger: CreateSettings['logger']) {
    this.config = config;
    this.ingest = ingest;
    this.baseDir = baseDir;
    this.logger = logger;
  }

  private credentials(): ServerCredentials {
    const tls = this.config.tls;
    if (!tls) return ServerCredentials.createInsecure();
    return new ReloadingServerCredentials(tls, this.baseDir, this.logger);
  }

  async start(): Promise<void> {
    // otelcol's receivers read snappy- and zstd-compressed calls besides gzip
    installGrpcCompression();
    const server = new Server({
      'grpc.max_receive_message_length': Math.floor(this.config.max_recv_msg_size_mib * MIB),
      // channelz bookkeeping costs on every call and nothing serves it
      'grpc.enable_channelz': 0,
      ...(this.config.max_concurrent_streams > 0
        ? { 'grpc.max_concurrent_streams': this.config.max_concurrent_streams }
        : {}),
      ...keepaliveOptions(this.config.keepalive?.server_parameters),
    });
    for (const signal of this.ingest.signals) {
      const definition = { Export: exportMethod(signal) } as ServiceDefinition;
      const implementation: UntypedServiceImplementation = {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Uint8Array>) =>
          void this.export(signal, call, callback),
      };
      server.addService(definition, implementation);
    }
    const credentials = this.credentials();
    if (credentials instanceof ReloadingServerCredentials) this.tls = credentials;
    this.boundPort = await bindGrpcServer(server, this.config, credentials, 'otlp receiver');
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
    this.tls?.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await shutdownGrpcServer(server);
  }
}
