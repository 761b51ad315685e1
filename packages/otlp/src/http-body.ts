// What every HTTP receiver does with a request before it looks at the payload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHeaders } from './auth.ts';
import { BodyTooLargeError } from './compression.ts';

/** The request's headers by lower-cased name, every value kept (include_metadata, authenticators). */
export function requestHeaders(req: IncomingMessage): RequestHeaders {
  const out: RequestHeaders = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) (out[raw[i].toLowerCase()] ??= []).push(raw[i + 1]);
  return out;
}

/** Reads the body; rejects with BodyTooLargeError past `limit` bytes, without keeping them. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () =>
      over
        ? reject(new BodyTooLargeError(limit))
        : resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)),
    );
    req.on('error', reject);
  });
}

/** An answer in plain text (or none), with the receiver's response_headers; a response already begun is cut off. */
export function replyText(res: ServerResponse, status: number, headers: Record<string, string>, text?: string): void {
  if (res.headersSent) return void res.destroy();
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (text === undefined) return void res.writeHead(status).end();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}
