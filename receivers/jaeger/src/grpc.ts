// grpc: jaeger.api_v2.CollectorService/PostSpans, the Jaeger collector's gRPC API, bytes in and
// our own decoder (proto-batch.ts) rather than generated code.
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { ClientInfo } from '@flowtel/core';
import {
  GrpcCode,
  bindGrpcServer,
  refusalStatus,
  shutdownGrpcServer,
  statusMetadata,
  type RpcStatus,
} from '@flowtel/otlp';
import type { GrpcConfig } from './config.ts';
import type { Ingest } from './ingest.ts';
import { decodePostSpansRequest } from './proto-batch.ts';
import { protoBatchesToTraces } from './translate.ts';

const MIB = 1024 * 1024;
const keep = (b: Buffer) => b;
const EMPTY_RESPONSE = Buffer.alloc(0);

const postSpans = {
  path: '/jaeger.api_v2.CollectorService/PostSpans',
  requestStream: false,
  responseStream: false,
  requestSerialize: keep,
  requestDeserialize: keep,
  responseSerialize: keep,
  responseDeserialize: keep,
  originalName: 'postSpans',
};

export class JaegerGrpcServer {
  private readonly config: GrpcConfig;
  private readonly ingest: Ingest;
  private server?: Server;
  private boundPort?: number;

  constructor(config: GrpcConfig, ingest: Ingest) {
    this.config = config;
    this.ingest = ingest;
  }

  async start(): Promise<void> {
    const server = new Server({
      'grpc.max_receive_message_length': Math.floor(this.config.max_recv_msg_size_mib * MIB),
      'grpc.enable_channelz': 0,
      ...(this.config.max_concurrent_streams > 0
        ? { 'grpc.max_concurrent_streams': this.config.max_concurrent_streams }
        : {}),
    });
    server.addService(
      { PostSpans: postSpans },
      {
        PostSpans: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
          void this.postSpans(call, callback),
      },
    );
    this.boundPort = await bindGrpcServer(
      server,
      this.config.endpoint,
      ServerCredentials.createInsecure(),
      'jaeger receiver',
    );
    this.server = server;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  private async postSpans(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    const fail = (status: RpcStatus) =>
      callback({ code: status.code, details: status.message, metadata: statusMetadata(status) });
    let traces;
    try {
      traces = protoBatchesToTraces([decodePostSpansRequest(call.request)]);
    } catch (err) {
      return fail({
        code: GrpcCode.INVALID_ARGUMENT,
        message: `failed to unmarshal request: ${(err as Error).message}`,
      });
    }
    const client: ClientInfo = { address: call.getPeer() };
    if (this.config.include_metadata) {
      client.metadata = {};
      for (const [k, v] of Object.entries(call.metadata.toJSON()))
        if (!k.endsWith('-bin')) client.metadata[k] = v.map(String);
    }
    try {
      await this.ingest.consume(traces, 'grpc', client);
    } catch (err) {
      return fail(refusalStatus(err));
    }
    callback(null, EMPTY_RESPONSE);
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await shutdownGrpcServer(server);
  }
}
