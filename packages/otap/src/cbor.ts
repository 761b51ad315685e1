// The `ser` column: an AnyValue map or array as CBOR (RFC 8949), the way otel-arrow's Go
// reference writes it (indefinite-length maps and arrays, float64 doubles, null for empty) and
// reading any well-formed CBOR of those major types (definite or indefinite lengths, half and
// single floats, unsigned and negative integers).
import type { AnyValue, KeyValue } from '@flowtel/pdata';

const MAX_DEPTH = 64;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

class Out {
  bytes = new Uint8Array(64);
  len = 0;
  private view = new DataView(this.bytes.buffer);

  reserve(n: number): void {
    if (this.len + n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.len));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.len++] = b;
  }

  head(major: number, n: bigint | number): void {
    const v = BigInt(n);
    const m = major << 5;
    this.reserve(9);
    if (v < 24n) this.bytes[this.len++] = m | Number(v);
    else if (v < 0x100n) {
      this.bytes[this.len++] = m | 24;
      this.bytes[this.len++] = Number(v);
    } else if (v < 0x10000n) {
      this.bytes[this.len++] = m | 25;
      this.view.setUint16(this.len, Number(v));
      this.len += 2;
    } else if (v < 0x100000000n) {
      this.bytes[this.len++] = m | 26;
      this.view.setUint32(this.len, Number(v));
      this.len += 4;
    } else {
      this.bytes[this.len++] = m | 27;
      this.view.setBigUint64(this.len, v);
      this.len += 8;
    }
  }

  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.bytes.set(b, this.len);
    this.len += b.length;
  }

  double(d: number): void {
    this.reserve(9);
    this.bytes[this.len++] = 0xfb;
    this.view.setFloat64(this.len, d);
    this.len += 8;
  }
}

function put(out: Out, v: AnyValue): void {
  if ('stringValue' in v) {
    const b = encoder.encode(v.stringValue);
    out.head(3, b.length);
    out.raw(b);
  } else if ('intValue' in v) {
    if (v.intValue >= 0n) out.head(0, v.intValue);
    else out.head(1, -1n - v.intValue);
  } else if ('doubleValue' in v) out.double(v.doubleValue);
  else if ('boolValue' in v) out.byte(v.boolValue ? 0xf5 : 0xf4);
  else if ('bytesValue' in v) {
    out.head(2, v.bytesValue.length);
    out.raw(v.bytesValue);
  } else if ('kvlistValue' in v) {
    out.byte(0xbf);
    for (const kv of v.kvlistValue.values) {
      const k = encoder.encode(kv.key);
      out.head(3, k.length);
      out.raw(k);
      put(out, kv.value);
    }
    out.byte(0xff);
  } else if ('arrayValue' in v) {
    out.byte(0x9f);
    for (const e of v.arrayValue.values) put(out, e);
    out.byte(0xff);
  } else out.byte(0xf6);
}

export function encodeCbor(v: AnyValue): Uint8Array {
  const out = new Out();
  put(out, v);
  return out.bytes.slice(0, out.len);
}

const BREAK = Symbol('break');

class In {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error('truncated CBOR value');
  }

  /** the argument of a head whose additional information is `info` (null: indefinite) */
  arg(info: number): bigint | null {
    if (info < 24) return BigInt(info);
    const sizes: Record<number, number> = { 24: 1, 25: 2, 26: 4, 27: 8 };
    const n = sizes[info];
    if (info === 31) return null;
    if (n === undefined) throw new Error(`malformed CBOR head (additional information ${info})`);
    this.need(n);
    const at = this.pos;
    this.pos += n;
    if (n === 1) return BigInt(this.bytes[at]);
    if (n === 2) return BigInt(this.view.getUint16(at));
    if (n === 4) return BigInt(this.view.getUint32(at));
    return this.view.getBigUint64(at);
  }

  length(info: number): number | null {
    const n = this.arg(info);
    if (n === null) return null;
    if (n > BigInt(this.bytes.length - this.pos) * 8n + 8n) throw new Error('CBOR length exceeds the value');
    return Number(n);
  }

  chunked(major: number, info: number): Uint8Array {
    const n = this.length(info);
    if (n !== null) {
      this.need(n);
      const b = this.bytes.subarray(this.pos, this.pos + n);
      this.pos += n;
      return b;
    }
    const parts: Uint8Array[] = [];
    for (;;) {
      this.need(1);
      const h = this.bytes[this.pos++];
      if (h === 0xff) break;
      if (h >> 5 !== major) throw new Error('malformed indefinite-length CBOR string');
      parts.push(this.chunked(major, h & 31));
    }
    return Buffer.concat(parts);
  }

  value(depth: number): AnyValue | typeof BREAK {
    if (depth > MAX_DEPTH) throw new Error('CBOR value nested too deep');
    this.need(1);
    const h = this.bytes[this.pos++];
    const major = h >> 5;
    const info = h & 31;
    switch (major) {
      case 0: {
        const n = this.arg(info)!;
        if (n > 0x7fffffffffffffffn) throw new Error('CBOR integer overflows int64');
        return { intValue: n };
      }
      case 1: {
        const n = this.arg(info)!;
        if (n > 0x7fffffffffffffffn) throw new Error('CBOR integer overflows int64');
        return { intValue: -1n - n };
      }
      case 2:
        return { bytesValue: this.chunked(2, info).slice() };
      case 3:
        return { stringValue: decoder.decode(this.chunked(3, info)) };
      case 4: {
        const n = this.length(info);
        const values: AnyValue[] = [];
        for (let i = 0; n === null || i < n; i++) {
          const v = this.value(depth + 1);
          if (v === BREAK) {
            if (n === null) break;
            throw new Error('unexpected CBOR break');
          }
          values.push(v);
        }
        return { arrayValue: { values } };
      }
      case 5: {
        const n = this.length(info);
        const values: KeyValue[] = [];
        for (let i = 0; n === null || i < n; i++) {
          const k = this.value(depth + 1);
          if (k === BREAK) {
            if (n === null) break;
            throw new Error('unexpected CBOR break');
          }
          if (!('stringValue' in k)) throw new Error('CBOR map key is not a string');
          const v = this.value(depth + 1);
          if (v === BREAK) throw new Error('unexpected CBOR break');
          values.push({ key: k.stringValue, value: v });
        }
        return { kvlistValue: { values } };
      }
      case 7: {
        if (info === 20) return { boolValue: false };
        if (info === 21) return { boolValue: true };
        if (info === 22 || info === 23) return {};
        if (info === 31) return BREAK;
        if (info === 25) {
          this.need(2);
          const v = halfToNumber(this.view.getUint16(this.pos));
          this.pos += 2;
          return { doubleValue: v };
        }
        if (info === 26) {
          this.need(4);
          const v = this.view.getFloat32(this.pos);
          this.pos += 4;
          return { doubleValue: v };
        }
        if (info === 27) {
          this.need(8);
          const v = this.view.getFloat64(this.pos);
          this.pos += 8;
          return { doubleValue: v };
        }
        throw new Error(`unsupported CBOR simple value ${info}`);
      }
      default:
        throw new Error(`unsupported CBOR major type ${major} (tags are not AnyValues)`);
    }
  }
}

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

/** One CBOR data item as an AnyValue; throws on malformed input or trailing bytes. */
export function decodeCbor(bytes: Uint8Array): AnyValue {
  const input = new In(bytes);
  const v = input.value(0);
  if (v === BREAK) throw new Error('unexpected CBOR break');
  if (input.pos !== bytes.length) throw new Error('trailing bytes after the CBOR value');
  return v;
}
