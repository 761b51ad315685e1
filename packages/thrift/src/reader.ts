// Readers of Apache Thrift's binary and compact protocols over one buffer. The input comes from
// the network (UDP datagrams, HTTP bodies), so every read is bounds checked, a length or a
// container size is checked against the bytes that remain before anything is allocated, and
// nesting is limited: bad input is a DecodeError, never a crash, a hang or a large allocation.
import { DecodeError } from '@flowtel/pdata';

/** Thrift's type ids (TType), as both protocols are read into them. */
export const TType = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const;

/** How deep structs and containers may nest before a reader refuses (jaeger's and zipkin's IDLs nest 3 deep). */
export const MAX_DEPTH = 64;

export interface FieldHeader {
  type: number;
  id: number;
}

export interface ListHeader {
  elemType: number;
  size: number;
}

export interface MessageHeader {
  name: string;
  type: number;
  seqid: number;
}

/** The smallest encoding of one element of a type: a container's size times it must fit in what remains. */
function minSize(type: number, compact: boolean): number {
  switch (type) {
    case TType.DOUBLE:
    case TType.I64:
      return compact && type === TType.I64 ? 1 : 8;
    case TType.I32:
      return compact ? 1 : 4;
    case TType.I16:
      return compact ? 1 : 2;
    case TType.STRING:
      return compact ? 1 : 4;
    default:
      return 1;
  }
}

export abstract class ThriftReader {
  protected readonly buf: Buffer;
  protected readonly view: DataView;
  pos = 0;
  protected depth = 0;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  error(message: string, at = this.pos): DecodeError {
    return new DecodeError(message, at);
  }

  protected need(n: number, what: string): number {
    const at = this.pos;
    if (n > this.buf.length - at)
      throw this.error(`truncated ${what}: ${n} bytes needed, ${this.buf.length - at} left`);
    this.pos = at + n;
    return at;
  }

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) throw this.error(`structs nested deeper than ${MAX_DEPTH}`);
  }

  protected leave(): void {
    this.depth--;
  }

  abstract messageBegin(): MessageHeader;
  abstract structBegin(): void;
  abstract structEnd(): void;
  /** The next field's header; type STOP ends the struct. */
  abstract fieldBegin(): FieldHeader;
  abstract listBegin(): ListHeader;
  abstract mapBegin(): { keyType: number; valueType: number; size: number };
  abstract bool(): boolean;
  abstract byte(): number;
  abstract i16(): number;
  abstract i32(): number;
  abstract i64(): bigint;
  abstract double(): number;
  protected abstract length(): number;

  /** Bytes, copied: a decoded value outlives the datagram or body it came in. */
  binary(): Uint8Array {
    const n = this.length();
    const at = this.need(n, 'binary');
    // a plain Uint8Array (a Buffer's slice would be a Buffer, which pdata's consumers do not expect)
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(at, at + n));
    return out;
  }

  /** Invalid UTF-8 becomes U+FFFD, as Go's thrift string conversion keeps the bytes and OTLP replaces them. */
  string(): string {
    const n = this.length();
    const at = this.need(n, 'string');
    return this.buf.toString('utf8', at, at + n);
  }

  /** A list's or set's header, its size checked against the bytes that remain. */
  protected checkedSize(size: number, elemType: number, compact: boolean): number {
    if (size < 0) throw this.error(`negative container size ${size}`);
    if (size * minSize(elemType, compact) > this.remaining)
      throw this.error(`container of ${size} elements is larger than the ${this.remaining} bytes that remain`);
    return size;
  }

  /** Skips a value of a type this decoder does not read (unknown fields, as thrift does). */
  skip(type: number): void {
    switch (type) {
      case TType.BOOL:
        this.bool();
        return;
      case TType.BYTE:
        this.byte();
        return;
      case TType.I16:
        this.i16();
        return;
      case TType.I32:
        this.i32();
        return;
      case TType.I64:
        this.i64();
        return;
      case TType.DOUBLE:
        this.double();
        return;
      case TType.STRING:
        this.need(this.length(), 'binary');
        return;
      case TType.STRUCT:
        this.enter();
        this.structBegin();
        for (let f = this.fieldBegin(); f.type !== TType.STOP; f = this.fieldBegin()) this.skip(f.type);
        this.structEnd();
        this.leave();
        return;
      case TType.LIST:
      case TType.SET: {
        this.enter();
        const { elemType, size } = this.listBegin();
        for (let i = 0; i < size; i++) this.skip(elemType);
        this.leave();
        return;
      }
      case TType.MAP: {
        this.enter();
        const { keyType, valueType, size } = this.mapBegin();
        for (let i = 0; i < size; i++) {
          this.skip(keyType);
          this.skip(valueType);
        }
        this.leave();
        return;
      }
      default:
        throw this.error(`unknown thrift type ${type}`);
    }
  }

  /** Reads a list whose elements `read` decodes, nesting counted. */
  list<T>(expected: number, read: () => T): T[] {
    this.enter();
    const { elemType, size } = this.listBegin();
    if (elemType !== expected && size > 0) throw this.error(`list of type ${elemType}, expected ${expected}`);
    const out = new Array<T>(size);
    for (let i = 0; i < size; i++) out[i] = read();
    this.leave();
    return out;
  }

  /** Reads a struct: `field` is called for each field and returns false for those it does not know (skipped). */
  struct(field: (h: FieldHeader) => boolean): void {
    this.enter();
    this.structBegin();
    for (let h = this.fieldBegin(); h.type !== TType.STOP; h = this.fieldBegin()) if (!field(h)) this.skip(h.type);
    this.structEnd();
    this.leave();
  }
}

