// AnyValue as text, the way pdata's Value.AsString() renders it: the contrib exporter stores
// attribute maps and log bodies as these strings, and queries written for it compare them.
import type { AnyValue, KeyValue } from '@flowtel/pdata';
import type { ByteWriter } from './bytes.ts';

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (!s.includes('e')) return s;
  const [mantissa, expText] = s.split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = mantissa.replace('-', '').indexOf('.');
  const intLen = (point === -1 ? digits.length : point) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return negative ? `-${out}` : out;
}

function toRaw(v: AnyValue): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return v.doubleValue;
  if ('bytesValue' in v) return Buffer.from(v.bytesValue).toString('base64');
  if ('arrayValue' in v) return v.arrayValue.values.map(toRaw);
  if ('kvlistValue' in v) return Object.fromEntries(v.kvlistValue.values.map((kv) => [kv.key, toRaw(kv.value)]));
  return null;
}

/** JSON with 64-bit integers as exact numbers, as Go's encoding/json writes them. */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `\u0000${x}\u0000` : x)).replace(
    /"\\u0000(-?\d+)\\u0000"/g,
    '$1',
  );
}

export function anyValueString(v: AnyValue): string {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue.toString();
  if ('boolValue' in v) return v.boolValue ? 'true' : 'false';
  if ('doubleValue' in v) return formatDouble(v.doubleValue);
  if ('bytesValue' in v) return Buffer.from(v.bytesValue).toString('base64');
  if ('arrayValue' in v || 'kvlistValue' in v) return toJson(toRaw(v));
  return '';
}

/**
 * Writes attributes into a Map column's key and value streams and returns how many pairs it
 * wrote. Keys are unique in valid OTLP, so they are not checked here: that check cost 15% of
 * span encoding.
 */
export function writeAttributes(attrs: KeyValue[], keys: { string(s: string): void }, values: ByteWriter): number {
  for (let i = 0; i < attrs.length; i++) {
    const kv = attrs[i];
    keys.string(kv.key);
    const v = kv.value;
    if ('stringValue' in v) values.string(v.stringValue);
    else values.string(anyValueString(v));
  }
  return attrs.length;
}

/** service.name when it is a string, '' otherwise (pcommon's Value.Str()). */
export function serviceNameOf(attrs: KeyValue[]): string {
  for (const kv of attrs) if (kv.key === 'service.name') return 'stringValue' in kv.value ? kv.value.stringValue : '';
  return '';
}
