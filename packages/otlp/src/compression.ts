// Request body compression as otelcol's confighttp speaks it: gzip, deflate (zlib), zstd and
// snappy (the block format; x-snappy-framed is the framed one, which flowtel does not take).
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

type Zstd = typeof import('@mongodb-js/zstd');
type Snappy = typeof import('snappy');
const require = createRequire(import.meta.url);
let zstdModule: Zstd | undefined;
let snappyModule: Snappy | undefined;
// loaded when a body first needs them: loading snappy adds ~6.5 MB of RSS, zstd ~3 MB and two
// threads, which a collector that never sees those encodings should not carry
const zstd = () => (zstdModule ??= require('@mongodb-js/zstd') as Zstd);
const snappy = () => (snappyModule ??= require('snappy') as Snappy);

export type Compression = 'gzip' | 'deflate' | 'zstd' | 'snappy';
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'deflate', 'zstd', 'snappy'];

/** The body, or what it inflates to, is bigger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body too large: more than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** A Content-Encoding we cannot or will not decode, or bytes that are not what it says. */
export class ContentEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentEncodingError';
  }
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

/** The Content-Encoding header's value as one of ours; undefined means none. */
export function parseContentEncoding(header: string | undefined): Compression | undefined {
  const v = header?.trim().toLowerCase() ?? '';
  if (v === '' || v === 'identity') return undefined;
  if (v === 'zlib') return 'deflate';
  if ((COMPRESSIONS as readonly string[]).includes(v)) return v as Compression;
  throw new ContentEncodingError(`unsupported Content-Encoding "${header}" (supported: ${COMPRESSIONS.join(', ')})`);
}

/** The snappy block format starts with the uncompressed length as a varint. */
function snappyLength(body: Uint8Array): number {
  let n = 0;
  for (let i = 0, shift = 0; i < 5 && i < body.length; i++, shift += 7) {
    n += (body[i] & 0x7f) * 2 ** shift;
    if (body[i] < 0x80) return n;
  }
  throw new ContentEncodingError('snappy: corrupt input (bad length prefix)');
}

/** Inflates `body`; never yields more than `maxBytes`. */
export async function decompress(encoding: Compression, body: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    switch (encoding) {
      case 'gzip':
        return await gunzip(body, { maxOutputLength: maxBytes });
      case 'deflate':
        return await inflate(body, { maxOutputLength: maxBytes });
      case 'snappy':
        if (snappyLength(body) > maxBytes) throw new BodyTooLargeError(maxBytes);
        return snappy().uncompressSync(body, { asBuffer: true }) as Buffer;
      case 'zstd': {
        const out = await zstd().decompress(body);
        if (out.length > maxBytes) throw new BodyTooLargeError(maxBytes);
        return out;
      }
    }
  } catch (err) {
    if (err instanceof BodyTooLargeError || err instanceof ContentEncodingError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new BodyTooLargeError(maxBytes);
    throw new ContentEncodingError(`${encoding}: ${(err as Error).message}`);
  }
}

export async function compress(encoding: Compression, body: Uint8Array): Promise<Buffer> {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  switch (encoding) {
    case 'gzip':
      return gzip(buf);
    case 'deflate':
      return deflate(buf);
    case 'snappy':
      return snappy().compressSync(buf);
    case 'zstd':
      return zstd().compress(buf);
  }
}
