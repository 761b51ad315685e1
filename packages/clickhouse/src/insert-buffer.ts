// Few, large INSERTs: ClickHouse makes a part per INSERT (per partition), and every part costs
// files, fsyncs and later merges, whatever its size. The batches that arrive within
// `insert_flush_interval` for one table are therefore sent as one INSERT: their Native blocks
// one after another in one payload (the Native format is a sequence of blocks), which the
// engine squashes into one part. A buffer is shared by every store writing that table through
// the same client (for the embedded engine: every pipeline of the process).
//
// A write resolves only once its rows are inserted, so the exporter's queue (and its
// file_storage, when configured) keeps every batch until then: nothing accepted is lost when
// the process dies while a batch waits here.
import { isPermanent, type ClickHouseClient } from './client.ts';
import type { Block, Limits } from './encode/block.ts';

interface Waiting {
  blocks: Block[];
  resolve(): void;
  reject(err: unknown): void;
}

export class InsertBuffer {
  private readonly client: ClickHouseClient;
  private readonly insert: string;
  private readonly limits: Limits;
  private readonly intervalMs: number;
  private waiting: Waiting[] = [];
  private rows = 0;
  private bytes = 0;
  private timer?: NodeJS.Timeout;
  /** INSERTs sent, and the batches they carried: a buffer's figure of merit */
  inserts = 0;
  batches = 0;

  constructor(client: ClickHouseClient, insert: string, limits: Limits, intervalMs: number) {
    this.client = client;
    this.insert = insert;
    this.limits = limits;
    this.intervalMs = intervalMs;
  }

  /** Queues the blocks (of one table, same columns) and resolves once they are inserted. */
  add(blocks: Block[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ blocks, resolve, reject });
      for (const b of blocks) {
        this.rows += b.rows;
        for (const d of b.data) this.bytes += d.length;
      }
      if (this.rows >= this.limits.maxRows || this.bytes >= this.limits.maxBytes) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
    });
  }

  /** Sends what waits now; resolves when that INSERT is done (its writers are told either way). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    this.rows = 0;
    this.bytes = 0;
    await this.send(batch);
  }

  private async send(batch: Waiting[]): Promise<void> {
    this.inserts++;
    this.batches += batch.length;
    try {
      await this.client.insertRaw(
        this.insert,
        batch.flatMap((w) => w.blocks.flatMap((b) => b.data)),
      );
    } catch (err) {
      // data one batch got wrong must not fail the batches that shared its INSERT
      if (batch.length > 1 && isPermanent(err)) {
        for (const w of batch) await this.send([w]);
        return;
      }
      for (const w of batch) settle(w, err);
      return;
    }
    for (const w of batch) settle(w);
  }
}

function settle(w: Waiting, err?: unknown): void {
  for (const b of w.blocks) b.release();
  if (err === undefined) w.resolve();
  else w.reject(err);
}

/** The buffers of each client, by INSERT statement: every store on a client shares them. */
const buffers = new WeakMap<ClickHouseClient, Map<string, InsertBuffer>>();

export function insertBuffer(
  client: ClickHouseClient,
  insert: string,
  limits: Limits,
  intervalMs: number,
): InsertBuffer {
  let byInsert = buffers.get(client);
  if (!byInsert) buffers.set(client, (byInsert = new Map()));
  let buffer = byInsert.get(insert);
  if (!buffer) byInsert.set(insert, (buffer = new InsertBuffer(client, insert, limits, intervalMs)));
  return buffer;
}

/** Sends everything waiting on a client's buffers (a store closing flushes before the engine closes). */
export async function flushAll(client: ClickHouseClient): Promise<void> {
  const byInsert = buffers.get(client);
  if (byInsert) await Promise.all([...byInsert.values()].map((b) => b.flush()));
}
