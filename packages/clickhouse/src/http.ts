// A ClickHouse server over its HTTP interface (port 8123, 8443 with TLS): the statement in the
// `query` parameter, an INSERT's payload as the request body, settings as parameters, the
// credentials in X-ClickHouse-User / X-ClickHouse-Key. Also reaches a running flowtel's query
// socket (a Unix socket serving the same interface).
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { HttpTransport } from '@flowtel/core';
import { promisify } from 'node:util';
import { brotliCompress, constants, deflate, gzip } from 'node:zlib';
import { ClickHouseError, codeOf, type ClickHouseClient } from './client.ts';
import { Lz4Scratch, lz4FrameCompress, nativeZstd } from '@flowtel/compression';

/** What request bodies are compressed with: Content-Encoding values ClickHouse accepts. */
export type BodyEncoding = 'none' | 'lz4' | 'zstd' | 'gzip' | 'deflate' | 'br';

type Compress = (b: Buffer, options: object) => Promise<Buffer>;

/**
 * The fastest level of each zlib codec: the default levels cost several times the CPU of
 * encoding the block, for a few percent less on the wire (Native blocks compress well at any
 * level).
 */
const COMPRESS: Record<'zstd' | 'gzip' | 'deflate' | 'br', (parts: Buffer[]) => Promise<Buffer>> = {
  // zstd's fastest level runs about as fast as LZ4 and compresses Native blocks tighter
  zstd: (parts) => nativeZstd().compress(Buffer.concat(parts), 1),
  gzip: (parts) => (promisify(gzip) as Compress)(Buffer.concat(parts), { level: 1 }),
  deflate: (parts) => (promisify(deflate) as Compress)(Buffer.concat(parts), { level: 1 }),
  br: (parts) =>
    (promisify(brotliCompress) as Compress)(Buffer.concat(parts), { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }),
};

/** contrib's `compress` values as a request encoding (`true`: clickhouse-go's default, LZ4). */
export function bodyEncoding(compress: string): BodyEncoding {
  switch (compress) {
    case 'none':
    case 'false':
      return 'none';
    case 'zstd':
    case 'deflate':
    case 'br':
    case 'gzip':
      return compress;
    default:
      return 'lz4';
  }
}

export interface HttpClientOptions {
  /** http(s)://host:port; or, with socketPath, the base URL used for the path only */
  url: string;
  socketPath?: string;
  database?: string;
  username?: string;
  password?: string;
  /** settings sent as query parameters with every request */
  settings?: Record<string, string | number | boolean>;
  /** settings for INSERTs only (async_insert) */
  insertSettings?: Record<string, string | number | boolean>;
  encoding?: BodyEncoding;
  timeoutMs?: number;
}

export class HttpClient implements ClickHouseClient {
  private readonly opts: HttpClientOptions;
  private readonly base: URL;
  /** connections kept open between inserts: to the query socket, or over TCP (proxied as Go would) */
  private readonly socketAgent?: HttpAgent;
  private readonly transport?: HttpTransport;
  private readonly lz4Scratch: Lz4Scratch[] = [];

  constructor(opts: HttpClientOptions) {
    this.opts = opts;
    this.base = new URL(opts.url);
    if (!/^https?:$/.test(this.base.protocol)) throw new Error(`endpoint ${opts.url}: must be http:// or https://`);
    if (opts.socketPath) this.socketAgent = new HttpAgent({ keepAlive: true });
    else this.transport = new HttpTransport({ pool: { keepAlive: true } });
  }

  query(sql: string, format = 'TabSeparated', signal?: AbortSignal): Promise<Buffer> {
    return this.send({ default_format: format }, [Buffer.from(sql)], 'none', signal);
  }

  async insertRaw(insert: string, data: Buffer | Buffer[], signal?: AbortSignal): Promise<void> {
    const encoding = this.opts.encoding ?? 'none';
    const parts = Array.isArray(data) ? data : [data];
    if (encoding === 'lz4') {
      // lz4-napi off the event loop; without it, the JS encoder on this thread into buffers kept
      // for the next insert
      const scratch = this.lz4Scratch.pop() ?? new Lz4Scratch();
      try {
        const body = await lz4FrameCompress(parts, scratch);
        await this.send({ query: insert, ...this.opts.insertSettings }, [body], encoding, signal);
      } finally {
        this.lz4Scratch.push(scratch);
      }
      return;
    }
    const body = encoding === 'none' ? parts : [await COMPRESS[encoding](parts)];
    await this.send({ query: insert, ...this.opts.insertSettings }, body, encoding, signal);
  }

  async close(): Promise<void> {
    this.socketAgent?.destroy();
    this.transport?.destroy();
  }

  private send(
    params: Record<string, string | number | boolean>,
    body: Buffer[],
    encoding: BodyEncoding,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const url = new URL(this.base);
    const search = new URLSearchParams(url.search);
    if (this.opts.database) search.set('database', this.opts.database);
    for (const [k, v] of Object.entries({ ...this.opts.settings, ...params })) search.set(k, String(v));
    const length = body.reduce((n, b) => n + b.length, 0);
    const headers: Record<string, string | number> = {
      'Content-Length': length,
      'Content-Type': 'application/octet-stream',
    };
    if (this.opts.username) headers['X-ClickHouse-User'] = this.opts.username;
    if (this.opts.password) headers['X-ClickHouse-Key'] = this.opts.password;
    if (encoding !== 'none') headers['Content-Encoding'] = encoding;
    url.search = search.toString();
    const options: RequestOptions = { method: 'POST', headers, signal, timeout: this.opts.timeoutMs };
    const transport = this.transport;
    const doRequest = (onResponse: (res: IncomingMessage) => void) =>
      transport
        ? transport.request(url, options, onResponse)
        : httpRequest(
            {
              ...options,
              path: `${url.pathname}${url.search}`,
              socketPath: this.opts.socketPath,
              agent: this.socketAgent,
            },
            onResponse,
          );
    return new Promise((resolve, reject) => {
      const attempt = (retried: boolean) => {
        const req = doRequest((res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) =>
            reject(new ClickHouseError(`ClickHouse ${this.where()}: ${err.message}`, undefined, { cause: err })),
          );
          res.on('end', () => {
            const out = Buffer.concat(chunks);
            if (res.statusCode === 200) return resolve(out);
            const text = out.toString('utf8').trim();
            const code = Number(res.headers['x-clickhouse-exception-code']) || codeOf(text);
            reject(new ClickHouseError(`ClickHouse ${this.where()} answered ${res.statusCode}: ${text}`, code));
          });
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${this.opts.timeoutMs}ms`)));
        req.on('error', (err: NodeJS.ErrnoException) => {
          // a kept-alive connection the server closed while idle, just as this request reused it:
          // the server never read the request, so it is sent again on a new connection (once)
          if (!retried && req.reusedSocket && err.code === 'ECONNRESET') return attempt(true);
          reject(new ClickHouseError(`ClickHouse ${this.where()}: ${err.message}`, undefined, { cause: err }));
        });
        for (const b of body) req.write(b);
        req.end();
      };
      attempt(false);
    });
  }

  private where(): string {
    return this.opts.socketPath ?? this.base.origin;
  }
}
