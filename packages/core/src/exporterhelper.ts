// What every exporter shares, as otelcol's exporterhelper: a bounded sending queue with its
// consumers, optional batching in the queue, retries with exponential backoff, a per-attempt
// timeout, and the exporter metrics. An exporter supplies only `push`, one attempt at sending
// one batch.
//
// Acknowledgement is otelcol's: a request is answered once it is in the queue (or refused on
// accept: full queue, shutdown, too large), and what fails later is logged and counted, never
// silent. `wait_for_result` answers only once the request is exported. A request holds its room
// in the queue (and its file, with `storage`) until every batch carrying part of it is done.
import { z } from 'zod';
import { OTLP_OPS } from '@flowtel/pdata';
import type { Batch, PipelineSignal } from './consumer.ts';
import { type ConsumerError, asConsumerError, permanent, retryable } from './consumer.ts';
import type { CreateSettings, Exporter, Host } from './component.ts';
import { duration } from './config/types.ts';
import { ExporterObs } from './telemetry/obs.ts';
import { QueueBatcher } from './queuebatch.ts';

/** How the queue and its batches are measured: requests, items (spans, points, records), protobuf bytes. */
export const SIZERS = ['requests', 'items', 'bytes'] as const;
export type SizerType = (typeof SIZERS)[number];

const batchSchema = z
  .object({
    flush_timeout: duration().default('200ms'),
    min_size: z.number().int().default(8192),
    max_size: z.number().int().default(0),
    /** unset: the queue's sizer when the queue's is set and `batch` is not empty, else items */
    sizer: z.enum(SIZERS).optional(),
    partition: z
      .object({ metadata_keys: z.array(z.string()).default([]) })
      .strict()
      .default({}),
  })
  .strict();

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const sendingQueueSchema = z
  .preprocess(
    // otelcol's Unmarshal: a non-empty `batch` without a sizer of its own measures with the
    // queue's sizer when that one is set; `batch: {}` keeps the default (items).
    (raw) =>
      isRecord(raw) &&
      raw.sizer !== undefined &&
      isRecord(raw.batch) &&
      Object.keys(raw.batch).length > 0 &&
      raw.batch.sizer === undefined
        ? { ...raw, batch: { ...raw.batch, sizer: raw.sizer } }
        : raw,
    z
      .object({
        enabled: z.boolean().default(true),
        num_consumers: z.number().int().default(10),
        queue_size: z.number().int().default(1000),
        sizer: z.enum(SIZERS).default('requests'),
        block_on_overflow: z.boolean().optional(),
        /** removed from otelcol in v0.128 in favour of block_on_overflow; deployed configs still carry it */
        blocking: z.boolean().optional(),
        /** a storage extension id (file_storage): the queue then survives restarts */
        storage: z.string().optional(),
        wait_for_result: z.boolean().default(false),
        /** absent: no batching in the queue (otelcol's default) */
        batch: batchSchema.optional(),
      })
      .strict(),
  )
  .superRefine((q, ctx) => {
    // otelcol's Validate, with its messages
    const fail = (message: string, path: string[] = []) => ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });
    if (!q.enabled) return;
    if (q.num_consumers <= 0) fail('`num_consumers` must be positive', ['num_consumers']);
    if (q.queue_size <= 0) fail('`queue_size` must be positive', ['queue_size']);
    if (q.storage !== undefined && q.wait_for_result)
      fail('`wait_for_result` is not supported with a persistent queue configured with `storage`', ['wait_for_result']);
    const b = q.batch;
    if (!b) return;
    const sizer = b.sizer ?? 'items';
    if (sizer === 'requests')
      fail(`\`batch\` supports only \`items\` or \`bytes\` sizer, found "requests"`, ['batch', 'sizer']);
    if (b.flush_timeout <= 0) fail('`flush_timeout` must be positive', ['batch', 'flush_timeout']);
    if (b.min_size < 0) fail(`\`min_size\` must be non-negative, found ${b.min_size}`, ['batch', 'min_size']);
    if (b.max_size < 0) fail(`\`max_size\` must be non-negative, found ${b.max_size}`, ['batch', 'max_size']);
    if (b.max_size > 0 && b.max_size < b.min_size)
      fail(`\`max_size\` (${b.max_size}) must be greater or equal to \`min_size\` (${b.min_size})`, [
        'batch',
        'max_size',
      ]);
    if (sizer === q.sizer && b.min_size > q.queue_size)
      fail('`min_size` must be less than or equal to `queue_size`', ['batch', 'min_size']);
    const keys = b.partition.metadata_keys.map((k) => k.toLowerCase());
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup !== undefined)
      fail(`duplicate entry in metadata_keys: "${dup}" (case-insensitive)`, ['batch', 'partition', 'metadata_keys']);
  })
  .transform((q) => ({
    ...q,
    block_on_overflow: q.block_on_overflow ?? q.blocking ?? false,
    batch: q.batch && { ...q.batch, sizer: q.batch.sizer ?? ('items' as const) },
  }));

