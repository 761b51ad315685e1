import { Observable } from 'rxjs';
import type { OperatorFunction, Subscriber } from 'rxjs';
import { retryable } from '@flowtel/core';
import type { Batch, ClientInfo, ConsumerError, CreateSettings, Processor } from '@flowtel/core';
import { Batcher, countItems } from './batcher.ts';
import type { Trigger } from './batcher.ts';
import type { BatchConfig } from './config.ts';
import { BatchObs } from './telemetry.ts';

/** The shortest time accepts are refused after a retryable downstream refusal (timeout 0). */
const MIN_REFUSAL_MS = 100;
/** The in-flight bound when neither batch size gives one: twice otelcol's default send_batch_size. */
const DEFAULT_MAX_IN_FLIGHT = 2 * 8192;

/**
 * The most items accepted and not yet settled downstream: two outgoing batches' worth, what
 * otelcol's batch processor holds (one batch exporting, one filling) before its callers block.
 */
export function maxInFlightItems(config: Pick<BatchConfig, 'send_batch_size' | 'send_batch_max_size'>): number {
  const size = Math.max(config.send_batch_size, config.send_batch_max_size);
  return size > 0 ? 2 * size : DEFAULT_MAX_IN_FLIGHT;
}

/**
 * otelcol's batch processor as an RxJS stage. Batches of one signal (and one set of
 * metadata values, with `metadata_keys`) are merged until send_batch_size items or the
 * timeout, and cut at send_batch_max_size. As otelcol's, it acknowledges a batch upstream
 * once it holds it, so a client never waits for the timeout or a backend; what fails
 * downstream after that is logged once per outgoing batch (and counted by the pipeline's
 * processor metrics). Back-pressure reaches clients as refusals on accept: beyond a bound on
 * the items accepted and not yet settled downstream (a stalled exporter), and for a while after
 * a retryable downstream refusal (a full sending queue, a stopping exporter), which the bound
 * cannot see since the refused data no longer waits.
 * With `wait_for_result` every upstream Ack instead settles once all of its items have
 * settled downstream, with the downstream error if any. Socket events pass through
 * untouched: their receivers already batch them.
 */
export class BatchProcessor implements Processor {
  private readonly config: BatchConfig;
  private readonly settings: CreateSettings;
  private readonly obs?: BatchObs;
  /** one per running stage: sends what the stage holds */
  private readonly flushers = new Set<() => void>();
  private partitions = 0;
  private stopping = false;
  /** items accepted and not yet settled downstream, and the most it may be */
  private inFlight = 0;
  private readonly maxInFlight: number;
  /** until when accepts are refused after a retryable downstream refusal, and why */
  private refusingUntil = 0;
  private refusal?: ConsumerError;

  constructor(settings: CreateSettings, config: BatchConfig) {
    this.settings = settings;
    this.config = config;
    this.maxInFlight = maxInFlightItems(config);
    if (settings.metricsLevel !== 'none') this.obs = new BatchObs(settings.meter, settings.id, () => this.partitions);
  }

  async start(): Promise<void> {}

