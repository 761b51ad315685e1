// The otlp_http exporter: one POST per batch to <endpoint>/v1/<signal>, protobuf or JSON,
// compressed, with otelcol's retry classification of the answer.
import type { IncomingMessage } from 'node:http';
import {
  httpsClientOptions,
  HttpTransport,
  retryable,
  type Batch,
  type CreateSettings,
  type Host,
  type PipelineSignal,
} from '@flowtel/core';
import {
  RequestHeaderSource,
  codecFor,
  compress,
  decodeRpcStatus,
  httpRefusal,
  parseRetryAfter,
  rpcStatusFromJson,
  warnOnPartialSuccess,
  type Compression,
  type OtlpSender,
  type RpcStatus,
} from '@flowtel/otlp';
import type { OtlpHttpExporterConfig } from './config.ts';

const CONTENT_TYPE = { proto: 'application/x-protobuf', json: 'application/json' } as const;

/** <endpoint>/v1/<signal> (profiles: /v1development/profiles), without doubling a trailing slash, unless a per-signal URL is set. */
export function signalUrl(config: OtlpHttpExporterConfig, signal: PipelineSignal): URL {
  const own = {
    traces: config.traces_endpoint,
    metrics: config.metrics_endpoint,
    logs: config.logs_endpoint,
    profiles: config.profiles_endpoint,
  }[signal];
  if (own) return new URL(own);
  if (!config.endpoint) throw new Error(`no URL for ${signal}: set endpoint or ${signal}_endpoint`);
  return new URL(`${config.endpoint.replace(/\/+$/, '')}${codecFor(signal).httpPath}`);
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

/** The rpc.Status in an error body, or the body's text as the message when it is not one. */
function errorStatus(body: Buffer, contentType: string | undefined): RpcStatus {
  if (body.length === 0) return { code: 0, message: '' };
  try {
    return contentType?.includes('json') ? rpcStatusFromJson(body.toString('utf8')) : decodeRpcStatus(body);
  } catch {
    return { code: 0, message: body.toString('utf8').slice(0, 512).trim() };
  }
}

export class OtlpHttpSender implements OtlpSender {
  private readonly settings: CreateSettings;
  private readonly config: OtlpHttpExporterConfig;
  private readonly headers: RequestHeaderSource;
  private readonly compression?: Compression;
  private readonly urls = new Map<PipelineSignal, URL>();
  private transport?: HttpTransport;

  constructor(settings: CreateSettings, config: OtlpHttpExporterConfig) {
    this.settings = settings;
    this.config = config;
    this.headers = new RequestHeaderSource(config.headers, config.auth);
    this.compression = config.compression === 'none' || config.compression === '' ? undefined : config.compression;
  }

  async start(host: Host): Promise<void> {
    this.headers.start(host);
    const c = this.config;
    const pool = {
      keepAlive: !c.disable_keep_alives,
      maxSockets: c.max_conns_per_host > 0 ? c.max_conns_per_host : Infinity,
      // Go keeps at most max_idle_conns_per_host (2 when 0) idle connections to the one backend,
      // and max_idle_conns in all (0: no limit)
      maxFreeSockets: Math.min(
        c.max_idle_conns_per_host > 0 ? c.max_idle_conns_per_host : 2,
        c.max_idle_conns > 0 ? c.max_idle_conns : Infinity,
      ),
      timeout: c.idle_conn_timeout,
    };
    this.transport = new HttpTransport({
      proxyUrl: c.proxy_url,
      pool,
      tls: httpsClientOptions(c.tls, this.settings.configDir),
    });
  }

  private url(signal: PipelineSignal): URL {
    let u = this.urls.get(signal);
    if (!u) this.urls.set(signal, (u = signalUrl(this.config, signal)));
    return u;
  }

  async push(batch: Batch, abort: AbortSignal): Promise<void> {
    if (batch.signal === 'socket') return;
    const codec = codecFor(batch.signal);
    const encoding = this.config.encoding;
    const encode = (encoding === 'json' ? codec.encodeJson : codec.encode) as (d: typeof batch.data) => Uint8Array;
    const raw = encode(batch.data);
    const body = this.compression ? await compress(this.compression, raw, this.config.compression_params.level) : raw;
    const headers: Record<string, string> = {
      ...(await this.headers.headers()),
      'content-type': CONTENT_TYPE[encoding],
      'content-length': String(body.length),
      'user-agent': 'flowtel',
    };
    if (this.compression) headers['content-encoding'] = this.compression;
    const url = this.url(batch.signal);
    const transport = this.transport;
    if (!transport) throw retryable('the exporter is not started');
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = transport.request(url, { method: 'POST', headers, signal: abort }, resolve);
      req.on('error', (err) => reject(retryable(`failed to make an HTTP request: ${err.message}`, { cause: err })));
      req.end(body);
    });
    const responseBody = await readAll(res);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      if (responseBody.length === 0) return;
      try {
        const json = res.headers['content-type']?.includes('json');
        warnOnPartialSuccess(
          this.settings.logger,
          codec,
          json ? codec.responseFromJson(responseBody.toString('utf8')) : codec.decodeResponse(responseBody),
        );
      } catch (err) {
        this.settings.logger.debug({ err: (err as Error).message }, 'could not parse the export response body');
      }
      return;
    }
    throw httpRefusal(
      status,
      errorStatus(responseBody, res.headers['content-type']),
      parseRetryAfter(res.headers['retry-after']),
    );
  }

  async shutdown(): Promise<void> {
    this.transport?.destroy();
  }
}
