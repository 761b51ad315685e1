// A protobuf writer that fills its buffer from the end towards the start. Writing a message's
// fields last-first means a nested message's length is known the moment its body is written,
// so encoding is one pass with no size pre-computation and no byte shuffling; callers write
// fields in descending field-number order and the output comes out in ascending order.
import type { EncodeBuffer } from '../encode-buffer.ts';
import { WireType } from './reader.ts';
import { copyAscii } from './utf8.ts';

const encoder = new TextEncoder();
const SHORT_STRING = 32;

export class ProtoWriter {
  private buf: Uint8Array<ArrayBuffer>;
  private view: DataView;
  /** first written byte; everything from here to the end is output */
  private pos: number;

  /** where the memory comes from and where a grown one is left, when the caller reuses it */
  private readonly reused?: EncodeBuffer;

  /** Room for `capacity` bytes to start with; given `reused`, its memory once it has some (grown there when a message does not fit). */
  constructor(capacity = 8192, reused?: EncodeBuffer) {
    this.reused = reused;
    this.buf = reused && reused.bytes.length > 0 ? reused.bytes : new Uint8Array(capacity);
    if (reused) reused.bytes = this.buf;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = this.buf.length;
  }

  /**
   * Bytes written so far. Marks taken from it stay valid when the buffer grows (positions
   * would not: growing moves the output to the end of a larger buffer).
   */
  get written(): number {
    return this.buf.length - this.pos;
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(this.pos);
  }

