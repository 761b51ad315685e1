// The forward protobuf writer, beside ProtoWriter (which fills from the end): fields in the order
// they appear, one growing buffer, length prefixes reserved before a nested message and fixed up
// after it, so nothing is measured twice. For encoders that cut their output by position while
// they write (the remote write exporter splits requests at max_batch_size_bytes and compresses
// label runs it placed): positions here only grow, as the bytes they point at come out.

import { copyAscii } from './utf8.ts';

const utf8 = new TextEncoder();

const varintSize = (n: number): number => {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
};

export class ProtoStreamWriter {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(initialSize = 1 << 16) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A field key: (field number << 3) | wire type. */
  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
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

  /** An int64 field value: negatives take ten bytes of two's complement, as protobuf has it. */
  int64(n: number): void {
    if (n >= 0) this.varint(n);
    else this.uint64(BigInt.asUintN(64, BigInt(n)));
  }

  uint64(n: bigint): void {
    if (n <= 0x1fffffffffffffn) return this.varint(Number(n));
    this.ensure(10);
    while (n >= 128n) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
  }

  /** sint32/sint64 (zigzag) for integers within 2^52. */
  sint(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Eight little-endian bytes of a 64-bit pattern (a NaN payload JS numbers cannot hold). */
  fixed64(bits: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, bits, true);
    this.pos += 8;
  }

  /** Raw bytes, already encoded. */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A length-prefixed UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    // ASCII fast path with a one-byte length: most label names and values
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
    utf8.encodeInto(s, this.buf.subarray(this.pos, this.pos + size));
    this.pos += size;
  }

  /** Reserves `reserve` bytes for a length prefix; pass the result to `join`. */
  fork(reserve = 1): number {
    this.ensure(reserve);
    const start = this.pos;
    this.pos += reserve;
    return start;
  }

  /** Writes the length of everything since `fork`, moving the content when the guess was off. */
  join(start: number, reserve = 1): void {
    const contentStart = start + reserve;
    const length = this.pos - contentStart;
    const size = varintSize(length);
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buf.copyWithin(start + size, contentStart, this.pos);
      this.pos += size - reserve;
    }
    let p = start;
    let n = length;
    while (n >= 128) {
      this.buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[p] = n;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
