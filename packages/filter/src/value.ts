// Attribute values the way otelcol's pcommon reads and writes them: a config value becomes the
// AnyValue pcommon.Value.FromRaw makes of it, and AsString renders any value as otelcol does
// (what regexp matching and string conversions see: pdata's valueAsString).
import { type AnyValue, type KeyValue, valueType } from '@flowtel/pdata';
import type { RawValue } from './config.ts';

/** pcommon.Value.FromRaw: YAML scalars, lists and maps as AnyValue; null as the empty value. */
export function anyValueFromRaw(raw: RawValue): AnyValue {
  if (raw === null) return {};
  if (Array.isArray(raw)) return { arrayValue: { values: raw.map(anyValueFromRaw) } };
  switch (typeof raw) {
    case 'string':
      return { stringValue: raw };
    case 'boolean':
      return { boolValue: raw };
    case 'bigint':
      return { intValue: raw };
    case 'number':
      return Number.isInteger(raw) ? { intValue: BigInt(raw) } : { doubleValue: raw };
    default:
      return {
        kvlistValue: { values: Object.entries(raw).map(([key, value]) => ({ key, value: anyValueFromRaw(value) })) },
      };
  }
}

/** The entry for `key`, if any. */
export function findAttr(attributes: readonly KeyValue[], key: string): KeyValue | undefined {
  for (const kv of attributes) if (kv.key === key) return kv;
  return undefined;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest digits, never an exponent. */
export function formatFloatF(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  const s = String(f);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const [digits, exp] = [s.slice(0, e).replace('.', ''), Number(s.slice(e + 1))];
  const sign = digits.startsWith('-') ? '-' : '';
  const d = sign ? digits.slice(1) : digits;
  const point = (s.slice(0, e).replace('-', '').indexOf('.') + 1 || d.length + 1) - 1 + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${d}`;
  if (point >= d.length) return `${sign}${d}${'0'.repeat(point - d.length)}`;
  return `${sign}${d.slice(0, point)}.${d.slice(point)}`;
}

/** Equal type and value, lists and maps compared in depth (contrib compares their hashes). */
export function valuesEqual(a: AnyValue, b: AnyValue): boolean {
  const type = valueType(a);
  if (type !== valueType(b)) return false;
  switch (type) {
    case 'Str':
      return (a as { stringValue: string }).stringValue === (b as { stringValue: string }).stringValue;
    case 'Bool':
      return (a as { boolValue: boolean }).boolValue === (b as { boolValue: boolean }).boolValue;
    case 'Int':
      return (a as { intValue: bigint }).intValue === (b as { intValue: bigint }).intValue;
    case 'Double':
      return (a as { doubleValue: number }).doubleValue === (b as { doubleValue: number }).doubleValue;
    case 'Bytes':
      return Buffer.from((a as { bytesValue: Uint8Array }).bytesValue).equals(
        (b as { bytesValue: Uint8Array }).bytesValue,
      );
    case 'Slice': {
      const [x, y] = [
        (a as { arrayValue: { values: AnyValue[] } }).arrayValue.values,
        (b as { arrayValue: { values: AnyValue[] } }).arrayValue.values,
      ];
      return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]));
    }
    case 'Map': {
      const [x, y] = [
        (a as { kvlistValue: { values: KeyValue[] } }).kvlistValue.values,
        (b as { kvlistValue: { values: KeyValue[] } }).kvlistValue.values,
      ];
      if (x.length !== y.length) return false;
      return x.every((kv) => {
        const other = findAttr(y, kv.key);
        return other !== undefined && valuesEqual(kv.value, other.value);
      });
    }
    default:
      return true;
  }
}
