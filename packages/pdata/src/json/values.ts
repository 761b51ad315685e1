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
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value;
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

const INTEGER = /^-?\d+$/;

/** uint32 and int32 fields: a JSON number or a decimal string. */
export function intField(o: JsonObject, key: string, path: string, min: number, max: number): number {
  const v = field(o, key);
  if (v === undefined) return 0;
  const n = typeof v === 'string' && INTEGER.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(`${path}.${key}`, `an integer in [${min}, ${max}]`, v);
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

/** int64 / uint64 / fixed64: a decimal string (exact) or a JSON number (exact below 2^53). */
export function toBigInt(v: unknown, path: string, signed: boolean): bigint {
  let n: bigint | undefined;
  if (typeof v === 'string' && INTEGER.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  const lo = signed ? -(2n ** 63n) : 0n;
  const hi = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  if (n === undefined || n < lo || n > hi) fail(path, signed ? 'an int64' : 'a uint64', v);
  return n;
}

export function int64Field(o: JsonObject, key: string, path: string, signed = false): bigint {
  const v = field(o, key);
  return v === undefined ? 0n : toBigInt(v, `${path}.${key}`, signed);
}

const SPECIAL_DOUBLES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function toDouble(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const special = SPECIAL_DOUBLES[v];
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

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** bytes: base64, standard or URL-safe alphabet, padded or not. */
export function bytesField(o: JsonObject, key: string, path: string): Uint8Array {
  const v = field(o, key);
  if (v === undefined || v === '') return EMPTY_BYTES;
  if (typeof v !== 'string' || !BASE64.test(v)) fail(`${path}.${key}`, 'base64', v);
  return new Uint8Array(Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64'));
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** trace and span ids: hex, of exactly `size` bytes (or empty for "no id"). */
export function idField(o: JsonObject, key: string, path: string, size: number): Uint8Array {
  const v = field(o, key);
  if (v === undefined || v === '') return EMPTY_BYTES;
  if (typeof v !== 'string' || v.length !== size * 2 || !HEX.test(v)) fail(`${path}.${key}`, `${size * 2} hex digits`, v);
  return new Uint8Array(Buffer.from(v, 'hex'));
}

/** Parse JSON text, or take an already parsed object; the top level must be an object. */
export function parseJson(input: string | object, what: string): JsonObject {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new DecodeError(`${what}: invalid JSON: ${(e as Error).message}`);
    }
  }
  return asObject(value, what);
}
