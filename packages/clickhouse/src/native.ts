// ClickHouse's Native format, the engine's own columnar block layout: a header (column and row
// counts), then per column its name, its type and its values, column after column. Columns are
// built here stream by stream as rows are appended, so a batch never exists as row objects.
//
// LowCardinality(String) columns, the keys of attribute maps among them, are sent as
// LowCardinality: a dictionary of the block's distinct strings and an index per value, so the
// engine converts nothing and repeated names cross the wire once per block.
import { ByteWriter } from './bytes.ts';

export interface NativeColumn {
  readonly name: string;
  readonly type: string;
  /** the column's streams in serialization order */
  streams(): ByteWriter[];
  /** bytes written so far, for batch bounds */
  size(): number;
  /** empties the column, keeping its buffers for the next block */
  reset(): void;
}

abstract class Base implements NativeColumn {
  readonly name: string;
  abstract readonly type: string;
  constructor(name: string) {
    this.name = name;
  }
  abstract streams(): ByteWriter[];
  size(): number {
    let n = 0;
    for (const s of this.streams()) n += s.pos;
    return n;
  }
  reset(): void {
    for (const s of this.streams()) s.reset();
  }
}

/** Fixed-width numbers: the writer is exposed so appending costs one call. */
export class FixedColumn extends Base {
  readonly type: string;
  readonly w: ByteWriter;
  constructor(name: string, type: string, rowsHint: number, width: number) {
    super(name);
    this.type = type;
    this.w = new ByteWriter(Math.max(64, rowsHint * width));
  }
  streams(): ByteWriter[] {
    return [this.w];
  }
}

export class StringColumn extends Base {
  readonly type = 'String';
  readonly w: ByteWriter;
  constructor(name: string, rowsHint: number) {
    super(name);
    this.w = new ByteWriter(Math.max(64, rowsHint * 40));
  }
  streams(): ByteWriter[] {
    return [this.w];
  }
}

/** Nullable(T) of a fixed-width T: a null map (1 = NULL), then the values (zero under a NULL). */
export class NullableColumn extends Base {
  readonly type: string;
  readonly nulls: ByteWriter;
  readonly w: ByteWriter;
  constructor(name: string, type: string, rowsHint: number, width: number) {
    super(name);
    this.type = `Nullable(${type})`;
    this.nulls = new ByteWriter(Math.max(64, rowsHint));
    this.w = new ByteWriter(Math.max(64, rowsHint * width));
  }
  streams(): ByteWriter[] {
    return [this.nulls, this.w];
  }
}

/**
 * The values of a LowCardinality(String) column or sub-column for one block, serialized as one
 * granule: flags (index width, "has additional keys", "update dictionary"), the dictionary
 * (the default value '' first, as ClickHouse writes it), the value count, the indexes.
 */
export class LowCardinalityStrings {
  private readonly dict = new Map<string, number>();
  private readonly keys = new ByteWriter(4096);
  private indexes: Uint32Array;
  private count = 0;
  private readonly head = new ByteWriter(64);
  private readonly tail = new ByteWriter(64);

  constructor(rowsHint: number) {
    this.indexes = new Uint32Array(Math.max(64, rowsHint));
    this.reset();
  }

  /** Appends a value (named like ByteWriter.string so writers of either kind serve). */
  string(s: string): void {
    let i = this.dict.get(s);
    if (i === undefined) {
      i = this.dict.size;
      this.dict.set(s, i);
      this.keys.string(s);
    }
    if (this.count === this.indexes.length) {
      const grown = new Uint32Array(this.indexes.length * 2);
      grown.set(this.indexes);
      this.indexes = grown;
    }
    this.indexes[this.count++] = i;
  }

  size(): number {
    return this.keys.pos + this.count * 4 + 32;
  }

  reset(): void {
    this.dict.clear();
    this.keys.reset();
    this.count = 0;
    this.dict.set('', 0);
    this.keys.string('');
  }

  streams(): ByteWriter[] {
    // ClickHouse writes nothing for no values (all arrays of a block empty), and reads so
    if (this.count === 0) return [];
    const keys = this.dict.size;
    const width = keys <= 0x100 ? 1 : keys <= 0x10000 ? 2 : 4;
    const HAS_ADDITIONAL_KEYS = 1 << 9;
    const NEED_UPDATE_DICTIONARY = 1 << 10;
    this.head.reset();
    this.head.u64n((width === 1 ? 0 : width === 2 ? 1 : 2) | HAS_ADDITIONAL_KEYS | NEED_UPDATE_DICTIONARY);
    this.head.u64n(keys);
    const t = this.tail;
    t.reset();
    t.u64n(this.count);
    t.ensure(this.count * width);
    const idx = this.indexes;
    if (width === 1) for (let i = 0; i < this.count; i++) t.buf[t.pos++] = idx[i];
    else if (width === 2) for (let i = 0; i < this.count; i++) t.u16(idx[i]);
    else for (let i = 0; i < this.count; i++) t.u32(idx[i]);
    return [this.head, this.keys, t];
  }
}

/** What a column with LowCardinality inside writes before its data: the serialization version. */
const LOW_CARDINALITY_PREFIX = (() => {
  const w = new ByteWriter(8);
  w.u64n(1); // SharedDictionariesWithAdditionalKeys
  return w;
})();

export class LowCardinalityColumn extends Base {
  readonly type = 'LowCardinality(String)';
  readonly w: LowCardinalityStrings;
  constructor(name: string, rowsHint: number) {
    super(name);
    this.w = new LowCardinalityStrings(rowsHint);
  }
  streams(): ByteWriter[] {
    return [LOW_CARDINALITY_PREFIX, ...this.w.streams()];
  }
  override size(): number {
    return this.w.size();
  }
  override reset(): void {
    this.w.reset();
  }
}

