// sending_queue::batch, as otelcol's queuebatch: requests taken from the queue are merged per
// signal (and per partition of client metadata) until the batch reaches min_size by its sizer
// or flush_timeout passes since it began; a request that would take it past max_size is cut,
// its head closing the batch and its rest starting the next. Up to num_consumers batches are
// sent at once; the reader waits for a free sender, which is how back-pressure reaches the
// queue. A request is finished (its room freed, its file removed) once every batch carrying
// part of it is done, so a persistent queue still holds whatever a kill -9 interrupts.
import { OTLP_OPS, type OtlpData, type OtlpOps } from '@flowtel/pdata';
import { Ack, type Batch, type ConsumerError } from './consumer.ts';
import type { SendingQueueConfig } from './exporterhelper.ts';

type BatchConfig = NonNullable<SendingQueueConfig['batch']>;

export interface QueueBatcherOptions {
  config: BatchConfig;
  /** how many merged batches may be in flight at once (num_consumers) */
  workers: number;
  /** sends one merged batch; resolves with its failure, if any (it never rejects) */
  send(batch: Batch): Promise<ConsumerError | undefined>;
  /** every batch carrying part of `origin` is done; `err` is a failure of any of them */
  finished(origin: Batch, err: ConsumerError | undefined): Promise<void>;
}

/** A request taken from the queue, while its parts are in batches. */
interface Origin {
  batch: Batch;
  /** parts in batches not yet done */
  pending: number;
  /** all of it has been placed in batches */
  placed: boolean;
  failure?: ConsumerError;
}

/** The batch being filled for one signal and partition. */
class Pending {
  parts: OtlpData[] = [];
  origins: Origin[] = [];
  size = 0;
  items = 0;
  timer?: NodeJS.Timeout;
  readonly first: Batch;
  constructor(first: Batch) {
    this.first = first;
  }
}

/** Bounds the merged batches in flight; acquire waits for a free slot. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  acquire(): Promise<void> | undefined {
    if (this.free > 0) {
      this.free--;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export class QueueBatcher {
  private readonly opts: QueueBatcherOptions;
  private readonly keys: string[];
  private readonly pending = new Map<string, Pending>();
  private readonly slots: Slots;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly measure: (ops: OtlpOps, data: OtlpData, items: number) => number;

  constructor(opts: QueueBatcherOptions) {
    this.opts = opts;
    this.keys = opts.config.partition.metadata_keys.map((k) => k.toLowerCase());
    this.slots = new Slots(opts.workers);
    this.measure = opts.config.sizer === 'bytes' ? (ops, data) => ops.bytes(data) : (_ops, _data, items) => items;
  }

  /** Places a request taken from the queue; waits while every sender is busy. */
  async add(batch: Batch): Promise<void> {
    const ops = batch.signal === 'socket' ? undefined : OTLP_OPS[batch.signal];
    const origin: Origin = { batch, pending: 0, placed: false };
    if (!ops) {
      // socket events have no OTLP merge: they go as they are
      origin.pending++;
      origin.placed = true;
      return this.dispatch(batch, [origin]);
    }
    const key = this.partitionKey(batch);
    const { max_size: maxSize, min_size: minSize } = this.opts.config;
    const max = maxSize > 0 ? maxSize : Infinity;
    let data = batch.data as OtlpData;
    let items = ops.count(data);
    let size = this.measure(ops, data, items);
    for (;;) {
      const p = this.partition(key, batch);
      const room = max - p.size;
      if (size <= room) {
        this.append(p, origin, data, size, items);
        break;
      }
      const cut = this.cut(ops, data, items, size, room, p.parts.length === 0);
      if (cut) {
        this.append(p, origin, cut.head, cut.headSize, cut.headItems);
        data = cut.rest;
        items -= cut.headItems;
        size = this.measure(ops, data, items);
      }
      await this.flush(key, p);
    }
    origin.placed = true;
    const p = this.partition(key, batch);
    if (p.size >= minSize) await this.flush(key, p);
    else this.arm(key, p);
    await this.settleIfDone(origin);
  }

  /** Sends everything still being filled and waits for every batch in flight. */
  async close(): Promise<void> {
    for (const [key, p] of [...this.pending]) await this.flush(key, p);
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private partitionKey(batch: Batch): string {
    if (this.keys.length === 0) return batch.signal;
    const metadata = Object.fromEntries(
      Object.entries(batch.client?.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    // unset and empty are different partitions, as in otelcol
    return JSON.stringify([batch.signal, ...this.keys.map((k) => metadata[k] ?? null)]);
  }

  private partition(key: string, batch: Batch): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = new Pending(batch)));
    return p;
  }

  private append(p: Pending, origin: Origin, data: OtlpData, size: number, items: number): void {
    p.parts.push(data);
    p.origins.push(origin);
    p.size += size;
    p.items += items;
    origin.pending++;
  }

  /**
   * The most of `data` that fits in `room`, by the sizer: exact for items; for bytes, a guess
   * from the average item size, halved until it fits. Nothing fits: undefined, unless the batch
   * is empty, when one item goes alone rather than never.
   */
  private cut(ops: OtlpOps, data: OtlpData, items: number, size: number, room: number, empty: boolean) {
    let n = this.opts.config.sizer === 'bytes' ? Math.floor((items * room) / size) : room;
    n = Math.min(n, items - 1);
    for (;;) {
      if (n < 1) {
        if (!empty) return undefined;
        n = 1;
      }
      const [head, rest] = ops.split(data, n);
      const headSize = this.measure(ops, head, n);
      if (headSize <= room || n === 1) return { head, rest, headSize, headItems: n };
      n = Math.floor(n / 2);
    }
  }

  private arm(key: string, p: Pending): void {
    if (p.timer || p.parts.length === 0) return;
    p.timer = setTimeout(() => {
      p.timer = undefined;
      void this.flush(key, p);
    }, this.opts.config.flush_timeout);
  }

  /**
   * Takes the partition's batch out (synchronously, so nothing is added to it after) and sends
   * it once a sender is free. The next request of the partition starts a new one.
   */
  private async flush(key: string, p: Pending): Promise<void> {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (this.pending.get(key) === p) this.pending.delete(key);
    if (p.parts.length === 0) return;
    const ops = OTLP_OPS[p.first.signal as keyof typeof OTLP_OPS];
    const data = p.parts.length === 1 ? p.parts[0] : ops.concat(p.parts);
    await this.dispatch({ ...p.first, data, items: p.items, ack: Ack.none() } as Batch, p.origins);
  }

  /**
   * Sends once a sender is free; resolves when one is (the reader's back-pressure). The batch
   * counts as in flight from now, so close() also waits for one still waiting for a sender.
   */
  private async dispatch(merged: Batch, origins: Origin[]): Promise<void> {
    const acquired = this.slots.acquire() ?? Promise.resolve();
    const run = acquired
      .then(() => this.opts.send(merged))
      .then(async (err) => {
        this.slots.release();
        for (const o of origins) {
          if (err && !o.failure) o.failure = err;
          o.pending--;
          await this.settleIfDone(o);
        }
      });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    await acquired;
  }

  private async settleIfDone(o: Origin): Promise<void> {
    if (o.placed && o.pending === 0) {
      o.pending = -1; // settled once
      await this.opts.finished(o.batch, o.failure);
    }
  }
}
