// The otlp_grpc exporter's wire (and the otelarrow exporter's when it sends plain OTLP): one
// unary Export call per batch over a long-lived grpc-js channel, with otelcol's retry
// classification of the answer.
import { createSecureContext } from 'node:tls';
import {
  Client,
  Metadata,
  credentials as grpcCredentials,
  type ChannelCredentials,
  type ChannelOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  retryable,
  type Batch,
  type CreateSettings,
  type Host,
  type PipelineSignal,
  clientSecureContext,
} from '@flowtel/core';
import { RequestHeaderSource, warnOnPartialSuccess, type OtlpSender } from './exporting.ts';
import type { GrpcClientConfig } from './grpc-client.ts';
import { GRPC_COMPRESSION_OPTION, installGrpcCompression } from './grpc-compression.ts';
import { exportMethod, retryDelayFromMetadata, type RawExportMethod } from './grpc.ts';
import { codecFor } from './signals.ts';
import { grpcRefusal } from './status.ts';

const COMPRESSION_ALGORITHM: Record<string, number> = { deflate: 1, gzip: 2 };

/** The target and whether the scheme asked for plaintext. */
function target(endpoint: string): { address: string; plaintext: boolean } {
  if (endpoint.startsWith('http://')) return { address: endpoint.slice(7), plaintext: true };
  if (endpoint.startsWith('https://')) return { address: endpoint.slice(8), plaintext: false };
  return { address: endpoint, plaintext: false };
}

export class OtlpGrpcSender implements OtlpSender {
  private readonly settings: CreateSettings;
  private readonly config: GrpcClientConfig;
  private readonly headers: RequestHeaderSource;
  private readonly methods = new Map<PipelineSignal, RawExportMethod>();
  private client?: Client;

  constructor(settings: CreateSettings, config: GrpcClientConfig) {
    this.settings = settings;
    this.config = config;
    this.headers = new RequestHeaderSource(config.headers, config.auth);
  }

  private credentials(plaintext: boolean): ChannelCredentials {
    const tls = this.config.tls;
    if (plaintext || tls.insecure) return grpcCredentials.createInsecure();
    // from a secure context rather than createSsl, which takes neither versions, curves nor extra CAs
    return grpcCredentials.createFromSecureContext(
      createSecureContext(clientSecureContext(tls, this.settings.configDir)),
      tls.insecure_skip_verify ? { checkServerIdentity: () => undefined, rejectUnauthorized: false } : undefined,
    );
  }

  async start(host: Host): Promise<void> {
    this.headers.start(host);
    const { address, plaintext } = target(this.config.endpoint);
    const c = this.config;
    const options: ChannelOptions = {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      // channelz bookkeeping costs on every call and nothing serves it
      'grpc.enable_channelz': 0,
    };
    if (COMPRESSION_ALGORITHM[c.compression])
      options['grpc.default_compression_algorithm'] = COMPRESSION_ALGORITHM[c.compression];
    if (c.compression === 'snappy' || c.compression === 'zstd') {
      installGrpcCompression();
      options[GRPC_COMPRESSION_OPTION] = c.compression;
    }
    if (c.tls.server_name_override) options['grpc.ssl_target_name_override'] = c.tls.server_name_override;
    if (c.authority) options['grpc.default_authority'] = c.authority;
    if (c.balancer_name)
      options['grpc.service_config'] = JSON.stringify({ loadBalancingConfig: [{ [c.balancer_name]: {} }] });
    // grpc-go leaves a zero time or timeout at its default (no pings; 20 s), as grpc-js does,
    // and raises a time below 10 s to 10 s (keepalive.ClientParameters)
    if (c.keepalive?.time) options['grpc.keepalive_time_ms'] = Math.max(10_000, Math.ceil(c.keepalive.time));
    if (c.keepalive?.timeout) options['grpc.keepalive_timeout_ms'] = Math.ceil(c.keepalive.timeout);
    if (c.keepalive?.permit_without_stream) options['grpc.keepalive_permit_without_calls'] = 1;
    this.client = new Client(address, this.credentials(plaintext), options);
  }

  /** The channel, for other calls to the same peer (the otelarrow exporter's streams). */
  get channel(): Client | undefined {
    return this.client;
  }

  /** The request metadata: the configured headers and what the authenticator adds. */
  async metadata(): Promise<Metadata> {
    const md = new Metadata({ waitForReady: this.config.wait_for_ready });
    for (const [k, v] of Object.entries(await this.headers.headers())) md.set(k, v);
    return md;
  }

  private method(signal: PipelineSignal): RawExportMethod {
    let m = this.methods.get(signal);
    if (!m) this.methods.set(signal, (m = exportMethod(signal)));
    return m;
  }

  async push(batch: Batch, abort: AbortSignal): Promise<void> {
    if (batch.signal === 'socket') return;
    const client = this.client;
    if (!client) throw retryable('otlp_grpc exporter is not started');
    const codec = codecFor(batch.signal);
    const body = (codec.encode as (d: typeof batch.data) => Uint8Array)(batch.data);
    const md = await this.metadata();
    const m = this.method(batch.signal);
    const response = await new Promise<Buffer>((resolve, reject) => {
      const call = client.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        body,
        md,
        {},
        (err: ServiceError | null, res?: Uint8Array) => {
          abort.removeEventListener('abort', cancel);
          if (err) {
            reject(
              grpcRefusal({
                code: err.code,
                message: err.details || err.message,
                retryDelayMs: retryDelayFromMetadata(err.metadata),
              }),
            );
          } else resolve(res as Buffer);
        },
      );
      const cancel = () => call.cancel();
      if (abort.aborted) call.cancel();
      else abort.addEventListener('abort', cancel, { once: true });
    });
    if (response.length > 0) warnOnPartialSuccess(this.settings.logger, codec, codec.decodeResponse(response));
  }

  async shutdown(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }
}