/** Array offsets are cumulative element counts, one UInt64 per row. */
class Offsets {
  readonly w: ByteWriter;
  private total = 0;
  constructor(rowsHint: number) {
    this.w = new ByteWriter(Math.max(64, rowsHint * 8));
  }
  reset(): void {
    this.total = 0;
    this.w.reset();
  }
  end(count: number): void {
    this.total += count;
    this.w.u64n(this.total);
  }
}

/** Map(LowCardinality(String), String): offsets, then every key, then every value. */
export class StringMapColumn extends Base {
  readonly type = 'Map(LowCardinality(String), String)';
  private readonly offsets: Offsets;
  readonly keys: LowCardinalityStrings;
  readonly values: ByteWriter;
  constructor(name: string, rowsHint: number) {
    super(name);
    this.offsets = new Offsets(rowsHint);
    this.keys = new LowCardinalityStrings(rowsHint * 8);
    this.values = new ByteWriter(Math.max(64, rowsHint * 64));
  }
  /** after writing `count` keys and values for this row */
  endRow(count: number): void {
    this.offsets.end(count);
  }
  /** the streams without the LowCardinality prefix, for a column that nests this one */
  dataStreams(): ByteWriter[] {
    return [this.offsets.w, ...this.keys.streams(), this.values];
  }
  streams(): ByteWriter[] {
    return [LOW_CARDINALITY_PREFIX, ...this.dataStreams()];
  }
  override size(): number {
    return this.offsets.w.pos + this.keys.size() + this.values.pos;
  }
  override reset(): void {
    this.offsets.reset();
    this.keys.reset();
    this.values.reset();
  }
}

/** Array(T) of a fixed-width or String element. */
export class ArrayColumn extends Base {
  readonly type: string;
  private readonly offsets: Offsets;
  readonly items: ByteWriter;
  constructor(name: string, elementType: string, rowsHint: number) {
    super(name);
    this.type = `Array(${elementType})`;
    this.offsets = new Offsets(rowsHint);
    this.items = new ByteWriter(Math.max(64, rowsHint * 8));
  }
  endRow(count: number): void {
    this.offsets.end(count);
  }
  streams(): ByteWriter[] {
    return [this.offsets.w, this.items];
  }
  override reset(): void {
    this.offsets.reset();
    this.items.reset();
  }
}

/** Array(Map(LowCardinality(String), String)): the attributes of Nested events, links and exemplars. */
export class MapArrayColumn extends Base {
  readonly type = 'Array(Map(LowCardinality(String), String))';
  private readonly offsets: Offsets;
  readonly maps: StringMapColumn;
  constructor(name: string, rowsHint: number) {
    super(name);
    this.offsets = new Offsets(rowsHint);
    this.maps = new StringMapColumn(name, rowsHint);
  }
  endRow(count: number): void {
    this.offsets.end(count);
  }
  streams(): ByteWriter[] {
    return [LOW_CARDINALITY_PREFIX, this.offsets.w, ...this.maps.dataStreams()];
  }
  override size(): number {
    return this.offsets.w.pos + this.maps.size();
  }
  override reset(): void {
    this.offsets.reset();
    this.maps.reset();
  }
}

/** Array(LowCardinality(String)): the names of Nested events. */
export class LowCardinalityArrayColumn extends Base {
  readonly type = 'Array(LowCardinality(String))';
  private readonly offsets: Offsets;
  readonly items: LowCardinalityStrings;
  constructor(name: string, rowsHint: number) {
    super(name);
    this.offsets = new Offsets(rowsHint);
    this.items = new LowCardinalityStrings(rowsHint);
  }
  endRow(count: number): void {
    this.offsets.end(count);
  }
  streams(): ByteWriter[] {
    return [LOW_CARDINALITY_PREFIX, this.offsets.w, ...this.items.streams()];
  }
  override size(): number {
    return this.offsets.w.pos + this.items.size();
  }
  override reset(): void {
    this.offsets.reset();
    this.items.reset();
  }
}

/** One Native block: the header and every column, as buffers to be written in order. */
export function encodeBlock(columns: NativeColumn[], rows: number): Buffer[] {
  const head = new ByteWriter(256 + columns.length * 64);
  head.varint(columns.length);
  head.varint(rows);
  const parts: Buffer[] = [];
  let mark = 0;
  for (const c of columns) {
    head.string(c.name);
    head.string(c.type);
    parts.push(Buffer.from(head.bytes().subarray(mark)));
    mark = head.pos;
    for (const s of c.streams()) parts.push(s.bytes());
  }
  return parts;
}

export const u8 = (name: string, rows: number) => new FixedColumn(name, 'UInt8', rows, 1);
export const bool = (name: string, rows: number) => new FixedColumn(name, 'Bool', rows, 1);
export const u16 = (name: string, rows: number) => new FixedColumn(name, 'UInt16', rows, 2);
export const u32 = (name: string, rows: number) => new FixedColumn(name, 'UInt32', rows, 4);
export const i32 = (name: string, rows: number) => new FixedColumn(name, 'Int32', rows, 4);
export const u64 = (name: string, rows: number) => new FixedColumn(name, 'UInt64', rows, 8);
export const f64 = (name: string, rows: number) => new FixedColumn(name, 'Float64', rows, 8);
export const dateTime64 = (name: string, rows: number, precision = 9) =>
  new FixedColumn(name, `DateTime64(${precision})`, rows, 8);
export const dateTime = (name: string, rows: number) => new FixedColumn(name, 'DateTime', rows, 4);
