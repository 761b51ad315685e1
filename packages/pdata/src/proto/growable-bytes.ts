// A byte buffer written front to back that grows as it fills: what the forward protobuf writer
// (ProtoStreamWriter) and ClickHouse's Native encoder share. Both wire formats write lengths as
// base-128 varints and strings as a varint byte length then UTF-8, so those live here too.

import { copyAscii } from './utf8.ts';

const SCRATCH_BYTES = new Uint8Array(8);
const SCRATCH = new DataView(SCRATCH_BYTES.buffer);

export class GrowableBytes {
  /** A Buffer, so subclasses write fixed-width numbers with its little-endian methods. */
  buf: Buffer;
  pos = 0;

  constructor(initialSize: number) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Starts over, keeping the buffer: a reused writer does not grow again. */
  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative integer up to 2^53. */
  varint(n: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (n <= 0xffffffff) {
      let v = n >>> 0;
      while (v > 127) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
    } else {
      // millisecond timestamps land here: low and high 32-bit halves, as protobufjs does
      let lo = n >>> 0;
      let hi = (n - lo) / 4294967296;
      while (hi > 0 || lo > 127) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      buf[pos++] = lo;
    }
    this.pos = pos;
  }

  /** A double, little-endian (protobuf's double, ClickHouse's Float64). */
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** 64 bits, little-endian (protobuf's fixed64, ClickHouse's UInt64); a negative is its two's complement. */
  /** `v` modulo 2^64, little-endian. */
  u64(v: bigint): void {
    // DataView converts without the intermediate BigInts of Buffer.writeBigUInt64LE (its
    // masks and shifts), which were ~5% of what the store allocates per request
    SCRATCH.setBigUint64(0, v, true);
    this.ensure(8);
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < 8; i++) buf[p + i] = SCRATCH_BYTES[i];
    this.pos = p + 8;
  }

  /** Bytes already encoded, as they are. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A varint byte length, then the string's UTF-8. */
  string(s: string): void {
    const n = s.length;
    // ASCII fast path with a one-byte length: most attribute and label keys and values
    if (n < 128) {
      this.ensure(n + 1);
      if (copyAscii(s, this.buf, this.pos + 1)) {
        this.buf[this.pos] = n;
        this.pos += n + 1;
        return;
      }
    }
    const size = Buffer.byteLength(s, 'utf8');
    this.varint(size);
    this.ensure(size);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}