  private reserve(n: number): void {
    if (this.pos >= n) return;
    const used = this.buf.length - this.pos;
    let capacity = this.buf.length * 2;
    while (capacity - used < n) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(this.pos), capacity - used);
    this.buf = next;
    if (this.reused) this.reused.bytes = next;
    this.view = new DataView(next.buffer);
    this.pos = capacity - used;
  }

  uint32(v: number): void {
    this.reserve(5);
    const buf = this.buf;
    if (v < 0x80) {
      buf[--this.pos] = v;
      return;
    }
    const size = v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
    let pos = (this.pos -= size);
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos] = v;
  }

  tag(field: number, wireType: number): void {
    this.uint32(((field << 3) | wireType) >>> 0);
  }

  /** Close a nested message whose body was written since `end` was taken from `written`. */
  closeMessage(field: number, end: number): void {
    this.uint32(this.written - end);
    this.tag(field, WireType.LEN);
  }

  /** Sign-extends negative values to 10 bytes, as int32 and enum fields require. */
  int32(v: number): void {
    if (v >= 0) this.uint32(v);
    else this.varint64(v >>> 0, 0xffffffff);
  }

  sint32(v: number): void {
    this.uint32(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** int64 and uint64 varints; negative values take 10 bytes (two's complement). */
  int64(v: bigint): void {
    if (v >= 0n && v < 0x80000000n) {
      this.uint32(Number(v));
      return;
    }
    const u = BigInt.asUintN(64, v);
    this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  private varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.uint32(lo);
      return;
    }
    let size = 5;
    for (let h = hi >>> 3; h !== 0; h >>>= 7) size++;
    this.reserve(size);
    putVarint64(this.buf, (this.pos -= size), lo, hi);
  }

  bool(v: boolean): void {
    this.reserve(1);
    this.buf[--this.pos] = v ? 1 : 0;
  }

  fixed32(v: number): void {
    this.reserve(4);
    this.pos -= 4;
    this.view.setUint32(this.pos, v >>> 0, true);
  }

  fixed64(v: bigint): void {
    this.reserve(8);
    this.pos -= 8;
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
  }

  sfixed64(v: bigint): void {
    this.reserve(8);
    this.pos -= 8;
    this.view.setBigInt64(this.pos, BigInt.asIntN(64, v), true);
  }

  double(v: number): void {
    this.reserve(8);
    this.pos -= 8;
    this.view.setFloat64(this.pos, v, true);
  }

  bytes(v: Uint8Array): void {
    this.reserve(v.length + 5);
    this.pos -= v.length;
    this.buf.set(v, this.pos);
    this.uint32(v.length);
  }

  string(s: string): void {
    const n = s.length;
    if (n <= SHORT_STRING) {
      this.reserve(n + 5);
      if (copyAscii(s, this.buf, this.pos - n)) {
        this.pos -= n;
        this.uint32(n);
        return;
      }
    }
    const size = utf8Length(s);
    this.reserve(size + 5);
    this.pos -= size;
    encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + size));
    this.uint32(size);
  }

  /** Repeated fixed64, packed. */
  packedFixed64(field: number, values: bigint[]): void {
    if (values.length === 0) return;
    for (let i = values.length - 1; i >= 0; i--) this.fixed64(values[i]);
    this.uint32(values.length * 8);
    this.tag(field, WireType.LEN);
  }

  packedDouble(field: number, values: number[]): void {
    if (values.length === 0) return;
    for (let i = values.length - 1; i >= 0; i--) this.double(values[i]);
    this.uint32(values.length * 8);
    this.tag(field, WireType.LEN);
  }

  packedUint64(field: number, values: bigint[]): void {
    if (values.length === 0) return;
    const end = this.written;
    for (let i = values.length - 1; i >= 0; i--) this.int64(values[i]);
    this.closeMessage(field, end);
  }

  /** Repeated int32 (sign-extended as int32 requires), packed. */
  packedInt32(field: number, values: number[]): void {
    if (values.length === 0) return;
    const end = this.written;
    for (let i = values.length - 1; i >= 0; i--) this.int32(values[i]);
    this.closeMessage(field, end);
  }

  int32Field(field: number, v: number): void {
    if (v === 0) return;
    this.int32(v);
    this.tag(field, WireType.VARINT);
  }

  /** int64 and uint64 fields */
  int64Field(field: number, v: bigint): void {
    if (v === 0n) return;
    this.int64(v);
    this.tag(field, WireType.VARINT);
  }

  // Scalar fields with proto3 defaults: a field equal to its default is not written.

  stringField(field: number, v: string): void {
    if (v.length === 0) return;
    this.string(v);
    this.tag(field, WireType.LEN);
  }

  bytesField(field: number, v: Uint8Array): void {
    if (v.length === 0) return;
    this.bytes(v);
    this.tag(field, WireType.LEN);
  }

  uint32Field(field: number, v: number): void {
    if (v === 0) return;
    this.uint32(v >>> 0);
    this.tag(field, WireType.VARINT);
  }

  enumField(field: number, v: number): void {
    if (v === 0) return;
    this.int32(v);
    this.tag(field, WireType.VARINT);
  }

  fixed32Field(field: number, v: number): void {
    if (v === 0) return;
    this.fixed32(v);
    this.tag(field, WireType.I32);
  }

  fixed64Field(field: number, v: bigint): void {
    if (v === 0n) return;
    this.fixed64(v);
    this.tag(field, WireType.I64);
  }

  /** -0 is not the default: only +0 is left out, so the sign survives a round trip. */
  doubleField(field: number, v: number): void {
    if (v === 0 && 1 / v > 0) return;
    this.double(v);
    this.tag(field, WireType.I64);
  }

  /** A field with presence (proto3 `optional`, oneof member): written whenever it is set. */
  optionalDoubleField(field: number, v: number | undefined): void {
    if (v === undefined) return;
    this.double(v);
    this.tag(field, WireType.I64);
  }
}

function utf8Length(s: string): number {
  let size = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) size += 1;
    else if (c < 0x800) size += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 4;
      i++;
    } else size += 3; // lone surrogates become U+FFFD, three bytes
  }
  return size;
}

/**
 * A varint of a 64-bit value whose high half is not zero, from its low and high 32 bits, written
 * forwards from `at` (5 to 10 bytes); returns the end.
 */
export function putVarint64(buf: Uint8Array, at: number, lo: number, hi: number): number {
  for (let i = 0; i < 4; i++) {
    buf[at++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  let rest = lo | ((hi & 0x7) << 4);
  hi >>>= 3;
  while (hi !== 0) {
    buf[at++] = rest | 0x80;
    rest = hi & 0x7f;
    hi >>>= 7;
  }
  buf[at++] = rest;
  return at;
}