const VERSION_1 = 0x80010000;

/** TBinaryProtocol: big-endian fixed-width integers, i32-length strings. */
export class BinaryReader extends ThriftReader {
  messageBegin(): MessageHeader {
    const first = this.i32();
    if (first < 0) {
      if ((first & 0xffff0000) !== (VERSION_1 | 0)) throw this.error(`bad binary protocol version ${first >>> 16}`, 0);
      const name = this.string();
      return { name, type: first & 0xff, seqid: this.i32() };
    }
    // the old non-strict form: the name's length first, then the type byte
    const at = this.need(first, 'message name');
    const name = this.buf.toString('utf8', at, at + first);
    const type = this.byte();
    return { name, type, seqid: this.i32() };
  }

  structBegin(): void {}
  structEnd(): void {}

  fieldBegin(): FieldHeader {
    const type = this.byte();
    if (type === TType.STOP) return { type, id: 0 };
    return { type, id: this.i16() };
  }

  listBegin(): ListHeader {
    const elemType = this.byte();
    return { elemType, size: this.checkedSize(this.i32(), elemType, false) };
  }

  mapBegin(): { keyType: number; valueType: number; size: number } {
    const keyType = this.byte();
    const valueType = this.byte();
    const size = this.i32();
    if (size < 0 || size * 2 > this.remaining) throw this.error(`map of ${size} entries does not fit`);
    return { keyType, valueType, size };
  }

  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }

  byte(): number {
    return this.view.getInt8(this.need(1, 'byte'));
  }

  i16(): number {
    return this.view.getInt16(this.need(2, 'i16'));
  }

  i32(): number {
    return this.view.getInt32(this.need(4, 'i32'));
  }

  i64(): bigint {
    return this.view.getBigInt64(this.need(8, 'i64'));
  }

  double(): number {
    return this.view.getFloat64(this.need(8, 'double'));
  }

  protected length(): number {
    const n = this.i32();
    if (n < 0) throw this.error(`negative length ${n}`, this.pos - 4);
    return n;
  }
}

/** Compact protocol's element types, by TType. */
const COMPACT_TO_TTYPE = [
  TType.STOP,
  TType.BOOL, // BOOLEAN_TRUE
  TType.BOOL, // BOOLEAN_FALSE
  TType.BYTE,
  TType.I16,
  TType.I32,
  TType.I64,
  TType.DOUBLE,
  TType.STRING,
  TType.LIST,
  TType.SET,
  TType.MAP,
  TType.STRUCT,
];

const COMPACT_PROTOCOL_ID = 0x82;

/** TCompactProtocol: zigzag varints, field ids as deltas, booleans folded into field headers. */
export class CompactReader extends ThriftReader {
  private lastField = 0;
  private readonly lastFields: number[] = [];
  /** the value of a bool field, carried in its header */
  private pendingBool: boolean | undefined;

