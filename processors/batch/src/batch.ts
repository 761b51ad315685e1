import { Observable } from 'rxjs';
import type { OperatorFunction, Subscriber } from 'rxjs';
import { retryable } from '@flowtel/core';
import type { Batch, ClientInfo, CreateSettings, Processor } from '@flowtel/core';
import { Batcher, countItems } from './batcher.ts';
import type { OtlpBatch, Trigger } from './batcher.ts';
import type { BatchConfig } from './config.ts';
import { BatchObs } from './telemetry.ts';

/**
 * otelcol's batch processor as an RxJS stage. Batches of one signal (and one set of
 * metadata values, with `metadata_keys`) are merged until send_batch_size items or the
 * timeout, and cut at send_batch_max_size. Every upstream Ack settles once all of its items
 * have been settled downstream, with the downstream error if any. Socket events pass
 * through untouched: their receivers already batch them.
 */
export class BatchProcessor implements Processor {
  private readonly config: BatchConfig;
  private readonly settings: CreateSettings;
  private readonly obs?: BatchObs;
  /** one per running stage: sends what the stage holds */
  private readonly flushers = new Set<() => void>();
  private partitions = 0;

  constructor(settings: CreateSettings, config: BatchConfig) {
    this.settings = settings;
    this.config = config;
    if (settings.metricsLevel !== 'none') this.obs = new BatchObs(settings.meter, settings.id, () => this.partitions);
  }

  async start(): Promise<void> {}

  /** Sends whatever is held now; the stage stays usable. */
  async shutdown(): Promise<void> {
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
          for (const b of batchers.values()) b.dispose(stopped);
          this.partitions -= batchers.size;
        };
      });
  }

  private accept(batch: Batch, batchers: Map<string, Batcher>, subscriber: Subscriber<Batch>): void {
    if (batch.signal === 'socket') {
      subscriber.next(batch);
      return;
    }
    const items = countItems(batch);
    if (items === 0) {
      batch.ack.resolve();
      return;
    }
    const partition = this.partitionOf(batch.client);
    const key = `${batch.signal}\u0000${partition.key}`;
    let batcher = batchers.get(key);
    if (!batcher) {
      if (this.config.metadata_keys.length > 0 && batchers.size >= this.config.metadata_cardinality_limit) {
        throw retryable('too many batcher metadata-value combinations');
      }
      batcher = new Batcher(batch.signal, partition.client, {
        sendBatchSize: this.config.send_batch_size,
        sendBatchMaxSize: this.config.send_batch_max_size,
        timeoutMs: this.config.timeout,
        emit: (out: Batch, trigger: Trigger) => {
          this.obs?.sent(out.items, trigger);
          subscriber.next(out);
        },
      });
      batchers.set(key, batcher);
      this.partitions++;
    }
    batcher.add(batch as OtlpBatch, items);
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
