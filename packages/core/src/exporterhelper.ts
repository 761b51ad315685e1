// What every exporter shares, as otelcol's exporterhelper: a bounded sending queue with its
// consumers, retries with exponential backoff, a per-attempt timeout, and the exporter metrics.
// An exporter supplies only `push`, one attempt at sending one batch.
import { z } from 'zod';
import type { Batch, PipelineSignal } from './consumer.ts';
import { ConsumerError, asConsumerError, retryable } from './consumer.ts';
import type { CreateSettings, Exporter, Host } from './component.ts';
import { duration } from './config/types.ts';
import { ExporterObs } from './telemetry/obs.ts';

export const sendingQueueSchema = z
  .object({
    enabled: z.boolean().default(true),
    num_consumers: z.number().int().positive().default(10),
    queue_size: z.number().int().positive().default(1000),
    sizer: z.enum(['requests', 'items']).default('requests'),
    block_on_overflow: z.boolean().default(false),
    /** a storage extension id (file_storage): the queue then survives restarts */
    storage: z.string().optional(),
    wait_for_result: z.boolean().default(false),
  })
  .strict();

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
  sending_queue: z.output<typeof sendingQueueSchema>;
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
 * provide one that survives restarts (`storage` in sending_queue).
 */
export interface SendingQueue {
  readonly capacity: number;
  size(): number;
  /** false when full */
  offer(batch: Batch): Promise<boolean>;
  /** the next batch, or undefined once closed and empty */
  take(): Promise<Batch | undefined>;
  /** called after a taken batch is done with, sent or dropped */
  done(batch: Batch): Promise<void>;
  /** no more offers; take() drains what is left */
  close(): Promise<void>;
  /** resolves when the queue has room again */
  waitForRoom(): Promise<void>;
}

/** A storage extension that can back a sending queue. */
export interface QueueStorage {
  createQueue(owner: string, signal: PipelineSignal, capacity: number, weigh: (b: Batch) => number): Promise<SendingQueue>;
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
  private readonly items: Batch[] = [];
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
    const taker = this.waiters.nextTaker();
    if (taker) {
      taker(batch);
      return true;
    }
    const w = this.weigh(batch);
    if (this.used + w > this.capacity) return false;
    this.items.push(batch);
    this.used += w;
    return true;
  }

  take(): Promise<Batch | undefined> {
    const next = this.items.shift();
    if (next) {
      this.used -= this.weigh(next);
      this.waiters.roomFreed();
      return Promise.resolve(next);
    }
    if (this.closed) return Promise.resolve(undefined);
    return this.waiters.waitToTake();
  }

  async done(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.waiters.releaseTakers();
  }

  waitForRoom(): Promise<void> {
    return this.waiters.waitForRoom();
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
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

/** Turns a `push` into an Exporter with otelcol's queue, retry and timeout behaviour. */
export function createQueuedExporter(opts: ExporterHelperOptions): Exporter {
  return new QueuedExporter(opts);
}

class QueuedExporter implements Exporter {
  private readonly opts: ExporterHelperOptions;
  private readonly obs: ExporterObs;
  private queue?: SendingQueue;
  private consumers: Promise<void>[] = [];
  private readonly stopping = new AbortController();
  private started = false;
  private shutdownPromise?: Promise<void>;

  constructor(opts: ExporterHelperOptions) {
    this.opts = opts;
    this.obs = new ExporterObs(opts.settings.meter, opts.settings.id);
  }

  async start(host: Host): Promise<void> {
    const { sending_queue: q } = this.opts.config;
    await this.opts.start?.(host);
    if (q.enabled) {
      const weigh = q.sizer === 'items' ? (b: Batch) => b.items : () => 1;
      if (q.storage) {
        const ext = host.getExtension(q.storage) as Partial<QueueStorage> | undefined;
        if (!ext?.createQueue) throw new Error(`sending_queue::storage: extension "${q.storage}" is not configured or is not a storage extension`);
        this.queue = await ext.createQueue(this.opts.settings.id, this.opts.signals[0] ?? 'traces', q.queue_size, weigh);
      } else {
        this.queue = new MemoryQueue(q.queue_size, weigh);
      }
      const queue = this.queue;
      this.obs.observeQueue(this.opts.signals.join(','), () => queue.size(), queue.capacity);
      for (let i = 0; i < q.num_consumers; i++) this.consumers.push(this.drain(queue));
    }
    this.started = true;
  }

  async consume(batch: Batch): Promise<void> {
    if (!this.started || this.stopping.signal.aborted) throw retryable(`exporter ${this.opts.settings.id} is not running`);
    const queue = this.queue;
    if (!queue) return this.send(batch);
    if (this.opts.config.sending_queue.wait_for_result) {
      // the batch's own Ack is settled by the consumer that sends it
      return this.send(batch);
    }
    while (!(await queue.offer(batch))) {
      if (!this.opts.config.sending_queue.block_on_overflow || this.stopping.signal.aborted) {
        this.obs.recordEnqueueFailed(batch.signal, batch.items);
        throw retryable('sending queue is full');
      }
      await queue.waitForRoom();
    }
  }

  private async drain(queue: SendingQueue): Promise<void> {
    for (let batch = await queue.take(); batch; batch = await queue.take()) {
      try {
        await this.send(batch);
      } catch (err) {
        // cut short by shutdown: a persistent queue keeps it for the next run
        if (this.stopping.signal.aborted) continue;
        this.opts.settings.logger.error(
          { err: (err as Error).message, dropped_items: batch.items },
          'Exporting failed. Dropping data.',
        );
      }
      await queue.done(batch);
    }
  }

  /** Sends with retries; resolves when sent, rejects with the last error when given up. */
  private async send(batch: Batch): Promise<void> {
    const { retry_on_failure: retry, timeout } = this.opts.config;
    const deadline = Date.now() + retry.max_elapsed_time;
    let interval = retry.initial_interval;
    for (;;) {
      let error: ConsumerError;
      try {
        const attempt = timeout > 0 ? AbortSignal.any([AbortSignal.timeout(timeout), this.stopping.signal]) : this.stopping.signal;
        await this.opts.push(batch, attempt);
        this.obs.recordSent(batch.signal, batch.items, true);
        return;
      } catch (err) {
        error = asConsumerError(err);
      }
      const giveUp =
        !error.retryable || !retry.enabled || this.stopping.signal.aborted || (retry.max_elapsed_time > 0 && Date.now() >= deadline);
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
    if (this.queue) {
      await this.queue.close();
      const drained = Promise.all(this.consumers);
      const limit = this.opts.drainTimeoutMs ?? 4000;
      const timer = sleep(limit).then(() => 'timeout' as const);
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
