// LZ4 frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md): independent blocks
// of up to 4 MB, each compressed with LZ4's greedy block algorithm, or stored when it does not
// shrink. ClickHouse decodes them as `Content-Encoding: lz4`; lz4 is the contrib exporter's
// default compression and costs a fraction of gzip's CPU.
import { xxh32 } from './xxhash.ts';

const MAGIC = 0x184d2204;
const BLOCK_MAX = 4 << 20;
/** FLG: version 01, independent blocks, no checksums, no content size; BD: 4 MB blocks */
const FLG = 0x60;
const BD = 0x70;
const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const HASH_LOG = 16;
const MAX_OFFSET = 0xffff;
const STORED = 0x8000_0000;

const P1 = 2654435761; // the multiplier of LZ4's hash of four bytes (xxHash's first prime)

const read32 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

/** Short runs byte by byte: a typed-array view per sequence costs more than the copy. */
function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, pos: number): number {
  if (to - from > 64) {
    dst.set(src.subarray(from, to), pos);
    return pos + (to - from);
  }
  for (let i = from; i < to; i++) dst[pos++] = src[i];
  return pos;
}

function writeLength(dst: Uint8Array, pos: number, n: number): number {
  for (; n >= 255; n -= 255) dst[pos++] = 255;
  dst[pos++] = n;
  return pos;
}

/**
 * Compresses src[start, end) into dst from `pos`; returns the end position, or -1 when the
 * result would reach `limit` (the caller then stores the block as is).
 */
function compressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  pos: number,
  limit: number,
  table: Int32Array,
): number {
  table.fill(-1);
  let anchor = start;
  let ip = start;
  const mfLimit = end - MF_LIMIT;
  const matchLimit = end - LAST_LITERALS;
  let misses = 0;
  while (ip < mfLimit) {
    const seq = read32(src, ip);
    const h = Math.imul(seq, P1) >>> (32 - HASH_LOG);
    const ref = table[h];
    table[h] = ip;
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
      // incompressible stretches are skipped faster and faster, as LZ4 does
      ip += 1 + (misses++ >> 6);
      continue;
    }
    misses = 0;
    let mStart = ip;
    let rStart = ref;
    while (mStart > anchor && rStart > start && src[mStart - 1] === src[rStart - 1]) {
      mStart--;
      rStart--;
    }
    let mEnd = ip + MIN_MATCH;
    let rEnd = ref + MIN_MATCH;
    while (mEnd < matchLimit && src[mEnd] === src[rEnd]) {
      mEnd++;
      rEnd++;
    }
    const literals = mStart - anchor;
    const matchExtra = mEnd - mStart - MIN_MATCH;
    if (pos + literals + literals / 255 + 16 >= limit) return -1;
    const token = pos++;
    dst[token] = (Math.min(literals, 15) << 4) | Math.min(matchExtra, 15);
    if (literals >= 15) pos = writeLength(dst, pos, literals - 15);
    pos = copyBytes(src, anchor, mStart, dst, pos);
    const offset = mStart - rStart;
    dst[pos++] = offset & 0xff;
    dst[pos++] = offset >>> 8;
    if (matchExtra >= 15) pos = writeLength(dst, pos, matchExtra - 15);
    anchor = ip = mEnd;
  }
  const literals = end - anchor;
  if (pos + literals + literals / 255 + 2 >= limit) return -1;
  dst[pos++] = Math.min(literals, 15) << 4;
  if (literals >= 15) pos = writeLength(dst, pos, literals - 15);
  dst.set(src.subarray(anchor, end), pos);
  return pos + literals;
}

/**
 * Buffers a compressor reuses from frame to frame: fresh multi-megabyte ones for every batch
 * make V8 collect garbage far more often (it counts them as external memory).
 */
export class Lz4Scratch {
  input = Buffer.allocUnsafe(0);
  output = Buffer.allocUnsafe(0);
  readonly table = new Int32Array(1 << HASH_LOG);
}

/** One LZ4 frame holding `parts` in order; the result is a view of `scratch.output`. */
export function lz4Frame(parts: Buffer[], scratch = new Lz4Scratch()): Buffer {
  let src: Buffer;
  if (parts.length === 1) src = parts[0];
  else {
    const length = parts.reduce((n, p) => n + p.length, 0);
    if (scratch.input.length < length) scratch.input = Buffer.allocUnsafe(length);
    let at = 0;
    for (const p of parts) at += p.copy(scratch.input, at);
    src = scratch.input.subarray(0, length);
  }
  const blocks = Math.max(1, Math.ceil(src.length / BLOCK_MAX));
  const size = 7 + src.length + blocks * 4 + 4;
  if (scratch.output.length < size) scratch.output = Buffer.allocUnsafe(size);
  const out = scratch.output;
  out.writeUInt32LE(MAGIC, 0);
  out[4] = FLG;
  out[5] = BD;
  out[6] = (xxh32(out, 4, 6) >>> 8) & 0xff;
  let pos = 7;
  const table = scratch.table;
  for (let start = 0; start < src.length; start += BLOCK_MAX) {
    const end = Math.min(src.length, start + BLOCK_MAX);
    const size = end - start;
    const written = compressBlock(src, start, end, out, pos + 4, pos + 4 + size, table);
    if (written < 0) {
      out.writeUInt32LE((size | STORED) >>> 0, pos);
      src.copy(out, pos + 4, start, end);
      pos += 4 + size;
    } else {
      out.writeUInt32LE(written - pos - 4, pos);
      pos = written;
    }
  }
  out.writeUInt32LE(0, pos);
  return out.subarray(0, pos + 4);
}
