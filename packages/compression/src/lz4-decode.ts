// LZ4 frames (lz4_Frame_format.md), as otelcol's `lz4` Content-Encoding (pierrec/lz4's Writer),
// the lz4 tool and ClickHouse write them. Decoded here rather than by a library so that output is
// bounded as it is produced: an LZ4 body can inflate ~250 times, and a request must never
// allocate more than its limit.
import { CorruptInput, OutputTooLarge } from './errors.ts';
import { u32, xxh32 } from './xxhash.ts';

const MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC = 0x184d2a50; // ...0x184d2a5f
const BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

/** A growing output that refuses to pass `max` bytes. */
class Output {
  buf: Uint8Array;
  length = 0;
  constructor(
    initial: number,
    private readonly max: number,
  ) {
    this.buf = new Uint8Array(Math.max(64, Math.min(initial, max)));
  }
  reserve(n: number): void {
    const need = this.length + n;
    if (need > this.max) throw new OutputTooLarge();
    if (need <= this.buf.length) return;
    const grown = new Uint8Array(Math.min(this.max, Math.max(need, this.buf.length * 2)));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }
}

/** One LZ4 block into `out`; matches may reach back into earlier blocks of the frame (linked blocks). */
function decodeBlock(src: Uint8Array, ip: number, end: number, out: Output): void {
  while (ip < end) {
    const token = src[ip++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= end) throw new CorruptInput('truncated literal length');
        b = src[ip++];
        literals += b;
      } while (b === 255);
    }
    if (ip + literals > end) throw new CorruptInput('literals past the end of the block');
    out.reserve(literals);
    out.buf.set(src.subarray(ip, ip + literals), out.length);
    out.length += literals;
    ip += literals;
    if (ip === end) return; // the last sequence has literals only
    if (ip + 2 > end) throw new CorruptInput('truncated match offset');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > out.length) throw new CorruptInput(`match offset ${offset} outside the output`);
    let match = (token & 15) + 4;
    if (match === 19) {
      let b: number;
      do {
        if (ip >= end) throw new CorruptInput('truncated match length');
        b = src[ip++];
        match += b;
      } while (b === 255);
    }
    out.reserve(match);
    const buf = out.buf;
    let from = out.length - offset;
    let to = out.length;
    // byte by byte where the match overlaps what it writes (a run), as LZ4 defines it
    if (offset >= match) buf.copyWithin(to, from, from + match);
    else for (let k = 0; k < match; k++) buf[to++] = buf[from++];
    out.length += match;
  }
}

/** Every frame in `body` (concatenated frames, skippable frames skipped), at most `maxBytes` out. */
export function lz4FrameDecompress(body: Uint8Array, maxBytes: number): Buffer {
  const out = new Output(body.length * 4, maxBytes);
  let at = 0;
  if (body.length === 0) throw new CorruptInput('empty body');
  while (at < body.length) {
    if (at + 4 > body.length) throw new CorruptInput('truncated frame header');
    const magic = u32(body, at);
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      if (at + 8 > body.length) throw new CorruptInput('truncated skippable frame');
      at += 8 + u32(body, at + 4);
      continue;
    }
    if (magic !== MAGIC) throw new CorruptInput(`not an LZ4 frame (magic 0x${magic.toString(16)})`);
    const descriptor = at + 4;
    if (descriptor + 3 > body.length) throw new CorruptInput('truncated frame descriptor');
    const flg = body[descriptor];
    const bd = body[descriptor + 1];
    if (flg >>> 6 !== 1) throw new CorruptInput(`unsupported frame version ${flg >>> 6}`);
    if (flg & 0x02 || bd & 0x8f) throw new CorruptInput('reserved bits set in the frame descriptor');
    if (flg & 0x01) throw new CorruptInput('frames that need a dictionary are not supported');
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const blockMax = BLOCK_MAX[(bd >>> 4) & 7];
    if (blockMax === 0) throw new CorruptInput('bad block maximum size');
    let p = descriptor + 2;
    if (contentSize) {
      if (p + 8 > body.length) throw new CorruptInput('truncated content size');
      const declared = u32(body, p) + u32(body, p + 4) * 2 ** 32;
      if (out.length + declared > maxBytes) throw new OutputTooLarge();
      p += 8;
    }
    if (p >= body.length) throw new CorruptInput('truncated frame descriptor');
    if (body[p] !== ((xxh32(body, descriptor, p) >>> 8) & 0xff))
      throw new CorruptInput('frame descriptor checksum mismatch');
    p++;
    const frameStart = out.length;
    for (;;) {
      if (p + 4 > body.length) throw new CorruptInput('truncated block size');
      const word = u32(body, p);
      p += 4;
      if (word === 0) break; // EndMark
      const size = word & 0x7fffffff;
      if (size > blockMax) throw new CorruptInput(`block of ${size} bytes, more than the frame's ${blockMax}`);
      const end = p + size;
      if (end + (blockChecksum ? 4 : 0) > body.length) throw new CorruptInput('truncated block');
      if (blockChecksum && u32(body, end) !== xxh32(body, p, end)) throw new CorruptInput('block checksum mismatch');
      if (word & 0x80000000) {
        out.reserve(size);
        out.buf.set(body.subarray(p, end), out.length);
        out.length += size;
      } else decodeBlock(body, p, end, out);
      p = end + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) {
      if (p + 4 > body.length) throw new CorruptInput('truncated content checksum');
      if (u32(body, p) !== xxh32(out.buf, frameStart, out.length)) throw new CorruptInput('content checksum mismatch');
      p += 4;
    }
    at = p;
  }
  return Buffer.from(out.buf.buffer, out.buf.byteOffset, out.length);
}
