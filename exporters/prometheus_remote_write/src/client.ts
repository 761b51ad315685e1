// One remote write POST, with the status mapping of the contrib exporter: 2xx is done, 5xx
// and 429 are worth another try, any other status is a permanent refusal.
import type { z } from '@flowtel/core';
import { httpsClientOptions, HttpTransport, permanent, retryable, type tlsClientSchema } from '@flowtel/core';
import type { ClientAuthenticator } from '@flowtel/otlp';

export type TlsConfig = z.output<typeof tlsClientSchema>;

export interface ClientOptions {
  endpoint: string;
  headers: Record<string, string>;
  tls: TlsConfig;
  /** where the tls block's relative paths start: the config's directory */
  baseDir: string;
  userAgent: string;
  /** concurrent connections kept open */
  maxSockets: number;
  /** confighttp's proxy_url; unset: the environment's proxies */
  proxyUrl?: string;
  /** an auth extension (basicauth, bearertokenauth, ...) that gives each request its credentials */
  auth?: ClientAuthenticator;
}

/** how much of an error response is quoted in the error */
const ERROR_BODY_LIMIT = 256;

function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class RemoteWriteClient {
  private readonly url: URL;
  private readonly opts: ClientOptions;
  private readonly transport: HttpTransport;

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.url = new URL(opts.endpoint);
    this.transport = new HttpTransport({
      proxyUrl: opts.proxyUrl,
      pool: { keepAlive: true, maxSockets: opts.maxSockets },
      tls: httpsClientOptions(opts.tls, opts.baseDir),
    });
  }

  /** POSTs one snappy-compressed WriteRequest; throws a ConsumerError when it is not taken. */
  async send(body: Uint8Array, signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = {
      ...this.opts.headers,
      ...(this.opts.auth ? await this.opts.auth.headers() : {}),
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
      'User-Agent': this.opts.userAgent,
      'Content-Length': String(body.byteLength),
    };
    await new Promise<void>((resolve, reject) => {
      const req = this.transport.request(this.url, { method: 'POST', headers, signal }, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < ERROR_BODY_LIMIT) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('error', (err) => reject(retryable(`remote write response failed: ${err.message}`, { cause: err })));
        res.on('end', () => {
          if (status >= 200 && status < 300) return resolve();
          const text = Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8').trim();
          const message = `remote write returned HTTP status ${status} ${res.statusMessage ?? ''}: ${text}`;
          if (status >= 500 || status === 429)
            reject(retryable(message, { retryAfterMs: retryAfterMs(res.headers['retry-after']) }));
          else reject(permanent(message));
        });
      });
      req.on('error', (err) => {
        const reason = signal.aborted ? 'timed out or was cancelled' : err.message;
        reject(retryable(`remote write to ${this.url.host} failed: ${reason}`, { cause: err }));
      });
      req.end(body);
    });
  }

  close(): void {
    this.transport.destroy();
  }
}
