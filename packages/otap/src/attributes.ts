// OTAP attribute tables (RESOURCE_ATTRS, SCOPE_ATTRS, SPAN_ATTRS with u16 parent ids;
// SPAN_EVENT_ATTRS, SPAN_LINK_ATTRS with u32): one row per key/value, the value in the column of
// its type, `type` the pcommon.ValueType discriminant. Rows are sorted by type, key, value and
// parent so that `parent_id` can be quasi-delta encoded: a row whose key and value equal the
// previous row's carries the difference from the previous parent, any other row the absolute
// id (maps, slices and empty values are never equal, as in the Go reference's decoder).
import type { RecordBatch } from 'apache-arrow';
import { Uint16, Uint32, Int64, Uint8 } from 'apache-arrow';
import type { AnyValue, KeyValue } from '@flowtel/pdata';
import { decodeCbor, encodeCbor } from './cbor.ts';
import {
  type Column,
  binaries,
  bigints,
  bools,
  child,
  column,
  dictUtf8s,
  float64s,
  ints,
  numberAt,
  valueAt,
} from './columns.ts';

/** pcommon.ValueType, the `type` column's values */
export const ValueType = { EMPTY: 0, STR: 1, INT: 2, DOUBLE: 3, BOOL: 4, MAP: 5, SLICE: 6, BYTES: 7 } as const;

export function valueTypeOf(v: AnyValue): number {
  if ('stringValue' in v) return ValueType.STR;
  if ('intValue' in v) return ValueType.INT;
  if ('doubleValue' in v) return ValueType.DOUBLE;
  if ('boolValue' in v) return ValueType.BOOL;
  if ('kvlistValue' in v) return ValueType.MAP;
  if ('arrayValue' in v) return ValueType.SLICE;
  if ('bytesValue' in v) return ValueType.BYTES;
  return ValueType.EMPTY;
}

