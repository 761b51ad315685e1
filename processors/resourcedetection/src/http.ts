// The metadata services' HTTP: one request, aborted with the attempt, the body read whole.
import { request } from 'node:http';
import { NotOnPlatform } from './detector.ts';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequest {
  url?: string;
  /** a unix socket to talk HTTP over (the Docker engine's) */
  socketPath?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  signal: AbortSignal;
}

/** Bodies past this are refused: a metadata document is a few KiB. */
const MAX_BODY = 4 << 20;

export function httpGet(req: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = req.url ? new URL(req.url) : undefined;
    const r = request(
      {
        method: req.method ?? 'GET',
        host: target?.hostname.replace(/^\[|\]$/g, ''),
        port: target?.port || undefined,
        path: target ? target.pathname + target.search : req.path,
        socketPath: req.socketPath,
        headers: req.headers,
        signal: req.signal,
        // no keep-alive: detection runs once, a pooled socket would outlive it
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            res.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', (err) => reject(req.signal.aborted ? abortReason(req.signal, err) : err));
    r.end();
  });
}

function abortReason(signal: AbortSignal, err: Error): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new Error('no answer in time', { cause: err });
  return reason instanceof Error ? reason : err;
}

/** A JSON document from a 200 answer, or an error naming what came instead. */
export function jsonOf<T>(answer: HttpAnswer, what: string): T {
  if (answer.status !== 200) throw new Error(`${what}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
  try {
    return JSON.parse(answer.body) as T;
  } catch {
    throw new Error(`${what}: not JSON: ${answer.body.slice(0, 200)}`);
  }
}

/**
 * A cloud's metadata document, `what`, from its answer: another status than 200 means another
 * cloud's metadata service answered at the same address, not with this document, so the
 * collector is not on this platform; a 200 that is not JSON is an error.
 */
export function platformDocument<T>(answer: HttpAnswer, what: string): T {
  if (answer.status !== 200) throw new NotOnPlatform(`no ${what}: HTTP ${answer.status}`);
  return jsonOf<T>(answer, what);
}
