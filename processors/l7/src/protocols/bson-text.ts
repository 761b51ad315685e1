// BSON documents rendered as text the way DeepFlow shows MongoDB commands (the Display format
// of Rust's bson crate): { "find": "users", "filter": { "age": 42 }, "lsid": { "id": Binary(0x4, ...) } }.

import { type ByteReader } from './byte-reader.ts';

const MAX_DEPTH = 32;
const MAX_TEXT = 16 * 1024;

export interface BsonTextOptions {
  /**
   * Render every value as `?` but the first field's and `$db`'s at the top (the command and
   * its collection, the database): field names and the document's shape stay, as with SQL.
   */
  maskValues: boolean;
}

function cString(r: ByteReader): string {
  const start = r.pos;
  while (r.b[r.pos] !== 0) r.skip(1);
  const s = new TextDecoder().decode(r.b.subarray(start, r.pos));
  r.skip(1);
  return s;
}

function i64(r: ByteReader): bigint {
  const lo = BigInt(r.u8() | (r.u8() << 8) | (r.u8() << 16)) | (BigInt(r.u8()) << 24n);
  const hi = BigInt(r.u8() | (r.u8() << 8) | (r.u8() << 16)) | (BigInt(r.u8()) << 24n);
  return BigInt.asIntN(64, (hi << 32n) | lo);
}

function u32le(r: ByteReader): number {
  return (r.u8() | (r.u8() << 8) | (r.u8() << 16)) + r.u8() * 0x1000000;
}

function i32le(r: ByteReader): number {
  return u32le(r) | 0;
}

function f64(r: ByteReader): number {
  const bytes = r.bytes(8);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}

function dateTime(ms: bigint): string {
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return `DateTime(${ms})`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const fraction = String(d.getUTCMilliseconds()).padStart(3, '0').replace(/0+$/, '') || '0';
  return `DateTime("${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${d.getUTCHours()}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${fraction} +00:00:00")`;
}

function value(r: ByteReader, type: number, depth: number, options: BsonTextOptions): string {
  switch (type) {
    case 0x01:
      return String(f64(r));
    case 0x02:
    case 0x0d:
    case 0x0e: {
      const length = i32le(r);
      const s = r.utf8(Math.max(0, length - 1));
      r.skip(1);
      return `"${s}"`;
    }
    case 0x03:
      return documentText(r, depth + 1, false, options);
    case 0x04:
      return documentText(r, depth + 1, true, options);
    case 0x05: {
      const length = i32le(r);
      const subtype = r.u8();
      const data = r.bytes(length);
      return `Binary(0x${subtype.toString(16)}, ${Buffer.from(data).toString('base64')})`;
    }
    case 0x06:
      return 'undefined';
    case 0x07:
      return `ObjectId("${Buffer.from(r.bytes(12)).toString('hex')}")`;
    case 0x08:
      return r.u8() ? 'true' : 'false';
    case 0x09:
      return dateTime(i64(r));
    case 0x0a:
      return 'null';
    case 0x0b:
      return `/${cString(r)}/${cString(r)}`;
    case 0x10:
      return String(i32le(r));
    case 0x11: {
      const increment = u32le(r);
      const time = u32le(r);
      return `Timestamp(${time}, ${increment})`;
    }
    case 0x12:
      return String(i64(r));
    case 0x13:
      return `Decimal128(${Buffer.from(r.bytes(16)).toString('hex')})`;
    case 0xff:
      return 'MinKey';
    case 0x7f:
      return 'MaxKey';
    default:
      throw new Error(`unsupported BSON type ${type}`);
  }
}

/** Renders the document at the reader's position and moves past it. */
export function documentText(
  r: ByteReader,
  depth = 0,
  asArray = false,
  options: BsonTextOptions = { maskValues: false },
): string {
  if (depth > MAX_DEPTH) throw new Error('BSON nesting too deep');
  const start = r.pos;
  const length = i32le(r);
  if (length < 5 || start + length > r.end) throw new Error(`BSON document length ${length}`);
  const end = start + length - 1;
  const parts: string[] = [];
  let size = 0;
  for (let index = 0; r.pos < end; index++) {
    const type = r.u8();
    const name = cString(r);
    let v = value(r, type, depth, options);
    const kept = type === 0x03 || type === 0x04 || (depth === 0 && (index === 0 || name === '$db'));
    if (options.maskValues && !kept) v = '?';
    if (size < MAX_TEXT) parts.push(asArray ? v : `"${name}": ${v}`);
    size += v.length + name.length;
  }
  r.pos = start + length;
  if (parts.length === 0) return asArray ? '[]' : '{}';
  return asArray ? `[${parts.join(', ')}]` : `{ ${parts.join(', ')} }`;
}

/** The top-level fields of a document as raw values for reading (first key, strings, numbers). */
export function topLevelFields(r: ByteReader): Array<[string, string | number | boolean | undefined]> {
  const start = r.pos;
  const length = i32le(r);
  const end = start + length - 1;
  const fields: Array<[string, string | number | boolean | undefined]> = [];
  try {
    while (r.pos < end) {
      const type = r.u8();
      const name = cString(r);
      if (type === 0x02) {
        const n = i32le(r);
        fields.push([name, r.utf8(Math.max(0, n - 1))]);
        r.skip(1);
      } else if (type === 0x01) fields.push([name, f64(r)]);
      else if (type === 0x10) fields.push([name, i32le(r)]);
      else if (type === 0x12) fields.push([name, Number(i64(r))]);
      else if (type === 0x08) fields.push([name, r.u8() !== 0]);
      else {
        value(r, type, 0, { maskValues: true });
        fields.push([name, undefined]);
      }
    }
  } catch (err) {
    // a document the capture cut: the fields before the cut
    if (fields.length === 0) throw err;
  }
  r.pos = start + length;
  return fields;
}
