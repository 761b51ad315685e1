// A bounds-checked cursor for binary protocols: every read past the end throws, and parsers
// turn that into a failure (or a partial message) instead of reading garbage.

import { i32be, text, u16be, u32be } from '../bytes.ts';

export class OutOfBounds extends Error {}

export class ByteReader {
  constructor(
    readonly b: Uint8Array,
    public pos = 0,
    readonly end = b.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end)
      throw new OutOfBounds(`need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.b[this.pos++];
  }

  i16(): number {
    this.need(2);
    const v = (u16be(this.b, this.pos) << 16) >> 16;
    this.pos += 2;
    return v;
  }

  u16(): number {
    this.need(2);
    const v = u16be(this.b, this.pos);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = i32be(this.b, this.pos);
    this.pos += 4;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = u32be(this.b, this.pos);
    this.pos += 4;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  utf8(n: number): string {
    return text(this.bytes(n));
  }

  /** Unsigned LEB128 varint, as Kafka's flexible versions and protobuf use. */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.u8();
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new OutOfBounds('varint too long');
  }
}
