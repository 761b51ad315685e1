// The values OTTL computes with, and their conversion from and to pdata's AnyValue. otelcol's
// OTTL works on Go values (string, int64, float64, bool, []byte, pcommon.Map, pcommon.Slice,
// time.Time, time.Duration, nil); here: string, bigint, number, boolean, Uint8Array, OMap (a
// view of a KeyValue list), an array, OTime, ODuration and null. Ints are bigint so that
// 64-bit values (timestamps, counters) stay exact, as pdata keeps them.
import type { AnyValue, KeyValue } from '@flowtel/pdata';

/** A pcommon.Map: the KeyValue list of attributes, a kvlist body, the cache, a map literal. */
export class OMap {
  constructor(readonly kvs: KeyValue[]) {}
}

/** time.Time as nanoseconds since the Unix epoch */
export class OTime {
  constructor(readonly nanos: bigint) {}
}

/** time.Duration in nanoseconds */
export class ODuration {
  constructor(readonly nanos: bigint) {}
}

export type Value = null | string | bigint | number | boolean | Uint8Array | OMap | Value[] | OTime | ODuration;

/** A failure while a statement runs; the processors' error_mode decides what it costs. */
export class OttlRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OttlRuntimeError';
  }
}

/** Go's names for the types, which otelcol's error messages use. */
export function typeName(v: Value): string {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof Uint8Array) return '[]byte';
  if (v instanceof OMap) return 'pcommon.Map';
  if (Array.isArray(v)) return 'pcommon.Slice';
  if (v instanceof OTime) return 'time.Time';
  return 'time.Duration';
}

export function fromAny(av: AnyValue | undefined): Value {
  if (av === undefined) return null;
  if ('stringValue' in av) return av.stringValue;
  if ('intValue' in av) return av.intValue;
  if ('boolValue' in av) return av.boolValue;
  if ('doubleValue' in av) return av.doubleValue;
  if ('kvlistValue' in av) return new OMap(av.kvlistValue.values);
  if ('arrayValue' in av) return av.arrayValue.values.map(fromAny);
  if ('bytesValue' in av) return av.bytesValue;
  return null;
}

/** The AnyValue to store; null stays null (nothing to store). Maps and lists are copied. */
export function toAny(v: Value): AnyValue | null {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'bigint':
      return { intValue: v };
    case 'number':
      return { doubleValue: v };
    case 'boolean':
      return { boolValue: v };
  }
  if (v instanceof Uint8Array) return { bytesValue: v };
  // KeyValues are never changed in place (pdata shares some), so a shallow copy is a copy
  if (v instanceof OMap) return { kvlistValue: { values: v.kvs.slice() } };
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => toAny(x) ?? {}) } };
  throw new OttlRuntimeError(`unsupported value type ${typeName(v)} for a pdata value`);
}

// ---- maps: never changed in place; every change returns a new list ----

export function mapGet(kvs: readonly KeyValue[], key: string): AnyValue | undefined {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i].value;
  return undefined;
}

export function mapSet(kvs: readonly KeyValue[], key: string, value: AnyValue): KeyValue[] {
  const out = kvs.slice();
  for (let i = 0; i < out.length; i++) {
    if (out[i].key === key) {
      out[i] = { key, value };
      return out;
    }
  }
  out.push({ key, value });
  return out;
}

export function mapDelete(kvs: readonly KeyValue[], key: string): KeyValue[] | undefined {
  const i = kvs.findIndex((kv) => kv.key === key);
  if (i < 0) return undefined;
  return kvs.slice(0, i).concat(kvs.slice(i + 1));
}

// ---- Go's formatting and parsing, where OTTL's conversions follow it ----

/** strconv.FormatFloat(f, 'f', -1, 64): the shortest digits that round-trip, never an exponent */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const s = String(f);
  if (!s.includes('e')) return s;
  const [mant, expText] = s.split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const point = (mant.replace('-', '').indexOf('.') + 1 || mant.replace('-', '').length + 1) - 1 + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return neg ? '-' + out : out;
}

/** pcommon.Value.AsString: what a value reads as where a string is wanted. */
export function asString(v: Value): string | null {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      return formatFloat(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof OMap || Array.isArray(v)) return JSON.stringify(toJson(v));
  if (v instanceof OTime) return new Date(Number(v.nanos / 1_000_000n)).toISOString();
  return `${v.nanos}ns`;
}

/** encoding/json's view of a value: maps with sorted keys, bytes as base64 */
export function toJson(v: Value): unknown {
  if (v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof OMap) {
    const o: Record<string, unknown> = {};
    for (const kv of [...v.kvs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
      o[kv.key] = toJson(fromAny(kv.value));
    return o;
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof OTime || v instanceof ODuration) return asString(v);
  return v;
}

/** A parsed JSON value as an OTTL value: numbers are float64, as encoding/json gives them. */
export function fromJson(j: unknown): Value {
  if (j === null || j === undefined) return null;
  if (typeof j === 'string' || typeof j === 'boolean' || typeof j === 'number') return j;
  if (Array.isArray(j)) return j.map(fromJson);
  return new OMap(
    Object.entries(j as Record<string, unknown>).map(([key, x]) => ({ key, value: toAny(fromJson(x)) ?? {} })),
  );
}

export function parseGoInt(s: string): bigint | null {
  const t = s.trim() === s ? s : null;
  if (t === null || !/^[+-]?\d+$/.test(t)) return null;
  const v = BigInt(t);
  return v > 0x7fffffffffffffffn || v < -0x8000000000000000n ? null : v;
}

export function parseGoFloat(s: string): number | null {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

export function parseGoBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/** int64 wrap-around, as Go's arithmetic does */
export const int64 = (v: bigint): bigint => BigInt.asIntN(64, v);

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deep equality of two values, as pcommon's Equal */
export function valueEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object') return a === b;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesEqual(a, b);
  if (a instanceof OMap) {
    if (!(b instanceof OMap) || a.kvs.length !== b.kvs.length) return false;
    return a.kvs.every((kv) => {
      const other = mapGet(b.kvs, kv.key);
      return other !== undefined && valueEqual(fromAny(kv.value), fromAny(other));
    });
  }
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => valueEqual(x, b[i]));
  if (a instanceof OTime) return b instanceof OTime && a.nanos === b.nanos;
  return b instanceof ODuration && a.nanos === (b as ODuration).nanos;
}
