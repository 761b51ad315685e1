// The forward protobuf writer, beside ProtoWriter (which fills from the end): fields in the order
// they appear, one growing buffer, length prefixes reserved before a nested message and fixed up
// after it, so nothing is measured twice. For encoders that cut their output by position while
// they write (the remote write exporter splits requests at max_batch_size_bytes and compresses
// label runs it placed): positions here only grow, as the bytes they point at come out.

import { GrowableBytes } from './growable-bytes.ts';

const varintSize = (n: number): number => {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
};

export class ProtoStreamWriter extends GrowableBytes {
  constructor(initialSize = 1 << 16) {
    super(initialSize);
  }

  /** A field key: (field number << 3) | wire type. */
  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
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
    this.f64(v);
  }

  /** Eight little-endian bytes of a 64-bit pattern (a NaN payload JS numbers cannot hold). */
  fixed64(bits: bigint): void {
    this.u64(bits);
  }

  /** Raw bytes, already encoded. */
  bytes(b: Uint8Array): void {
    this.raw(b);
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
    // a copy: Buffer's own slice would be a view of the buffer the next message overwrites
    return new Uint8Array(this.buf.subarray(0, this.pos));
  }
}
