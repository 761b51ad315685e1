// Rows of one table gathered into Native blocks, cut where a block reaches the row or byte
// bound so that no INSERT grows without limit.
import type { KeyValue } from '@flowtel/pdata';
import { ByteWriter } from '../bytes.ts';
import { writeAttributes } from '../anyvalue.ts';
import { encodeBlock, type NativeColumn, type StringMapColumn } from '../native.ts';

export interface Block {
  table: string;
  columns: string[];
  rows: number;
  /** the Native block in pieces, written one after another (joining them would cost a copy) */
  data: Buffer[];
  /** hands the block's buffers back for reuse, once `data` has been sent */
  release(): void;
}

export interface Limits {
  maxRows: number;
  maxBytes: number;
}

/** The columns of one table for one block; `rows` counts appended rows. */
export interface TableColumns {
  readonly columns: NativeColumn[];
  rows: number;
}

/** How often the byte size is summed: every row would cost more than it saves. */
const SIZE_CHECK_EVERY = 512;

/**
 * Column sets kept for reuse once their block is sent. Fresh multi-megabyte buffers for every
 * batch made V8 collect garbage (it counts them as external memory) more than it encoded.
 */
export class ColumnsPool<C extends TableColumns> {
  private readonly free: C[] = [];
  private readonly create: (rowsHint: number) => C;
  private readonly keep: number;
  constructor(create: (rowsHint: number) => C, keep = 16) {
    this.create = create;
    this.keep = keep;
  }
  take(rowsHint: number): C {
    return this.free.pop() ?? this.create(rowsHint);
  }
  give(columns: C): void {
    if (this.free.length >= this.keep) return;
    columns.rows = 0;
    for (const col of columns.columns) col.reset();
    this.free.push(columns);
  }
}

/** The pools of one exporter, one per table and column layout. */
export class Pools {
  private readonly pools = new Map<string, ColumnsPool<TableColumns>>();
  get<C extends TableColumns>(key: string, create: (rowsHint: number) => C): ColumnsPool<C> {
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = new ColumnsPool<TableColumns>(create)));
    return pool as ColumnsPool<C>;
  }
}

export class BlockSink<C extends TableColumns> {
  private readonly table: string;
  private readonly pool: ColumnsPool<C>;
  private readonly limits: Limits;
  private readonly done: Block[] = [];
  private rowsHint: number;
  current: C;

  constructor(table: string, pool: ColumnsPool<C>, limits: Limits, rowsHint: number) {
    this.table = table;
    this.pool = pool;
    this.limits = limits;
    this.rowsHint = Math.min(rowsHint, limits.maxRows);
    this.current = pool.take(this.rowsHint);
  }

  /** Call after each row appended to `current`. */
  rowDone(): void {
    const c = this.current;
    c.rows++;
    if (c.rows >= this.limits.maxRows || (c.rows % SIZE_CHECK_EVERY === 0 && sizeOf(c) >= this.limits.maxBytes))
      this.cut();
  }

  private cut(): void {
    const c = this.current;
    const pool = this.pool;
    this.done.push({
      table: this.table,
      columns: c.columns.map((col) => col.name),
      rows: c.rows,
      data: encodeBlock(c.columns, c.rows),
      release: () => pool.give(c),
    });
    this.current = pool.take(this.rowsHint);
  }

  blocks(): Block[] {
    if (this.current.rows > 0) this.cut();
    else this.pool.give(this.current);
    return this.done.splice(0);
  }
}

function sizeOf(c: TableColumns): number {
  let n = 0;
  for (const col of c.columns) n += col.size();
  return n;
}

/** An attribute map encoded once and copied into every row that shares it (resource, scope). */
export class EncodedMap {
  readonly count: number;
  private readonly keys: string[];
  private readonly values: Buffer;

  constructor(attrs: KeyValue[]) {
    const keys: string[] = [];
    const v = new ByteWriter(256);
    this.count = writeAttributes(attrs, { string: (k) => void keys.push(k) }, v);
    this.keys = keys;
    this.values = Buffer.from(v.bytes());
  }

  writeTo(col: StringMapColumn): void {
    for (const k of this.keys) col.keys.string(k);
    col.values.raw(this.values);
    col.endRow(this.count);
  }
}

export function writeMap(col: StringMapColumn, attrs: KeyValue[]): void {
  col.endRow(writeAttributes(attrs, col.keys, col.values));
}