export type SendingQueueConfig = z.output<typeof sendingQueueSchema>;

export const retrySchema = z
  .object({
    enabled: z.boolean().default(true),
    initial_interval: duration().default('5s'),
    randomization_factor: z.number().min(0).max(1).default(0.5),
    multiplier: z.number().min(1).default(1.5),
    max_interval: duration().default('30s'),
    max_elapsed_time: duration().default('300s'),
  })
  .strict();

/** Spread into an exporter's config object: `z.object({ ...exporterHelperShape, endpoint: ... })`. */
export const exporterHelperShape = {
  timeout: duration().default('5s'),
  sending_queue: sendingQueueSchema.default({}),
  retry_on_failure: retrySchema.default({}),
};

export interface ExporterHelperConfig {
  timeout: number;
  sending_queue: SendingQueueConfig;
  retry_on_failure: z.output<typeof retrySchema>;
}

/** For exporters that otelcol gives no queue, no retry and no timeout (debug, file). */
export const DIRECT_EXPORT: ExporterHelperConfig = Object.freeze({
  timeout: 0,
  sending_queue: sendingQueueSchema.parse({ enabled: false }),
  retry_on_failure: retrySchema.parse({ enabled: false }),
});

/** One attempt at sending. Throw a ConsumerError: permanent ones are not retried. */
export type Push = (batch: Batch, signal: AbortSignal) => Promise<void>;

/**
 * Where queued batches wait. The in-memory queue is the default; a storage extension can
 * provide one that survives restarts (`storage` in sending_queue). A batch counts against the
 * capacity from its offer until it is done, as in otelcol: taken batches still being sent (or
 * waiting in the queue's batcher) hold their room.
 */
export interface SendingQueue {
  readonly capacity: number;
  /** what it holds survives a restart: shutdown keeps what it could not send instead of dropping it */
  readonly persistent?: boolean;
  size(): number;
  /** false when full or closed */
  offer(batch: Batch): Promise<boolean>;
  /** the next batch, or undefined once closed and empty */
  take(): Promise<Batch | undefined>;
  /** called after a taken batch is done with, sent or dropped: frees its room */
  done(batch: Batch): Promise<void>;
  /** no more offers; take() drains what is left; producers waiting for room wake up */
  close(): Promise<void>;
  /** resolves when the queue has room again (or closes) */
  waitForRoom(): Promise<void>;
}

/** A storage extension that can back a sending queue. */
export interface QueueStorage {
  createQueue(
    owner: string,
    signal: PipelineSignal,
    capacity: number,
    weigh: (b: Batch) => number,
  ): Promise<SendingQueue>;
}

/**
 * The consumers waiting for a batch and the producers waiting for room: what every
 * SendingQueue keeps beside its storage.
 */
export class QueueWaiters {
  private takers: Array<(b: Batch | undefined) => void> = [];
  private roomWaiters: Array<() => void> = [];

  /** A consumer already waiting, to hand a new batch to directly. */
  nextTaker(): ((b: Batch) => void) | undefined {
    return this.takers.shift();
  }

