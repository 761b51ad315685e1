// A growable little-endian byte buffer: the one place bytes are written for ClickHouse's
// binary formats. Growth, varints, raw bytes, String (varint length, UTF-8) and the 64-bit
// numbers are pdata's GrowableBytes, shared with the protobuf writer: both formats write them
// alike.

import { GrowableBytes } from '@flowtel/pdata';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

export class ByteWriter extends GrowableBytes {
  constructor(initial = 4096) {
    super(initial);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  /** a non-negative integer below 2^53 as UInt64 */
  u64n(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    const p = this.pos;
    const lo = v >>> 0;
    const hi = (v / 0x1_0000_0000) >>> 0;
    buf[p] = lo;
    buf[p + 1] = lo >>> 8;
    buf[p + 2] = lo >>> 16;
    buf[p + 3] = lo >>> 24;
    buf[p + 4] = hi;
    buf[p + 5] = hi >>> 8;
    buf[p + 6] = hi >>> 16;
    buf[p + 7] = hi >>> 24;
    this.pos = p + 8;
  }

  /** two's complement is `v` modulo 2^64: the same bytes as u64 */
  i64(v: bigint): void {
    this.u64(v);
  }

  bytesString(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** An id as lowercase hex, or '' when it is empty or all zero (contrib's TraceIDToHexOrEmptyString). */
  hexId(id: Uint8Array): void {
    let zero = true;
    for (let i = 0; i < id.length; i++)
      if (id[i] !== 0) {
        zero = false;
        break;
      }
    if (zero) {
      this.u8(0);
      return;
    }
    const n = id.length * 2;
    this.ensure(1 + n);
    this.buf[this.pos++] = n;
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < id.length; i++) {
      const v = id[i];
      buf[p++] = HEX_DIGITS[v >> 4];
      buf[p++] = HEX_DIGITS[v & 15];
    }
    this.pos = p;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export function hexOf(id: Uint8Array): string {
  let zero = true;
  for (let i = 0; i < id.length; i++)
    if (id[i] !== 0) {
      zero = false;
      break;
    }
  if (zero) return '';
  let s = '';
  for (let i = 0; i < id.length; i++) s += HEX[id[i]];
  return s;
}
