// The zipkin exporter: one POST of Zipkin v2 spans per batch, JSON or protobuf, as contrib's
// zipkinexporter: any answer outside 2xx is an error the exporter helper retries.
import type { IncomingMessage } from 'node:http';
import {
  httpsClientOptions,
  HttpTransport,
  permanent,
  retryable,
  type Batch,
  type CreateSettings,
} from '@flowtel/core';
import { compress, type OtlpSender } from '@flowtel/otlp';
import { encodeSpansJson, encodeSpansProto, tracesToZipkin } from '@flowtel/zipkin';
import type { ZipkinExporterConfig } from './config.ts';

const CONTENT_TYPE = { json: 'application/json', proto: 'application/x-protobuf' } as const;

export class ZipkinSender implements OtlpSender {
  private readonly settings: CreateSettings;
  private readonly config: ZipkinExporterConfig;
  private readonly url: URL;
  private transport?: HttpTransport;

  constructor(settings: CreateSettings, config: ZipkinExporterConfig) {
    this.settings = settings;
    this.config = config;
    this.url = new URL(config.endpoint);
  }

  async start(): Promise<void> {
    const c = this.config;
    const pool = {
      keepAlive: !c.disable_keep_alives,
      maxSockets: c.max_conns_per_host > 0 ? c.max_conns_per_host : Infinity,
      maxFreeSockets: c.max_idle_conns_per_host ?? c.max_idle_conns ?? 256,
      timeout: c.idle_conn_timeout,
    };
    this.transport = new HttpTransport({
      proxyUrl: c.proxy_url,
      pool,
      tls: httpsClientOptions(c.tls, this.settings.configDir),
    });
  }

  async push(batch: Batch, abort: AbortSignal): Promise<void> {
    if (batch.signal !== 'traces') return;
    let spans;
    try {
      spans = tracesToZipkin(batch.data, this.config.default_service_name);
    } catch (err) {
      throw permanent(`failed to push trace data via Zipkin exporter: ${(err as Error).message}`, { cause: err });
    }
    const raw = this.config.format === 'proto' ? encodeSpansProto(spans) : Buffer.from(encodeSpansJson(spans));
    const encoding = this.config.compression === 'none' ? '' : this.config.compression;
    const body = encoding ? await compress(encoding, raw, 0) : raw;
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-type': CONTENT_TYPE[this.config.format],
      'content-length': String(body.length),
    };
    if (encoding) headers['content-encoding'] = encoding;
    const transport = this.transport;
    if (!transport) throw retryable('failed to push trace data via Zipkin exporter: the exporter is not started');
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = transport.request(this.url, { method: 'POST', headers, signal: abort }, resolve);
      req.on('error', (err) => reject(retryable(`failed to push trace data via Zipkin exporter: ${err.message}`)));
      req.end(body);
    });
    res.resume();
    await new Promise((resolve) => res.on('end', resolve).on('error', resolve));
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299)
      throw retryable(`failed to push trace data via Zipkin exporter: failed the request with status code ${status}`);
  }

  async shutdown(): Promise<void> {
    this.transport?.destroy();
  }
}