interface Row {
  parent: number;
  key: string;
  type: number;
  value: AnyValue;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The order of two values of the same type (0 for maps, slices, empties: never delta-encoded). */
function compareValues(type: number, a: AnyValue, b: AnyValue): number {
  switch (type) {
    case ValueType.STR: {
      const x = (a as { stringValue: string }).stringValue;
      const y = (b as { stringValue: string }).stringValue;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case ValueType.INT: {
      const x = (a as { intValue: bigint }).intValue;
      const y = (b as { intValue: bigint }).intValue;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case ValueType.DOUBLE: {
      const x = (a as { doubleValue: number }).doubleValue;
      const y = (b as { doubleValue: number }).doubleValue;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case ValueType.BOOL:
      return Number((a as { boolValue: boolean }).boolValue) - Number((b as { boolValue: boolean }).boolValue);
    case ValueType.BYTES:
      return compareBytes((a as { bytesValue: Uint8Array }).bytesValue, (b as { bytesValue: Uint8Array }).bytesValue);
    default:
      return 0;
  }
}

/** Whether a row's parent id may be a delta from the previous row's (the decoder's test). */
function sameKeyValue(prev: Row | undefined, row: Row): boolean {
  if (!prev || prev.key !== row.key || prev.type !== row.type) return false;
  if (row.type === ValueType.MAP || row.type === ValueType.SLICE || row.type === ValueType.EMPTY) return false;
  if (row.type === ValueType.DOUBLE) {
    // NaN equals nothing, -0 equals +0: the comparison Go's == makes
    return (prev.value as { doubleValue: number }).doubleValue === (row.value as { doubleValue: number }).doubleValue;
  }
  return compareValues(row.type, prev.value, row.value) === 0;
}

/** Collects the attributes of many parents and builds their table. */
export class AttributesBuilder {
  private readonly rows: Row[] = [];

  add(parent: number, attributes: KeyValue[]): void {
    for (const kv of attributes) this.rows.push({ parent, key: kv.key, type: valueTypeOf(kv.value), value: kv.value });
  }

  get length(): number {
    return this.rows.length;
  }

  /** The table's columns, `parent_id` u16 or u32; undefined when no row was added. */
  build(parentWidth: 16 | 32): Column[] | undefined {
    const rows = this.rows;
    const n = rows.length;
    if (n === 0) return undefined;
    rows.sort(
      (a, b) =>
        a.type - b.type ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) ||
        compareValues(a.type, a.value, b.value) ||
        a.parent - b.parent,
    );
    const parentIds = parentWidth === 16 ? new Uint16Array(n) : new Uint32Array(n);
    const types = new Uint8Array(n);
    const strs: (string | null)[] = new Array(n).fill(null);
    const intv = new BigInt64Array(n);
    const doubles = new Float64Array(n);
    const boolv: (boolean | null)[] = new Array(n).fill(null);
    const bytesv: (Uint8Array | null)[] = new Array(n).fill(null);
    const sers: (Uint8Array | null)[] = new Array(n).fill(null);
    const has = new Set<number>();
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      const prev = i > 0 ? rows[i - 1] : undefined;
      parentIds[i] = sameKeyValue(prev, row) ? row.parent - prev!.parent : row.parent;
      types[i] = row.type;
      has.add(row.type);
      const v = row.value;
      if ('stringValue' in v) strs[i] = v.stringValue;
      else if ('intValue' in v) intv[i] = v.intValue;
      else if ('doubleValue' in v) doubles[i] = v.doubleValue;
      else if ('boolValue' in v) boolv[i] = v.boolValue;
      else if ('bytesValue' in v) bytesv[i] = v.bytesValue;
      else if ('kvlistValue' in v || 'arrayValue' in v) sers[i] = encodeCbor(v);
    }
    const of = (t: number) => (i: number) => types[i] === t;
    const columns: Column[] = [
      column('parent_id', ints(parentWidth === 16 ? new Uint16() : new Uint32(), parentIds), false),
      column(
        'key',
        dictUtf8s(
          rows.map((r) => r.key),
          0,
        ),
        false,
      ),
      column('type', ints(new Uint8(), types), false),
    ];
    // optional value columns only when some row has that type (spec: omit empty optional columns)
    if (has.has(ValueType.STR)) columns.push(column('str', dictUtf8s(strs, 1), true));
    if (has.has(ValueType.INT)) columns.push(column('int', bigints(new Int64(), intv, of(ValueType.INT)), true));
    if (has.has(ValueType.DOUBLE)) columns.push(column('double', float64s(doubles, of(ValueType.DOUBLE)), true));
    if (has.has(ValueType.BOOL)) columns.push(column('bool', bools(boolv), true));
    if (has.has(ValueType.BYTES)) columns.push(column('bytes', binaries(bytesv), true));
    if (has.has(ValueType.MAP) || has.has(ValueType.SLICE)) columns.push(column('ser', binaries(sers), true));
    return columns;
  }
}

const copy = (b: Uint8Array) => b.slice();

/** An attribute table's rows grouped by their decoded parent id, in table order. */
export function readAttributes(batch: RecordBatch | undefined): Map<number, KeyValue[]> {
  const out = new Map<number, KeyValue[]>();
  if (!batch || batch.numRows === 0) return out;
  const parentCol = child(batch, 'parent_id');
  const keyCol = child(batch, 'key');
  const typeCol = child(batch, 'type');
  if (!parentCol || !keyCol || !typeCol) throw new Error('attribute table lacks parent_id, key or type');
  const parentAt = numberAt(parentCol);
  const keyAt = valueAt<string>(keyCol);
  const typeAt = numberAt(typeCol);
  const strAt = valueAt<string>(child(batch, 'str'));
  const intAt = valueAt<bigint>(child(batch, 'int'));
  const doubleAt = valueAt<number>(child(batch, 'double'));
  const boolAt = valueAt<boolean>(child(batch, 'bool'));
  const bytesAt = valueAt<Uint8Array>(child(batch, 'bytes'));
  const serAt = valueAt<Uint8Array>(child(batch, 'ser'));
  let prev: Row | undefined;
  for (let i = 0; i < batch.numRows; i++) {
    const key = keyAt(i) ?? '';
    const type = typeAt(i) ?? 0;
    let value: AnyValue = {};
    // a value whose column is absent (or null) is empty, as the spec says
    switch (type) {
      case ValueType.STR: {
        const s = strAt(i);
        value = { stringValue: s ?? '' };
        break;
      }
      case ValueType.INT: {
        const x = intAt(i);
        value = { intValue: x === undefined ? 0n : BigInt(x) };
        break;
      }
      case ValueType.DOUBLE:
        value = { doubleValue: doubleAt(i) ?? 0 };
        break;
      case ValueType.BOOL:
        value = { boolValue: boolAt(i) ?? false };
        break;
      case ValueType.BYTES: {
        const b = bytesAt(i);
        value = { bytesValue: b ? copy(b) : new Uint8Array(0) };
        break;
      }
      case ValueType.MAP:
      case ValueType.SLICE: {
        const b = serAt(i);
        if (b) value = decodeCbor(b);
        break;
      }
      case ValueType.EMPTY:
        break;
      default:
        throw new Error(`attribute "${key}" has type ${type}, outside 0-7`);
    }
    const encoded = parentAt(i) ?? 0;
    const row: Row = { parent: encoded, key, type, value };
    if (sameKeyValue(prev, row)) row.parent = prev!.parent + encoded;
    prev = row;
    let list = out.get(row.parent);
    if (!list) out.set(row.parent, (list = []));
    list.push({ key, value });
  }
  return out;
}
