// A client for the Kubernetes API server with a service account: a bearer token read afresh
// for every request (projected tokens rotate) and the cluster CA. Lists are JSON; watches are
// newline-delimited JSON events streamed until the server ends them.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { HttpTransport } from '@flowtel/core';

export interface KubeApiOptions {
  /** https://host:port */
  baseUrl: string;
  tokenFile?: string;
  caFile?: string;
  /** a request with no answer after this long fails */
  timeoutMs: number;
}

export class KubeApiError extends Error {
  readonly status?: number;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

const MAX_LIST_BYTES = 256 * 1024 * 1024;
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export class KubeApi {
  private readonly options: KubeApiOptions;
  /** client-go's transport: the cluster CA, and the environment's proxies as Go reads them */
  private readonly transport: HttpTransport;

  constructor(options: KubeApiOptions) {
    this.options = options;
    this.transport = new HttpTransport({ tls: { ca: options.caFile ? readFileSync(options.caFile) : undefined } });
  }

  /** GET `path` as JSON. */
  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.open(path, signal, this.options.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_LIST_BYTES) throw new KubeApiError(`GET ${path}: the answer exceeds ${MAX_LIST_BYTES} bytes`);
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
    } catch (err) {
      throw new KubeApiError(`GET ${path}: the API server sent something that is not JSON`, res.statusCode, {
        cause: err,
      });
    }
  }

  /** Streams a watch: one parsed event per line, until the server or `signal` ends it. */
  async *watch<T>(path: string, signal: AbortSignal): AsyncGenerator<T> {
    const res = await this.open(path, signal, 0);
    let pending = '';
    for await (const chunk of res as AsyncIterable<Buffer>) {
      pending += chunk.toString('utf8');
      if (pending.length > MAX_LINE_BYTES)
        throw new KubeApiError(`watch ${path}: an event exceeds ${MAX_LINE_BYTES} bytes`);
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
  }

  private open(path: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<IncomingMessage> {
    const url = new URL(path, this.options.baseUrl);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.tokenFile) headers.authorization = `Bearer ${readFileSync(this.options.tokenFile, 'utf8').trim()}`;
    return new Promise((resolve, reject) => {
      const req = this.transport.request(url, { headers, signal, timeout: timeoutMs || undefined }, (res) => {
        if (res.statusCode === 200) return resolve(res);
        const status = res.statusCode;
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8').slice(0, 500)));
        res.on('end', () =>
          reject(new KubeApiError(`GET ${url.pathname}: HTTP ${status}: ${body.slice(0, 300)}`, status)),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new KubeApiError(`GET ${url.pathname}: no answer within ${timeoutMs} ms`)));
      req.on('error', (err) =>
        reject(
          err instanceof KubeApiError
            ? err
            : new KubeApiError(`GET ${url.pathname}: ${err.message}`, undefined, { cause: err }),
        ),
      );
      req.end();
    });
  }
}
