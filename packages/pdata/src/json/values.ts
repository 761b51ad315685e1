// OTLP/JSON scalar rules on input: the protobuf JSON mapping with OTLP's exceptions
// (trace and span ids as hex, enums as integers). On input we also take what senders produce
// in practice: snake_case keys, numbers for 64-bit integers, enum names, null for "unset".
import { DecodeError } from '../decode-error.ts';

export type JsonObject = Record<string, unknown>;

const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
const snakeNames = new Map<string, string>();

function snakeName(camel: string): string {
  let snake = snakeNames.get(camel);
  if (snake === undefined) {
    snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(camel, snake);
  }
  return snake;
}

/** A field by its lowerCamelCase JSON name or its snake_case proto name; null counts as unset. */
export function field(o: JsonObject, camel: string): unknown {
  const v = o[camel];
  if (v !== undefined && v !== null) return v;
  const snake = o[snakeName(camel)];
  return snake === null ? undefined : snake;
}

function fail(path: string, what: string, value: unknown): never {
  const big = bigIntegerText(value);
  const shown =
    big !== undefined
      ? `the number ${big}`
      : typeof value === 'string'
        ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
        : typeof value;
  throw new DecodeError(`${path}: expected ${what}, got ${shown}`);
}

export function asObject(value: unknown, path: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'an object', value);
  return value as JsonObject;
}

export function asArray(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(path, 'an array', value);
  return value;
}

