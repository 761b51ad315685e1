// Socket events into batches, batches into every pipeline that names the receiver. A capture
// cannot be asked to slow down, but a file can and a pipe to dumpcap can (dumpcap buffers, then
// the kernel counts drops): the sender bounds the batches in flight and tells its source when
// to wait. A retryable refusal (memory limit, full queue) is retried with backoff; a permanent
// one drops the batch and counts it.

import type { Consumer, CreateSettings, PipelineSignal } from '@flowtel/core';
import { SocketEventBatch, type SocketEvent } from '@flowtel/pdata';

type Logger = CreateSettings['logger'];

export interface SenderStats {
  sentEvents: number;
  droppedEvents: number;
  batches: number;
}

const MAX_IN_FLIGHT = 4;
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 5000;

export class EventSender {
  readonly stats: SenderStats = { sentEvents: 0, droppedEvents: 0, batches: 0 };
  private batch: SocketEventBatch;
  private readonly inFlight = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];
  private stopping = false;
  private readonly source: string;
  private readonly batchSize: number;
  private readonly consumers: Consumer[];
  private readonly logger: Logger;

  constructor(source: string, batchSize: number, consumers: Partial<Record<PipelineSignal, Consumer>>, logger: Logger) {
    this.source = source;
    this.batchSize = batchSize;
    this.consumers = Object.values(consumers).filter((c): c is Consumer => c !== undefined);
    this.logger = logger;
    this.batch = new SocketEventBatch(source, batchSize);
  }

  /** Adds an event; a full batch leaves at once. */
  add(event: SocketEvent): void {
    this.batch.push(event);
    if (this.batch.count >= this.batchSize) this.flush();
  }

  get pendingEvents(): number {
    return this.batch.count;
  }

  /** Sends the partial batch, if any. */
  flush(): void {
    if (this.batch.count === 0) return;
    const batch = this.batch;
    this.batch = new SocketEventBatch(this.source, this.batchSize);
    const sending = this.send(batch).finally(() => {
      this.inFlight.delete(sending);
      this.wake();
    });
    this.inFlight.add(sending);
  }

  /** True when the source should wait before producing more. */
  get congested(): boolean {
    return this.inFlight.size >= MAX_IN_FLIGHT;
  }

  /** Resolves once fewer batches are in flight than the limit. */
  async ready(): Promise<void> {
    while (this.congested) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Flushes and waits until every batch sent so far was accepted, dropped or given up on. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops retrying: batches still refused are dropped at their next attempt. */
  stop(): void {
    this.stopping = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async send(batch: SocketEventBatch): Promise<void> {
    this.stats.batches++;
    const results = await Promise.all(this.consumers.map((consumer) => this.sendTo(consumer, batch)));
    if (results.every(Boolean)) this.stats.sentEvents += batch.count;
    else this.stats.droppedEvents += batch.count;
  }

  /** One pipeline's answer: true when accepted. */
  private async sendTo(consumer: Consumer, batch: SocketEventBatch): Promise<boolean> {
    let delay = FIRST_RETRY_MS;
    for (;;) {
      try {
        await consumer.consume({ signal: 'socket', data: batch, items: batch.count, transport: 'pcap' });
        return true;
      } catch (err) {
        const retryable = (err as { retryable?: boolean }).retryable !== false;
        if (!retryable || this.stopping) {
          this.logger.warn({ err: String(err), events: batch.count }, 'socket events refused by the pipeline: dropped');
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, (err as { retryAfterMs?: number }).retryAfterMs ?? delay));
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }
}
