// Snappy's framing format (google/snappy framing_format.txt): a stream identifier chunk, then
// chunks of at most 64 KiB of input, each snappy-compressed (or stored when that does not pay)
// behind a masked CRC-32C of its uncompressed bytes. It is what otelcol speaks as gRPC's
// `snappy` encoding and as HTTP's `x-snappy-framed` (golang/snappy's Writer and Reader); the
// blocks themselves go through the snappy package.
import { createRequire } from 'node:module';
import { CorruptInput, OutputTooLarge } from '@flowtel/compression';

type Snappy = typeof import('snappy');
const require = createRequire(import.meta.url);
let snappyModule: Snappy | undefined;
// loaded when first needed: loading snappy adds ~6.5 MB of RSS
export const snappy = () => (snappyModule ??= require('snappy') as Snappy);

const STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]); // "sNaPpY"
const CHUNK_COMPRESSED = 0x00;
const CHUNK_UNCOMPRESSED = 0x01;
const CHUNK_STREAM_IDENTIFIER = 0xff;
/** the most uncompressed bytes one chunk may carry */
const MAX_CHUNK = 65536;

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as iSCSI and snappy's framing use it. */
export function crc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = from; i < to; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The framing format's masked checksum: rotated right by 15 bits, plus a constant. */
function maskedCrc(bytes: Uint8Array, from: number, to: number): number {
  const crc = crc32c(bytes, from, to);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export function isSnappyFramed(body: Uint8Array): boolean {
  return (
    body.length >= STREAM_IDENTIFIER.length && STREAM_IDENTIFIER.equals(body.subarray(0, STREAM_IDENTIFIER.length))
  );
}

export function snappyFramedCompress(input: Uint8Array): Buffer {
  const parts: Buffer[] = [STREAM_IDENTIFIER];
  const src = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  for (let at = 0; at < src.length; at += MAX_CHUNK) {
    const chunk = src.subarray(at, Math.min(at + MAX_CHUNK, src.length));
    const compressed = snappy().compressSync(chunk);
    // as golang/snappy's Writer: stored as is unless compression saves at least an eighth
    const stored = compressed.length >= chunk.length - (chunk.length >> 3);
    const body = stored ? chunk : compressed;
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32LE(((stored ? CHUNK_UNCOMPRESSED : CHUNK_COMPRESSED) | ((body.length + 4) << 8)) >>> 0, 0);
    header.writeUInt32LE(maskedCrc(chunk, 0, chunk.length), 4);
    parts.push(header, body);
  }
  return Buffer.concat(parts);
}

/** The uncompressed varint length that starts a snappy block. */
export function snappyBlockLength(block: Uint8Array): number {
  let n = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    n += (block[i] & 0x7f) * 2 ** shift;
    if (block[i] < 0x80) return n;
  }
  throw new CorruptInput('corrupt input (bad length prefix)');
}

export function snappyFramedDecompress(body: Uint8Array, maxBytes: number): Buffer {
  const src = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!isSnappyFramed(src)) throw new CorruptInput('missing the stream identifier chunk');
  const parts: Buffer[] = [];
  let total = 0;
  for (let at = 0; at < src.length;) {
    if (at + 4 > src.length) throw new CorruptInput('truncated chunk header');
    const type = src[at];
    const length = src.readUIntLE(at + 1, 3);
    const start = at + 4;
    const end = start + length;
    if (end > src.length) throw new CorruptInput('truncated chunk');
    at = end;
    if (type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) {
      if (length < 4) throw new CorruptInput('chunk too short for its checksum');
      let data = src.subarray(start + 4, end);
      if (type === CHUNK_COMPRESSED) {
        const size = snappyBlockLength(data);
        if (size > MAX_CHUNK) throw new CorruptInput(`chunk of ${size} bytes, more than ${MAX_CHUNK}`);
        if (total + size > maxBytes) throw new OutputTooLarge();
        data = snappy().uncompressSync(data, { asBuffer: true }) as Buffer;
      } else if (data.length > MAX_CHUNK)
        throw new CorruptInput(`chunk of ${data.length} bytes, more than ${MAX_CHUNK}`);
      if (maskedCrc(data, 0, data.length) !== src.readUInt32LE(start)) throw new CorruptInput('checksum mismatch');
      total += data.length;
      if (total > maxBytes) throw new OutputTooLarge();
      parts.push(data);
    } else if (type === CHUNK_STREAM_IDENTIFIER) {
      if (!STREAM_IDENTIFIER.equals(src.subarray(start - 4, end))) throw new CorruptInput('bad stream identifier');
    } else if (type < 0x80) {
      throw new CorruptInput(`reserved unskippable chunk type 0x${type.toString(16)}`);
    }
    // 0x80..0xfd are reserved skippable chunks and 0xfe is padding: skipped
  }
  return Buffer.concat(parts, total);
}