/** Each element of an array field, decoded with its index in the path. */
export function arrayField<T>(o: JsonObject, key: string, path: string, decode: (v: unknown, path: string) => T): T[] {
  const values = asArray(field(o, key), `${path}.${key}`);
  const out: T[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = decode(values[i], `${path}.${key}[${i}]`);
  return out;
}

export function stringField(o: JsonObject, key: string, path: string): string {
  const v = field(o, key);
  if (v === undefined) return '';
  if (typeof v !== 'string') fail(`${path}.${key}`, 'a string', v);
  return v;
}

export function boolField(o: JsonObject, key: string, path: string): boolean {
  const v = field(o, key);
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  fail(`${path}.${key}`, 'a boolean', v);
}

export const INTEGER = /^-?\d+$/;

// JSON.parse reads every number as a double, so an integer above 2^53 given as a JSON number
// (not as the decimal string protobuf's JSON mapping asks for) would come out rounded. Before
// parsing, such literals are wrapped as {BIG_INTEGER: "digits"}: the int64 readers take the
// digits exactly, the double readers as Number would, and a string field still refuses it.
const BIG_INTEGER = '\u0000integer';
const BIG_INTEGER_KEY = JSON.stringify(BIG_INTEGER);
// a number token of 16 or more digits (2^53 has 16) where a value starts; a match inside a
// string only costs the exact scan below
const MAYBE_BIG_INTEGER = /[:,[]\s*-?\d{16}/;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

function bigIntegerText(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null && BIG_INTEGER in v
    ? (v as Record<string, string>)[BIG_INTEGER]
    : undefined;
}

/** The text with every integer literal of 16+ digits outside strings wrapped (see BIG_INTEGER). */
function wrapBigIntegers(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92 /* \ */) i++;
      i++;
    } else if (c === 45 /* - */ || (c >= DIGIT_0 && c <= DIGIT_9)) {
      const start = i;
      i++;
      while (i < text.length && text.charCodeAt(i) >= DIGIT_0 && text.charCodeAt(i) <= DIGIT_9) i++;
      const next = text.charCodeAt(i);
      const fraction = next === 46 /* . */ || next === 101 /* e */ || next === 69; /* E */
      if (!fraction && i - start - (c === 45 ? 1 : 0) >= 16) {
        parts.push(text.slice(copied, start), `{${BIG_INTEGER_KEY}:"${text.slice(start, i)}"}`);
        copied = i;
      }
      while (i < text.length && /[\d.eE+-]/.test(text[i])) i++;
    } else i++;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

/** uint32 and int32 fields: a JSON number or a decimal string. */
export function intField(o: JsonObject, key: string, path: string, min: number, max: number): number {
  const v = field(o, key);
  if (v === undefined) return 0;
  const text = typeof v === 'string' ? v : bigIntegerText(v);
  const n = text !== undefined && INTEGER.test(text) ? Number(text) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    fail(`${path}.${key}`, `an integer in [${min}, ${max}]`, v);
  return n;
}

export function uint32Field(o: JsonObject, key: string, path: string): number {
  return intField(o, key, path, 0, 0xffffffff);
}

/** An enum: its integer, or its name as in the .proto (e.g. SPAN_KIND_SERVER). */
export function enumField(o: JsonObject, key: string, path: string, names: readonly string[]): number {
  const v = field(o, key);
  if (typeof v === 'string' && !INTEGER.test(v)) {
    const i = names.indexOf(v);
    if (i < 0) fail(`${path}.${key}`, `one of ${names.join(', ')}`, v);
    return i;
  }
  return intField(o, key, path, -0x80000000, 0x7fffffff);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** int64 / uint64 / fixed64: a decimal string or a JSON number, both exact (see BIG_INTEGER). */
export function toBigInt(v: unknown, path: string, signed: boolean): bigint {
  let n: bigint | undefined;
  const text = typeof v === 'string' ? v : bigIntegerText(v);
  if (text !== undefined && INTEGER.test(text)) n = BigInt(text);
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  if (n === undefined || n < (signed ? INT64_MIN : 0n) || n > (signed ? INT64_MAX : UINT64_MAX))
    fail(path, signed ? 'an int64' : 'a uint64', v);
  return n;
}

export function int64Field(o: JsonObject, key: string, path: string, signed = false): bigint {
  const v = field(o, key);
  return v === undefined ? 0n : toBigInt(v, `${path}.${key}`, signed);
}

const SPECIAL_DOUBLES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function toDouble(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  const big = bigIntegerText(v);
  if (big !== undefined) return Number(big);
  if (typeof v === 'string') {
    // own keys only: "constructor" or "toString" is not a number
    const special = Object.hasOwn(SPECIAL_DOUBLES, v) ? SPECIAL_DOUBLES[v] : undefined;
    if (special !== undefined) return special;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  fail(path, 'a number', v);
}

export function doubleField(o: JsonObject, key: string, path: string): number {
  const v = field(o, key);
  return v === undefined ? 0 : toDouble(v, `${path}.${key}`);
}

export function optionalDoubleField(o: JsonObject, key: string, path: string): number | undefined {
  const v = field(o, key);
  return v === undefined ? undefined : toDouble(v, `${path}.${key}`);
}

export const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** bytes: base64, standard or URL-safe alphabet, padded or not. */
export function bytesField(o: JsonObject, key: string, path: string): Uint8Array {
  const v = field(o, key);
  if (v === undefined || v === '') return EMPTY_BYTES;
  if (typeof v !== 'string' || !BASE64.test(v)) fail(`${path}.${key}`, 'base64', v);
  return new Uint8Array(Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64'));
}

/**
 * trace and span ids: hex, of exactly `size` bytes (or empty for "no id"), as a view that may
 * share Buffer's pool: for bytes copied at once.
 */
export function idBytes(o: JsonObject, key: string, path: string, size: number): Uint8Array {
  const v = field(o, key);
  if (v === undefined || v === '') return EMPTY_BYTES;
  // Buffer's hex decoding stops at the first pair that is not hex: a short result is the check
  const bytes = typeof v === 'string' && v.length === size * 2 ? Buffer.from(v, 'hex') : undefined;
  if (bytes === undefined || bytes.length !== size) fail(`${path}.${key}`, `${size * 2} hex digits`, v);
  return bytes;
}

/** idBytes in memory of its own, for a model that keeps it. */
export function idField(o: JsonObject, key: string, path: string, size: number): Uint8Array {
  const bytes = idBytes(o, key, path, size);
  return bytes.length === 0 ? bytes : new Uint8Array(bytes);
}

/** Parse JSON text, or take an already parsed object; the top level must be an object. */
export function parseJson(input: string | object, what: string): JsonObject {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(MAYBE_BIG_INTEGER.test(input) ? wrapBigIntegers(input) : input);
    } catch (e) {
      throw new DecodeError(`${what}: invalid JSON: ${(e as Error).message}`);
    }
  }
  return asObject(value, what);
}
