// Arrow columns built straight from typed arrays (no per-value builder calls) and read back
// without going through apache-arrow's value getters where those lose precision (timestamps
// become millisecond doubles there) or allocate per row.
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  Dictionary,
  Field,
  FixedSizeBinary,
  Float64,
  type Int32,
  type RecordBatch,
  Struct,
  Uint8,
  Uint16,
  type Uint32,
  Utf8,
  makeData,
  makeVector,
  type Vector,
} from 'apache-arrow';

const encoder = new TextEncoder();

export interface Column {
  field: Field;
  data: Data;
}

/** A validity bitmap from a presence test, or undefined when every row is valid. */
function bitmap(n: number, valid: (i: number) => boolean): { nullBitmap?: Uint8Array; nullCount: number } {
  let nullCount = 0;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (valid(i)) bits[i >> 3] |= 1 << (i & 7);
    else nullCount++;
  }
  return nullCount === 0 ? { nullCount } : { nullBitmap: bits, nullCount };
}

export function column(name: string, data: Data, nullable = data.nullCount > 0): Column {
  return { field: new Field(name, data.type, nullable), data };
}

type IntType = Uint8 | Uint16 | Uint32 | Int32;

/** An integer column; `present` (optional) says which rows are non-null. */
export function ints(
  type: IntType,
  values: Uint8Array | Uint16Array | Uint32Array | Int32Array,
  present?: (i: number) => boolean,
): Data {
  const n = values.length;
  const nulls = present ? bitmap(n, present) : { nullCount: 0 };
  return makeData({ type, length: n, data: values, ...nulls } as never);
}

export function bigints(type: DataType, values: BigInt64Array, present?: (i: number) => boolean): Data {
  const nulls = present ? bitmap(values.length, present) : { nullCount: 0 };
  return makeData({ type, length: values.length, data: values, ...nulls } as never);
}

export function float64s(values: Float64Array, present?: (i: number) => boolean): Data {
  const nulls = present ? bitmap(values.length, present) : { nullCount: 0 };
  return makeData({ type: new Float64(), length: values.length, data: values, ...nulls });
}

export function bools(values: (boolean | null)[]): Data {
  const n = values.length;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i]) bits[i >> 3] |= 1 << (i & 7);
  return makeData({ type: new Bool(), length: n, data: bits, ...bitmap(n, (i) => values[i] !== null) });
}

/** Utf8 or Binary from byte strings; null rows are absent (undefined/null). */
function varBinary(type: Utf8 | Binary, values: (Uint8Array | null | undefined)[]): Data {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += values[i]?.length ?? 0;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v) bytes.set(v, offsets[i]);
  }
  return makeData({
    type,
    length: n,
    valueOffsets: offsets,
    data: bytes,
    ...bitmap(n, (i) => values[i] != null),
  } as never);
}

export function utf8s(values: (string | null | undefined)[]): Data {
  return varBinary(
    new Utf8(),
    values.map((v) => (v == null ? v : encoder.encode(v))),
  );
}

export function binaries(values: (Uint8Array | null | undefined)[]): Data {
  return varBinary(new Binary(), values);
}

export function fixedBinaries(width: 8 | 16, values: Uint8Array[], presentWhenEmpty = false): Data {
  const n = values.length;
  const bytes = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) if (values[i].length === width) bytes.set(values[i], i * width);
  const present = presentWhenEmpty ? () => true : (i: number) => values[i].length === width;
  return makeData({ type: new FixedSizeBinary(width), length: n, data: bytes, ...bitmap(n, present) });
}

/**
 * A string column dictionary-encoded with u8 or u16 keys when its distinct values fit, plain
 * Utf8 otherwise. The dictionary id is fixed by the caller so the same columns make the same
 * schema from batch to batch (an IPC stream keeps its schema; only the dictionaries change).
 */
export function dictUtf8s(values: (string | null | undefined)[], dictionaryId: number): Data {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  for (const v of values) {
    if (v != null && !index.has(v)) {
      index.set(v, distinct.length);
      distinct.push(v);
    }
  }
  if (distinct.length > 0xffff) return utf8s(values);
  const small = distinct.length <= 0xff;
  const keys = small ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v != null) keys[i] = index.get(v)!;
  }
  const dictionary = utf8s(distinct);
  const type = new Dictionary(new Utf8(), small ? new Uint8() : new Uint16(), dictionaryId);
  return makeData({
    type,
    length: values.length,
    data: keys,
    dictionary: makeVector(dictionary),
    ...bitmap(values.length, (i) => values[i] != null),
  } as never);
}

export function struct(columns: Column[], length: number, present?: (i: number) => boolean): Data {
  const nulls = present ? bitmap(length, present) : { nullCount: 0 };
  return makeData({
    type: new Struct(columns.map((c) => c.field)),
    length,
    children: columns.map((c) => c.data),
    ...nulls,
  } as never);
}

// ---- reading ----

/** A child column by name, or undefined when the batch does not carry it. */
export function child(batch: RecordBatch | Vector | undefined, name: string): Vector | undefined {
  return (batch?.getChild(name) as Vector | null | undefined) ?? undefined;
}

/** The single Data of a column read from IPC (one record batch: one chunk). */
function only(v: Vector): Data {
  if (v.data.length !== 1) throw new Error('OTAP column has more than one chunk');
  return v.data[0];
}

/** Raw 64-bit values (timestamps, durations, int64) without apache-arrow's conversions. */
export function int64At(v: Vector | undefined): (i: number) => bigint | undefined {
  if (!v) return () => undefined;
  const d = only(v);
  if (d.dictionary) return (i) => (d.getValid(i) ? (v.get(i) as bigint) : undefined);
  const values = d.values as BigInt64Array;
  return (i) => (d.getValid(i) ? values[i] : undefined);
}

/** Numbers of any integer column (plain or dictionary), undefined for null rows. */
export function numberAt(v: Vector | undefined): (i: number) => number | undefined {
  if (!v) return () => undefined;
  const d = only(v);
  if (d.dictionary) return (i) => (d.getValid(i) ? Number(v.get(i)) : undefined);
  const values = d.values as Uint32Array;
  return (i) => (d.getValid(i) ? values[i] : undefined);
}

/** Strings, bytes, booleans, doubles: apache-arrow's getter, which resolves dictionaries. */
export function valueAt<T>(v: Vector | undefined): (i: number) => T | undefined {
  if (!v) return () => undefined;
  return (i) => {
    const x = v.get(i) as T | null;
    return x === null ? undefined : x;
  };
}
