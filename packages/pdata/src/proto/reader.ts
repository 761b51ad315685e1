// A protobuf wire-format reader over one Uint8Array. Every read is bounds checked and every
// failure is a DecodeError, so hostile input can neither crash nor hang a decoder built on it:
// each loop iteration consumes at least one byte, and a length prefix is checked against the
// bytes that remain before anything is sliced or allocated.
import { DecodeError } from '../decode-error.ts';
import { Utf8Reader } from './utf8.ts';

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** How deep AnyValue may nest (arrays and kvlists inside values) before decoding refuses. */
export const MAX_VALUE_DEPTH = 64;

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
const COPY_BYTES_UP_TO = 32;

export class ProtoReader {
  readonly buf: Uint8Array;
  pos = 0;
  /** current AnyValue nesting, guarded by MAX_VALUE_DEPTH */
  depth = 0;
  private readonly view: DataView;
  private readonly utf8: Utf8Reader;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.utf8 = new Utf8Reader(buf);
  }

  error(message: string, at = this.pos): DecodeError {
    return new DecodeError(message, at);
  }

  /** A varint truncated to its low 32 bits, as protobuf does for 32-bit fields. */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos + 10 > buf.length) return this.uint32Checked();
    let b = buf[pos++];
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    b = buf[pos++];
    v |= (b & 0x7f) << 7;
    if (b >= 0x80) {
      b = buf[pos++];
      v |= (b & 0x7f) << 14;
      if (b >= 0x80) {
        b = buf[pos++];
        v |= (b & 0x7f) << 21;
        if (b >= 0x80) {
          b = buf[pos++];
          v |= b << 28;
          // bytes 6..10 only carry bits above 32: skip them, but they must end
          if (b >= 0x80) {
            let n = 0;
            while (buf[pos++] >= 0x80) if (++n === 5) throw this.error('varint longer than 10 bytes', this.pos);
          }
        }
      }
    }
    this.pos = pos;
    return v >>> 0;
  }

  private uint32Checked(): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= buf.length) throw this.error('truncated varint', start);
      if (shift >= 70) throw this.error('varint longer than 10 bytes', start);
      const b = buf[pos++];
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** A varint as a signed 32-bit number (int32 and enum fields). */
  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  bool(): boolean {
    return this.uint64() !== 0n;
  }

  /** A full 64-bit varint as an unsigned bigint. */
  uint64(): bigint {
    const buf = this.buf;
    const start = this.pos;
    // small values (below 2^28) are the common case and avoid bigint arithmetic entirely
    if (start + 4 <= buf.length) {
      const b0 = buf[start];
      if (b0 < 0x80) {
        this.pos = start + 1;
        return BigInt(b0);
      }
      const b1 = buf[start + 1];
      if (b1 < 0x80) {
        this.pos = start + 2;
        return BigInt((b0 & 0x7f) | (b1 << 7));
      }
    }
    let lo = 0;
    let hi = 0;
    let pos = start;
    for (let i = 0; ; i++) {
      if (pos >= buf.length) throw this.error('truncated varint', start);
      if (i === 10) throw this.error('varint longer than 10 bytes', start);
      const b = buf[pos++];
      if (i < 4) lo |= (b & 0x7f) << (i * 7);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (i * 7 - 32);
      if (b < 0x80) break;
    }
    this.pos = pos;
    if (hi === 0) return BigInt(lo >>> 0);
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  /** A 64-bit varint read as two's complement (int64 fields). */
  int64(): bigint {
    return BigInt.asIntN(64, this.uint64());
  }

  fixed32(): number {
    const pos = this.pos;
    if (pos + 4 > this.buf.length) throw this.error('truncated fixed32');
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  fixed64(): bigint {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) throw this.error('truncated fixed64');
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  sfixed64(): bigint {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) throw this.error('truncated sfixed64');
    this.pos = pos + 8;
    return this.view.getBigInt64(pos, true);
  }

  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) throw this.error('truncated double');
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** A length prefix, checked against the bytes that remain; returns the end offset. */
  len(): number {
    const at = this.pos;
    // one-byte lengths (under 128) are most of them: ids, keys, short values, small messages
    const first = this.buf[at];
    if (first < 0x80 && at + 1 + first <= this.buf.length) {
      this.pos = at + 1;
      return at + 1 + first;
    }
    const n = this.uint32();
    const end = this.pos + n;
    if (end > this.buf.length || n > 0x7fffffff)
      throw this.error(`length ${n} exceeds the ${this.buf.length - this.pos} bytes that remain`, at);
    return end;
  }

  /**
   * Short bytes fields (ids) are copied: a small typed array is cheaper to make than a view,
   * and a span kept for long does not pin its whole request in memory. Longer ones are views
   * into the input, which must then not be reused. Always a plain Uint8Array, even when the
   * input is a Buffer (whose subarray would be a Buffer).
   */
  /**
   * A trace id (16 bytes) or span id (8 bytes): empty means "no id", any other length is an
   * error, as otelcol's pdata refuses it (a 400 / INVALID_ARGUMENT at the receiver).
   */
  id(size: 8 | 16, what: string): Uint8Array {
    const at = this.pos;
    const b = this.bytes();
    if (b.length !== 0 && b.length !== size)
      throw this.error(`invalid ${what} length: ${b.length} bytes, expected ${size}`, at);
    return b;
  }

  bytes(): Uint8Array {
    const end = this.len();
    const start = this.pos;
    this.pos = end;
    const len = end - start;
    if (len === 0) return EMPTY_BYTES;
    const buf = this.buf;
    if (len > COPY_BYTES_UP_TO) return new Uint8Array(buf.buffer, buf.byteOffset + start, len);
    const copy = new Uint8Array(len);
    for (let i = 0; i < len; i++) copy[i] = buf[start + i];
    return copy;
  }

  /** Invalid UTF-8 becomes U+FFFD, as in every protobuf runtime that does not reject it. */
  string(): string {
    const end = this.len();
    const start = this.pos;
    this.pos = end;
    return this.utf8.decode(start, end);
  }

  /** Packed or unpacked, a repeated field's elements are appended to `out`. */
  packedFixed64(out: bigint[]): void {
    const end = this.len();
    if ((end - this.pos) % 8 !== 0) throw this.error('packed fixed64 length is not a multiple of 8');
    while (this.pos < end) out.push(this.fixed64());
  }

  packedDouble(out: number[]): void {
    const end = this.len();
    if ((end - this.pos) % 8 !== 0) throw this.error('packed double length is not a multiple of 8');
    while (this.pos < end) out.push(this.double());
  }

  packedUint64(out: bigint[]): void {
    const end = this.len();
    while (this.pos < end) out.push(this.uint64());
    if (this.pos !== end) throw this.error('packed varint overruns its field');
  }

  /** repeated int32 (and enum), packed; an unpacked element is read with int32() */
  packedInt32(out: number[]): void {
    const end = this.len();
    while (this.pos < end) out.push(this.int32());
    if (this.pos !== end) throw this.error('packed varint overruns its field');
  }

  /** Skip a field we do not know, by its wire type. */
  skip(tag: number): void {
    const at = this.pos;
    if (tag >>> 3 === 0) throw this.error('field number 0 is invalid', at);
    switch (tag & 7) {
      case WireType.VARINT:
        this.uint64();
        return;
      case WireType.I64:
        if (this.pos + 8 > this.buf.length) throw this.error('truncated 64-bit field');
        this.pos += 8;
        return;
      case WireType.LEN:
        this.pos = this.len();
        return;
      case WireType.I32:
        if (this.pos + 4 > this.buf.length) throw this.error('truncated 32-bit field');
        this.pos += 4;
        return;
      default:
        throw this.error(`unsupported wire type ${tag & 7} for field ${tag >>> 3}`, at);
    }
  }

  /** After a message's fields: a field that ran past the message's length is an error. */
  expectEnd(end: number, message: string): void {
    if (this.pos !== end) throw this.error(`a field of ${message} overruns the message`, end);
  }
}
