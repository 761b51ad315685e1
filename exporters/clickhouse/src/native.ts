// ClickHouse's Native format, the engine's own columnar block layout: a header (column and row
// counts), then per column its name, its type and its values, column after column. Columns are
// built here stream by stream as rows are appended, so a batch never exists as row objects.
//
// LowCardinality(String) columns are sent as String and Map(LowCardinality(String), String)
// as Map(String, String): Native input converts to the table's type
// (input_format_native_allow_types_conversion, on by default since ClickHouse 23.3).
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

/** Map(String, String): offsets, then every key, then every value. */
export class StringMapColumn extends Base {
  readonly type = 'Map(String, String)';
  private readonly offsets: Offsets;
  readonly keys: ByteWriter;
  readonly values: ByteWriter;
  constructor(name: string, rowsHint: number) {
    super(name);
    this.offsets = new Offsets(rowsHint);
    this.keys = new ByteWriter(Math.max(64, rowsHint * 64));
    this.values = new ByteWriter(Math.max(64, rowsHint * 64));
  }
  /** after writing `count` keys and values for this row */
  endRow(count: number): void {
    this.offsets.end(count);
  }
  streams(): ByteWriter[] {
    return [this.offsets.w, this.keys, this.values];
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

/** Array(Map(String, String)): the attributes of Nested events, links and exemplars. */
export class MapArrayColumn extends Base {
  readonly type = 'Array(Map(String, String))';
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
    return [this.offsets.w, ...this.maps.streams()];
  }
  override reset(): void {
    this.offsets.reset();
    this.maps.reset();
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