  messageBegin(): MessageHeader {
    const id = this.buf[this.need(1, 'protocol id')];
    if (id !== COMPACT_PROTOCOL_ID) throw this.error(`not the compact protocol (first byte 0x${id.toString(16)})`, 0);
    const vt = this.buf[this.need(1, 'version')];
    if ((vt & 0x1f) !== 1) throw this.error(`compact protocol version ${vt & 0x1f}, expected 1`, 1);
    const seqid = this.varint32() | 0;
    return { name: this.string(), type: vt >> 5, seqid };
  }

  structBegin(): void {
    this.lastFields.push(this.lastField);
    this.lastField = 0;
  }

  structEnd(): void {
    this.lastField = this.lastFields.pop() ?? 0;
  }

  fieldBegin(): FieldHeader {
    const b = this.buf[this.need(1, 'field header')];
    if (b === 0) return { type: TType.STOP, id: 0 };
    const compactType = b & 0x0f;
    const delta = b >> 4;
    const id = delta !== 0 ? this.lastField + delta : this.zigzag32();
    this.lastField = id;
    const type = this.ttype(compactType);
    if (type === TType.BOOL) this.pendingBool = compactType === 1;
    return { type, id };
  }

  private ttype(compactType: number): number {
    const t = COMPACT_TO_TTYPE[compactType];
    if (t === undefined || (compactType === 0 && t === TType.STOP))
      throw this.error(`unknown compact type ${compactType}`, this.pos - 1);
    return t;
  }

  listBegin(): ListHeader {
    const b = this.buf[this.need(1, 'list header')];
    let size = b >> 4;
    if (size === 15) size = this.varint32();
    const elemType = this.ttype(b & 0x0f);
    return { elemType, size: this.checkedSize(size, elemType, true) };
  }

  mapBegin(): { keyType: number; valueType: number; size: number } {
    const size = this.varint32();
    if (size === 0) return { keyType: TType.STOP, valueType: TType.STOP, size: 0 };
    const kv = this.buf[this.need(1, 'map types')];
    if (size * 2 > this.remaining) throw this.error(`map of ${size} entries does not fit`);
    return { keyType: this.ttype(kv >> 4), valueType: this.ttype(kv & 0x0f), size };
  }

  bool(): boolean {
    const v = this.pendingBool;
    if (v !== undefined) {
      this.pendingBool = undefined;
      return v;
    }
    // an element of a list: one byte, BOOLEAN_TRUE (1) or BOOLEAN_FALSE (2, or 0 from older writers)
    return this.buf[this.need(1, 'bool')] === 1;
  }

  byte(): number {
    return this.view.getInt8(this.need(1, 'byte'));
  }

  i16(): number {
    return this.zigzag32();
  }

  i32(): number {
    return this.zigzag32();
  }

  i64(): bigint {
    const buf = this.buf;
    const start = this.pos;
    // values below 2^28 (most durations, flags, small ids) without bigint arithmetic
    let v = 0;
    for (let i = 0, shift = 0; i < 4 && start + i < buf.length; i++, shift += 7) {
      const b = buf[start + i];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = start + i + 1;
        return BigInt((v >>> 1) ^ -(v & 1));
      }
    }
    let u = 0n;
    let shift = 0n;
    let pos = start;
    for (;;) {
      if (pos >= buf.length) throw this.error('truncated varint', start);
      if (shift >= 70n) throw this.error('varint longer than 10 bytes', start);
      const b = buf[pos++];
      u |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
    }
    this.pos = pos;
    u = BigInt.asUintN(64, u);
    return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
  }

  double(): number {
    return this.view.getFloat64(this.need(8, 'double'), true);
  }

  protected length(): number {
    return this.varint32();
  }

  private zigzag32(): number {
    const v = this.varint32();
    return (v >>> 1) ^ -(v & 1);
  }

  private varint32(): number {
    const buf = this.buf;
    const start = this.pos;
    let v = 0;
    for (let i = 0, shift = 0; ; i++, shift += 7) {
      if (start + i >= buf.length) throw this.error('truncated varint', start);
      if (i === 5) throw this.error('varint longer than 5 bytes', start);
      const b = buf[start + i];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = start + i + 1;
        return v >>> 0;
      }
    }
  }
}
