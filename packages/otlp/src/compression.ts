// Body compression as otelcol's configcompression names it. Over HTTP (Content-Encoding):
// gzip, deflate and zlib (both the zlib format), zstd, snappy (the block format; a body that
// starts with the framing format's stream identifier is read as framed, as confighttp does for
// senders that predate x-snappy-framed), x-snappy-framed and lz4 (an LZ4 frame). Over gRPC
// (grpc-encoding, see grpc-compression.ts): gzip, snappy (the framing format, as otelcol's
// configgrpc registers it) and zstd, plus grpc-js's deflate.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  CorruptInput,
  OutputTooLarge,
  lz4FrameCompress,
  lz4FrameDecompress,
  nativeZstd as zstd,
} from '@flowtel/compression';
import { zstdDeclaredSize, zstdStreamDecompress } from './zstd-frame.ts';
import {
  isSnappyFramed,
  snappy,
  snappyBlockLength,
  snappyFramedCompress,
  snappyFramedDecompress,
} from './snappy-framed.ts';

// LZ4 frames are decoded by @flowtel/compression's bounded decoder and encoded natively
// (lz4-napi, JS when it cannot load); zstd is @flowtel/compression's native loader

export type Compression = 'gzip' | 'deflate' | 'zlib' | 'zstd' | 'snappy' | 'x-snappy-framed' | 'lz4';
/** every value configcompression accepts for an HTTP client, besides none and "" */
export const COMPRESSIONS: readonly Compression[] = [
  'gzip',
  'deflate',
  'zlib',
  'zstd',
  'snappy',
  'x-snappy-framed',
  'lz4',
];

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
  if ((COMPRESSIONS as readonly string[]).includes(v)) return v as Compression;
  throw new ContentEncodingError(`unsupported Content-Encoding "${header}" (supported: ${COMPRESSIONS.join(', ')})`);
}

/** Inflates `body`; never yields more than `maxBytes`. */
export async function decompress(encoding: Compression, body: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    switch (encoding) {
      case 'gzip':
        return await gunzip(body, { maxOutputLength: maxBytes });
      case 'deflate':
      case 'zlib':
        return await inflate(body, { maxOutputLength: maxBytes });
      case 'snappy':
        if (isSnappyFramed(body)) return snappyFramedDecompress(body, maxBytes);
        if (snappyBlockLength(body) > maxBytes) throw new BodyTooLargeError(maxBytes);
        return snappy().uncompressSync(body, { asBuffer: true }) as Buffer;
      case 'x-snappy-framed':
        return snappyFramedDecompress(body, maxBytes);
      case 'lz4':
        return lz4FrameDecompress(body, maxBytes);
      case 'zstd': {
        const declared = zstdDeclaredSize(body);
        if (declared === undefined) return zstdStreamDecompress(body, maxBytes);
        if (declared > maxBytes) throw new BodyTooLargeError(maxBytes);
        const out = await zstd().decompress(body);
        if (out.length > maxBytes) throw new BodyTooLargeError(maxBytes);
        return out;
      }
    }
  } catch (err) {
    if (err instanceof BodyTooLargeError || err instanceof ContentEncodingError) throw err;
    if (err instanceof OutputTooLarge || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new BodyTooLargeError(maxBytes);
    if (err instanceof CorruptInput) throw new ContentEncodingError(`${encoding}: corrupt input: ${err.message}`);
    throw new ContentEncodingError(`${encoding}: ${(err as Error).message}`);
  }
}

/** zstd's own default, the level the package's wrapper always used */
const ZSTD_DEFAULT_LEVEL = 3;
/** configcompression's zlib levels: -1 default, -2 Huffman only, 0 none, 1-9. */
const HUFFMAN_ONLY = -2;
const zlibOptions = (level: number | undefined): zlib.ZlibOptions =>
  level === undefined || level === -1
    ? {}
    : level === HUFFMAN_ONLY
      ? { strategy: zlib.constants.Z_HUFFMAN_ONLY }
      : { level };

/**
 * Why `level` does not go with `encoding` (configcompression's ValidateParams), or undefined:
 * the zlib family takes -2 to 9, zstd any level, the others none (0).
 */
export function compressionLevelProblem(encoding: Compression, level: number): string | undefined {
  if (encoding === 'gzip' || encoding === 'zlib' || encoding === 'deflate') {
    if (Number.isInteger(level) && level >= HUFFMAN_ONLY && level <= 9) return undefined;
  } else if (encoding === 'zstd' || level === 0) return undefined;
  return `unsupported parameters {Level:${level}} for compression type "${encoding}"`;
}

/** Compresses `body`; `level` as configcompression's compression_params.level (0: the codec's default). */
export async function compress(encoding: Compression, body: Uint8Array, level?: number): Promise<Buffer> {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chosen = level === 0 ? undefined : level;
  switch (encoding) {
    case 'gzip':
      return gzip(buf, zlibOptions(chosen));
    case 'deflate':
    case 'zlib':
      return deflate(buf, zlibOptions(chosen));
    case 'snappy':
      return snappy().compressSync(buf);
    case 'x-snappy-framed':
      return snappyFramedCompress(buf);
    case 'lz4':
      return lz4FrameCompress([buf]);
    case 'zstd':
      return zstd().compress(buf, chosen ?? ZSTD_DEFAULT_LEVEL);
  }
}
