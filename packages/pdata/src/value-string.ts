// pcommon.Value's type names and AsString(), as otelcol renders attribute values in text: the
// debug exporter's output, the string a processor matches a regexp against or converts to.
import type { AnyValue, KeyValue } from './model.ts';

export type ValueTypeName = 'Str' | 'Bool' | 'Int' | 'Double' | 'Slice' | 'Map' | 'Bytes' | 'Empty';

export function valueType(v: AnyValue): ValueTypeName {
  if ('stringValue' in v) return 'Str';
  if ('boolValue' in v) return 'Bool';
  if ('intValue' in v) return 'Int';
  if ('doubleValue' in v) return 'Double';
  if ('arrayValue' in v) return 'Slice';
  if ('kvlistValue' in v) return 'Map';
  if ('bytesValue' in v) return 'Bytes';
  return 'Empty';
}

/** Go's encoding/json escapes, HTML-safe as json.Marshal writes them. */
function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.Marshal of Value.AsRaw(): map keys sorted, as Go marshals maps. */
function rawJson(v: AnyValue): string {
  if ('stringValue' in v) return jsonString(v.stringValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return v.intValue.toString();
  if ('doubleValue' in v) return Number.isFinite(v.doubleValue) ? String(v.doubleValue) : 'null';
  if ('bytesValue' in v) return jsonString(Buffer.from(v.bytesValue).toString('base64'));
  if ('arrayValue' in v) return `[${v.arrayValue.values.map(rawJson).join(',')}]`;
  if ('kvlistValue' in v) {
    const entries = [...v.kvlistValue.values].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return `{${entries.map((kv) => `${jsonString(kv.key)}:${rawJson(kv.value)}`).join(',')}}`;
  }
  return 'null';
}

/** pcommon.Value.AsString(). */
export function valueAsString(v: AnyValue): string {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return v.intValue.toString();
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('bytesValue' in v) return Buffer.from(v.bytesValue).toString('base64');
  if ('arrayValue' in v || 'kvlistValue' in v) return rawJson(v);
  return '';
}

/**
 * A text two attribute lists share when they hold the same keys with the same typed values, in
 * any order (otelcol's pdatautil.MapHash role): for grouping and stream identities.
 */
export function attributesKey(attrs: readonly KeyValue[]): string {
  return attrs
    .map((kv) => `${kv.key}\u0000${valueType(kv.value)}\u0000${valueAsString(kv.value)}`)
    .sort()
    .join('\u0001');
}