  /** Sends whatever is held now and refuses what comes after. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const flush of this.flushers) flush();
  }

  operator(): OperatorFunction<Batch, Batch> {
    return (source) =>
      new Observable<Batch>((subscriber) => {
        const batchers = new Map<string, Batcher>();
        const flushAll = () => {
          for (const b of batchers.values()) b.flush();
        };
        this.flushers.add(flushAll);
        const subscription = source.subscribe({
          next: (batch) => {
            try {
              this.accept(batch, batchers, subscriber);
            } catch (err) {
              this.settings.logger.error({ err: (err as Error).message }, 'batch processor failed on a batch');
              batch.ack.reject(err);
            }
          },
          error: (err) => {
            flushAll();
            subscriber.error(err);
          },
          complete: () => {
            flushAll();
            subscriber.complete();
          },
        });
        return () => {
          subscription.unsubscribe();
          this.flushers.delete(flushAll);
          const stopped = retryable('batch processor stopped before the data was sent');
          let lost = 0;
          for (const b of batchers.values()) {
            this.inFlight -= b.holding;
            lost += b.dispose(stopped);
          }
          this.partitions -= batchers.size;
          if (lost > 0)
            this.settings.logger.error(
              { dropped_items: lost },
              'Batch processor stopped with data it had acknowledged. Dropping data.',
            );
        };
      });
  }

  private accept(batch: Batch, batchers: Map<string, Batcher>, subscriber: Subscriber<Batch>): void {
    // profiles never come here (otelcol's batch processor does not take them: see the factory)
    if (batch.signal === 'socket' || batch.signal === 'profiles') {
      subscriber.next(batch);
      return;
    }
    const items = countItems(batch);
    if (items === 0) {
      batch.ack.resolve();
      return;
    }
    if (this.stopping) {
      batch.ack.reject(retryable('the batch processor is shutting down'));
      return;
    }
    if (this.refusal && Date.now() < this.refusingUntil) {
      const { message, retryAfterMs } = this.refusal;
      batch.ack.reject(retryable(`the pipeline is refusing data: ${message}`, { retryAfterMs }));
      return;
    }
    // one batch bigger than the bound is taken when nothing else waits, or it never would be
    if (this.inFlight > 0 && this.inFlight + items > this.maxInFlight) {
      batch.ack.reject(
        retryable(
          `the batch processor holds ${this.inFlight} items not yet delivered downstream (at most ${this.maxInFlight})`,
        ),
      );
      return;
    }
    const partition = this.partitionOf(batch.client);
    const key = `${batch.signal}\u0000${partition.key}`;
    let batcher = batchers.get(key);
    if (!batcher) {
      if (this.config.metadata_keys.length > 0 && batchers.size >= this.config.metadata_cardinality_limit) {
        batch.ack.reject(retryable('too many batcher metadata-value combinations'));
        return;
      }
      batcher = new Batcher(batch.signal, partition.client, {
        sendBatchSize: this.config.send_batch_size,
        sendBatchMaxSize: this.config.send_batch_max_size,
        timeoutMs: this.config.timeout,
        emit: (out: Batch, trigger: Trigger) => {
          this.obs?.sent(out.items, trigger);
          subscriber.next(out);
        },
        settled: (sent, err) => {
          this.inFlight -= sent;
          if (err && !this.config.wait_for_result) this.dropped(sent, err);
        },
      });
      batchers.set(key, batcher);
      this.partitions++;
    }
    this.inFlight += items;
    if (this.config.wait_for_result) {
      batcher.add(batch.data, items, batch.ack);
    } else {
      batcher.add(batch.data, items);
      batch.ack.resolve();
    }
  }

  /**
   * An outgoing batch failed after its data was acknowledged upstream: nobody else will say
   * so. A retryable refusal means the pipeline cannot take more now, so accepts are refused
   * for a while: the clients' retries are the back-pressure otelcol gets from blocking.
   */
  private dropped(items: number, err: ConsumerError): void {
    this.settings.logger.error(
      { err: err.message, exporter: err.origin, dropped_items: items },
      'Sender failed. Dropping data.',
    );
    if (err.retryable) {
      this.refusal = err;
      this.refusingUntil = Date.now() + (err.retryAfterMs ?? Math.max(this.config.timeout, MIN_REFUSAL_MS));
    }
  }

  /** The metadata_keys values of a client: the partition key and the client info the merged batch carries. */
  private partitionOf(client: ClientInfo | undefined): { key: string; client?: ClientInfo } {
    const keys = this.config.metadata_keys;
    if (keys.length === 0) return { key: '' };
    const metadata: Record<string, string[]> = {};
    const source = Object.entries(client?.metadata ?? {});
    for (const key of keys) {
      const lower = key.toLowerCase();
      const values = source.find(([k]) => k.toLowerCase() === lower)?.[1];
      if (values && values.length > 0) metadata[key] = values;
    }
    return { key: JSON.stringify(keys.map((k) => metadata[k] ?? [])), client: { metadata } };
  }
}
