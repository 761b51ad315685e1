// A MessagePack decoder for the Forward protocol, mapping types as Go's msgp does for contrib's
// receiver: integers are int64 (bigint; a uint64 beyond int64 is its decimal text), floats are
// doubles, str is text, bin is bytes, ext is kept as its type and data. Values are decoded from
// a buffer that may end mid-value: `NeedMore` says so, and the caller waits for more bytes.

export class MsgpackExt {
  readonly type: number;
  readonly data: Uint8Array;
  constructor(type: number, data: Uint8Array) {
    this.type = type;
    this.data = data;
  }
}

export type MsgpackValue =
  | bigint
  | number
  | string
  | boolean
  | null
  | Uint8Array
  | MsgpackExt
  | MsgpackValue[]
  | { [key: string]: MsgpackValue };

/** The buffer ends inside a value. */
export class NeedMore extends Error {}
export class MsgpackError extends Error {}

const MAX_INT64 = (1n << 63n) - 1n;
/** nesting deeper than this is refused, so a hostile message cannot exhaust the stack */
const MAX_DEPTH = 64;

/** Decodes the value at `pos`; the value and where the next one starts. */
export function decode(buf: Buffer, pos: number, depth = 0): [MsgpackValue, number] {
  if (depth > MAX_DEPTH) throw new MsgpackError(`nesting deeper than ${MAX_DEPTH}`);
  const need = (n: number) => {
    if (pos + n > buf.length) throw new NeedMore();
  };
  need(1);
  const b = buf[pos++];
  if (b <= 0x7f) return [BigInt(b), pos];
  if (b >= 0xe0) return [BigInt(b - 0x100), pos];
  if (b >= 0x80 && b <= 0x8f) return map(buf, pos, b & 0x0f, depth);
  if (b >= 0x90 && b <= 0x9f) return array(buf, pos, b & 0x0f, depth);
  if (b >= 0xa0 && b <= 0xbf) return str(buf, pos, b & 0x1f);
  switch (b) {
    case 0xc0:
      return [null, pos];
    case 0xc2:
      return [false, pos];
    case 0xc3:
      return [true, pos];
    case 0xc4:
    case 0xc5:
    case 0xc6: {
      const w = 1 << (b - 0xc4);
      need(w);
      const n = uint(buf, pos, w);
      pos += w;
      need(n);
      return [Uint8Array.prototype.slice.call(buf, pos, pos + n), pos + n];
    }
    case 0xc7:
    case 0xc8:
    case 0xc9: {
      const w = 1 << (b - 0xc7);
      need(w + 1);
      const n = uint(buf, pos, w);
      pos += w;
      const type = buf.readInt8(pos++);
      need(n);
      return [new MsgpackExt(type, Uint8Array.prototype.slice.call(buf, pos, pos + n)), pos + n];
    }
    case 0xca:
      need(4);
      return [buf.readFloatBE(pos), pos + 4];
    case 0xcb:
      need(8);
      return [buf.readDoubleBE(pos), pos + 8];
    case 0xcc:
      need(1);
      return [BigInt(buf[pos]), pos + 1];
    case 0xcd:
      need(2);
      return [BigInt(buf.readUInt16BE(pos)), pos + 2];
    case 0xce:
      need(4);
      return [BigInt(buf.readUInt32BE(pos)), pos + 4];
    case 0xcf: {
      need(8);
      const v = buf.readBigUInt64BE(pos);
      return [v > MAX_INT64 ? v.toString() : v, pos + 8];
    }
    case 0xd0:
      need(1);
      return [BigInt(buf.readInt8(pos)), pos + 1];
    case 0xd1:
      need(2);
      return [BigInt(buf.readInt16BE(pos)), pos + 2];
    case 0xd2:
      need(4);
      return [BigInt(buf.readInt32BE(pos)), pos + 4];
    case 0xd3:
      need(8);
      return [buf.readBigInt64BE(pos), pos + 8];
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: {
      const n = 1 << (b - 0xd4);
      need(1 + n);
      const type = buf.readInt8(pos);
      return [new MsgpackExt(type, Uint8Array.prototype.slice.call(buf, pos + 1, pos + 1 + n)), pos + 1 + n];
    }
    case 0xd9:
    case 0xda:
    case 0xdb: {
      const w = 1 << (b - 0xd9);
      need(w);
      return str(buf, pos + w, uint(buf, pos, w));
    }
    case 0xdc:
    case 0xdd: {
      const w = b === 0xdc ? 2 : 4;
      need(w);
      return array(buf, pos + w, uint(buf, pos, w), depth);
    }
    case 0xde:
    case 0xdf: {
      const w = b === 0xde ? 2 : 4;
      need(w);
      return map(buf, pos + w, uint(buf, pos, w), depth);
    }
    default:
      throw new MsgpackError(`0x${b.toString(16)} is not a MessagePack type`);
  }
}

function uint(buf: Buffer, pos: number, width: number): number {
  return width === 1 ? buf[pos] : width === 2 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
}

function str(buf: Buffer, pos: number, n: number): [string, number] {
  if (pos + n > buf.length) throw new NeedMore();
  return [buf.toString('utf8', pos, pos + n), pos + n];
}

function array(buf: Buffer, pos: number, n: number, depth: number): [MsgpackValue[], number] {
  // every element takes at least a byte: a count beyond the bytes left waits for them
  if (pos + n > buf.length) throw new NeedMore();
  const out: MsgpackValue[] = new Array(n);
  for (let i = 0; i < n; i++) [out[i], pos] = decode(buf, pos, depth + 1);
  return [out, pos];
}

function map(buf: Buffer, pos: number, n: number, depth: number): [{ [key: string]: MsgpackValue }, number] {
  if (pos + 2 * n > buf.length) throw new NeedMore();
  const out: { [key: string]: MsgpackValue } = {};
  for (let i = 0; i < n; i++) {
    let key: MsgpackValue;
    [key, pos] = decode(buf, pos, depth + 1);
    // msgp reads a key as str, or as bin when it is not one (some senders do that)
    const k = typeof key === 'string' ? key : key instanceof Uint8Array ? Buffer.from(key).toString() : String(key);
    [out[k], pos] = decode(buf, pos, depth + 1);
  }
  return [out, pos];
}

/** `{ ack: chunk }`, the Forward protocol's acknowledgement. */
export function encodeAck(chunk: string): Buffer {
  const s = Buffer.from(chunk);
  const head =
    s.length < 32
      ? Buffer.from([0xa0 | s.length])
      : s.length < 256
        ? Buffer.from([0xd9, s.length])
        : s.length < 65536
          ? Buffer.from([0xda, s.length >> 8, s.length & 0xff])
          : Buffer.from([0xdb, s.length >>> 24, (s.length >> 16) & 0xff, (s.length >> 8) & 0xff, s.length & 0xff]);
  return Buffer.concat([Buffer.from([0x81, 0xa3, 0x61, 0x63, 0x6b]), head, s]);
}