  waitToTake(): Promise<Batch | undefined> {
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** The queue closed and is empty: every waiting consumer gets undefined. */
  releaseTakers(): void {
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  roomFreed(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  waitForRoom(): Promise<void> {
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }
}

export class MemoryQueue implements SendingQueue {
  readonly capacity: number;
  readonly persistent = false;
  private readonly items: Batch[] = [];
  /** the weight of every batch offered and not yet done, waiting or taken */
  private readonly weights = new Map<Batch, number>();
  private used = 0;
  private closed = false;
  private readonly weigh: (b: Batch) => number;
  private readonly waiters = new QueueWaiters();

  constructor(capacity: number, weigh: (b: Batch) => number) {
    this.capacity = capacity;
    this.weigh = weigh;
  }

  size(): number {
    return this.used;
  }

  async offer(batch: Batch): Promise<boolean> {
    if (this.closed) return false;
    const w = this.weigh(batch);
    if (this.used + w > this.capacity) return false;
    this.used += w;
    this.weights.set(batch, w);
    const taker = this.waiters.nextTaker();
    if (taker) taker(batch);
    else this.items.push(batch);
    return true;
  }

  take(): Promise<Batch | undefined> {
    const next = this.items.shift();
    if (next) return Promise.resolve(next);
    if (this.closed) return Promise.resolve(undefined);
    return this.waiters.waitToTake();
  }

  async done(batch: Batch): Promise<void> {
    const w = this.weights.get(batch);
    if (w === undefined) return;
    this.weights.delete(batch);
    this.used -= w;
    this.waiters.roomFreed();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.releaseTakers();
    this.waiters.roomFreed();
  }

  waitForRoom(): Promise<void> {
    return this.waiters.waitForRoom();
  }
}

/** otelcol's sizers: a request counts 1, its items, or the bytes of its protobuf encoding. */
export function sizerOf(type: SizerType): (b: Batch) => number {
  if (type === 'requests') return () => 1;
  if (type === 'items') return (b) => b.items;
  // an encode per measure is the cost otelcol warns of; measured once per batch
  const memo = new WeakMap<Batch, number>();
  return (b) => {
    let n = memo.get(b);
    if (n === undefined) {
      n = b.signal === 'socket' ? 0 : OTLP_OPS[b.signal].bytes(b.data);
      memo.set(b, n);
    }
    return n;
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export interface ExporterHelperOptions {
  settings: CreateSettings;
  config: ExporterHelperConfig;
  signals: PipelineSignal[];
  push: Push;
  start?: (host: Host) => Promise<void>;
  /** after the queue has drained */
  shutdown?: () => Promise<void>;
  /** how long shutdown waits for the queue to drain before dropping (counted) what is left */
  drainTimeoutMs?: number;
}

/** Turns a `push` into an Exporter with otelcol's queue, batching, retry and timeout behaviour. */
export function createQueuedExporter(opts: ExporterHelperOptions): Exporter {
  return new QueuedExporter(opts);
}

class QueuedExporter implements Exporter {
  private readonly opts: ExporterHelperOptions;
  private readonly obs: ExporterObs;
  private queue?: SendingQueue;
  private sizeOf: (b: Batch) => number = () => 1;
  /** the queue's consumers: its drain loops, or the one loop feeding its batcher */
  private consumers: Promise<void>[] = [];
  /** wait_for_result: how to answer each queued request once it is exported */
  private readonly results = new WeakMap<Batch, (err: ConsumerError | undefined) => void>();
  private readonly stopping = new AbortController();
  private closing = false;
  private started = false;
  private shutdownPromise?: Promise<void>;

  constructor(opts: ExporterHelperOptions) {
    this.opts = opts;
    this.obs = new ExporterObs(opts.settings.meter, opts.settings.id);
  }

  async start(host: Host): Promise<void> {
    const q = this.opts.config.sending_queue;
    await this.opts.start?.(host);
    if (q.enabled) {
      if (q.blocking !== undefined)
        this.opts.settings.logger.warn(
          'sending_queue::blocking is deprecated (removed from otelcol): use sending_queue::block_on_overflow',
        );
      this.sizeOf = sizerOf(q.sizer);
      if (q.storage) {
        const ext = host.getExtension(q.storage) as Partial<QueueStorage> | undefined;
        if (!ext?.createQueue)
          throw new Error(
            `sending_queue::storage: extension "${q.storage}" is not configured or is not a storage extension`,
          );
        this.queue = await ext.createQueue(
          this.opts.settings.id,
          this.opts.signals[0] ?? 'traces',
          q.queue_size,
          this.sizeOf,
        );
      } else {
        this.queue = new MemoryQueue(q.queue_size, this.sizeOf);
      }
      const queue = this.queue;
      this.obs.observeQueue(this.opts.signals.join(','), () => queue.size(), queue.capacity);
      if (q.batch) {
        // as otelcol without a partitioner: one consumer feeds the batcher, num_consumers send
        const batcher = new QueueBatcher({
          config: q.batch,
          workers: q.num_consumers,
          send: (b) => this.export(queue, b),
          finished: (origin, err) => this.finish(queue, origin, err),
        });
        this.consumers.push(this.feed(queue, batcher));
      } else {
        for (let i = 0; i < q.num_consumers; i++) this.consumers.push(this.drain(queue));
      }
    }
    this.started = true;
  }

  async consume(batch: Batch): Promise<void> {
    if (!this.started || this.closing) throw retryable(`exporter ${this.opts.settings.id} is not running`);
    const queue = this.queue;
    if (!queue) return this.send(batch);
    const q = this.opts.config.sending_queue;
    const size = this.sizeOf(batch);
    // otelcol ignores empty requests (OTLP's empty envelopes)
    if (size === 0) return;
    if (size > queue.capacity) {
      this.obs.recordEnqueueFailed(batch.signal, batch.items);
      throw permanent(
        `request of ${size} ${q.sizer} can never fit in the sending queue (queue_size ${queue.capacity})`,
      );
    }
    const result = q.wait_for_result
      ? new Promise<void>((resolve, reject) => this.results.set(batch, (err) => (err ? reject(err) : resolve())))
      : undefined;
    while (!(await queue.offer(batch))) {
      if (!q.block_on_overflow || this.closing) {
        this.results.delete(batch);
        this.obs.recordEnqueueFailed(batch.signal, batch.items);
        throw retryable(this.closing ? `exporter ${this.opts.settings.id} is shutting down` : 'sending queue is full');
      }
      await queue.waitForRoom();
    }
    return result;
  }

  private async drain(queue: SendingQueue): Promise<void> {
    for (let batch = await queue.take(); batch; batch = await queue.take())
      await this.finish(queue, batch, await this.export(queue, batch));
  }

  private async feed(queue: SendingQueue, batcher: QueueBatcher): Promise<void> {
    for (let batch = await queue.take(); batch; batch = await queue.take()) await batcher.add(batch);
    await batcher.close();
  }

  /** One batch out of the queue, sent with retries; a failure is logged here, once per batch. */
  private async export(queue: SendingQueue, batch: Batch): Promise<ConsumerError | undefined> {
    try {
      await this.send(batch);
      return undefined;
    } catch (err) {
      const error = asConsumerError(err);
      if (this.keepsForNextRun(queue)) {
        this.opts.settings.logger.info(
          { err: error.message, items: batch.items },
          'Exporting cut short by shutdown; the persistent queue keeps the data for the next run.',
        );
      } else {
        this.opts.settings.logger.error(
          { err: error.message, dropped_items: batch.items },
          'Exporting failed. Dropping data.',
        );
      }
      return error;
    }
  }

  /** Shutdown cut a send short and the queue is on disk: leave the batch there. */
  private keepsForNextRun(queue: SendingQueue): boolean {
    return this.stopping.signal.aborted && queue.persistent === true;
  }

  /** A request taken from the queue is done with: answer a waiting client, free its room. */
  private async finish(queue: SendingQueue, batch: Batch, err: ConsumerError | undefined): Promise<void> {
    const answer = this.results.get(batch);
    this.results.delete(batch);
    answer?.(err);
    if (err && this.keepsForNextRun(queue)) return;
    await queue.done(batch);
  }

  /** Sends with retries; resolves when sent, rejects with the last error when given up. */
  private async send(batch: Batch): Promise<void> {
    const { retry_on_failure: retry, timeout } = this.opts.config;
    const deadline = Date.now() + retry.max_elapsed_time;
    let interval = retry.initial_interval;
    for (;;) {
      let error: ConsumerError;
      // a referenced timer, unlike AbortSignal.timeout's: an attempt in flight keeps node running
      const deadlineTimer = new AbortController();
      const cutoff =
        timeout > 0
          ? setTimeout(() => deadlineTimer.abort(new DOMException('export attempt timed out', 'TimeoutError')), timeout)
          : undefined;
      try {
        const attempt = cutoff ? AbortSignal.any([deadlineTimer.signal, this.stopping.signal]) : this.stopping.signal;
        await this.opts.push(batch, attempt);
        this.obs.recordSent(batch.signal, batch.items, true);
        return;
      } catch (err) {
        error = asConsumerError(err);
      } finally {
        clearTimeout(cutoff);
      }
      const giveUp =
        !error.retryable ||
        !retry.enabled ||
        this.stopping.signal.aborted ||
        (retry.max_elapsed_time > 0 && Date.now() >= deadline);
      if (giveUp) {
        this.obs.recordSent(batch.signal, batch.items, false);
        throw error;
      }
      const jitter = 1 + retry.randomization_factor * (2 * Math.random() - 1);
      const wait = Math.max(error.retryAfterMs ?? 0, Math.min(interval * jitter, retry.max_interval));
      this.opts.settings.logger.info(
        { err: error.message, interval: `${Math.round(wait)}ms` },
        'Exporting failed. Will retry the request after interval.',
      );
      await sleep(wait, this.stopping.signal);
      interval = Math.min(interval * retry.multiplier, retry.max_interval);
    }
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.closing = true;
    if (this.queue) {
      await this.queue.close();
      const drained = Promise.all(this.consumers);
      const limit = this.opts.drainTimeoutMs ?? 4000;
      const timer = sleep(limit, this.stopping.signal).then(() => 'timeout' as const);
      if ((await Promise.race([drained.then(() => 'drained' as const), timer])) === 'timeout') {
        this.opts.settings.logger.warn(`sending queue did not drain within ${limit}ms; stopping retries`);
      }
      this.stopping.abort();
      await drained;
    } else {
      this.stopping.abort();
    }
    await this.opts.shutdown?.();
  }
}
