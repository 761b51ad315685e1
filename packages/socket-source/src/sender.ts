// Socket events to the pipelines, the same way for every receiver of them (ebpf, pcap). At most
// `maxInFlight` batches wait for the pipelines' answer: a source that can wait (a file, the pipe
// from dumpcap) waits for `ready()`; one that cannot (the kernel's ring buffer) gets `false` from
// `send` and the batch is dropped and counted. The refusal policy: a retryable refusal (memory
// limit, full queue) is retried with backoff, or after the refusal's Retry-After, until the
// receiver stops; a permanent one (or a retryable one at shutdown) drops the batch, counted as
// refused and logged.
import type { Consumer, CreateSettings, PipelineSignal } from '@flowtel/core';
import { SocketEventBatch, type SocketEvent } from '@flowtel/pdata';

export interface SenderStats {
  /** events every pipeline accepted */
  sent: number;
  /** events dropped unsent because `maxInFlight` batches were waiting on the pipelines */
  dropped: number;
  /** events a pipeline refused for good */
  refused: number;
  /** batches sent */
  batches: number;
}

export interface SocketEventSenderOptions {
  settings: CreateSettings;
  /** the receiver's consumers, one per signal of the pipelines that name it */
  consumers: Partial<Record<PipelineSignal, Consumer>>;
  /** `ebpf` or `pcap`: the batches' transport, as the host counts accepted and refused items */
  transport: string;
  /** the source name batches built by `add` carry */
  source: string;
  /** events per batch built by `add` */
  batchSize: number;
  maxInFlight: number;
}

/** The metrics `observe` creates, for the factories' `metrics` lists. */
export const SOCKET_SOURCE_METRICS = ['flowtel_socket_events_dropped', 'flowtel_socket_events_refused'] as const;

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 5000;

export class SocketEventSender {
  readonly stats: SenderStats = { sent: 0, dropped: 0, refused: 0, batches: 0 };
  private readonly opts: SocketEventSenderOptions;
  private readonly consumers: Consumer[];
  private batch: SocketEventBatch;
  private readonly inFlight = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];
  /** aborted by stop(): retries give up and their backoff ends at once */
  private readonly stopping = new AbortController();

  constructor(opts: SocketEventSenderOptions) {
    this.opts = opts;
    this.consumers = Object.values(opts.consumers).filter((c): c is Consumer => c !== undefined);
    this.batch = new SocketEventBatch(opts.source, opts.batchSize);
  }

  /** Adds an event to the batch being built; a full batch leaves at once. */
  add(event: SocketEvent): void {
    this.batch.push(event);
    if (this.batch.count >= this.opts.batchSize) this.flush();
  }

  get pendingEvents(): number {
    return this.batch.count;
  }

  /**
   * Sends the batch being built, if it has events. Never drops: a source that builds batches
   * waits for `ready()` between its chunks, so the bound is passed by a chunk's batches at most.
   */
  flush(): void {
    if (this.batch.count === 0) return;
    const batch = this.batch;
    this.batch = new SocketEventBatch(this.opts.source, this.opts.batchSize);
    this.dispatch(batch);
  }

  /** Hands a batch to every pipeline; false when too many are in flight: it is dropped and counted. */
  send(batch: SocketEventBatch): boolean {
    if (this.congested) {
      this.drop(batch.count);
      return false;
    }
    this.dispatch(batch);
    return true;
  }

  /** Counts events the source dropped unsent (it saw `congested` before building their batch). */
  drop(events: number): void {
    this.stats.dropped += events;
  }

  private dispatch(batch: SocketEventBatch): void {
    const sending = this.deliver(batch).finally(() => {
      this.inFlight.delete(sending);
      this.wake();
    });
    this.inFlight.add(sending);
  }

  /** True when a source that can wait should, before producing more. */
  get congested(): boolean {
    return this.inFlight.size >= this.opts.maxInFlight;
  }

  /** Resolves once fewer batches than the limit are in flight. */
  async ready(): Promise<void> {
    while (this.congested) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Flushes and waits until every batch sent so far was accepted or refused. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops retrying: batches still refused are dropped at their next answer. */
  stop(): void {
    this.stopping.abort();
    this.wake();
  }

  /** The dropped and refused counters, attributed to the receiver. */
  observe(): void {
    const { meter, metricsLevel, id } = this.opts.settings;
    if (metricsLevel === 'none') return;
    const attributes = { receiver: id };
    meter
      .createObservableCounter('flowtel_socket_events_dropped', {
        description: 'Socket events dropped unsent because the pipelines fell behind.',
        unit: '{events}',
      })
      .addCallback((r) => r.observe(this.stats.dropped, attributes));
    meter
      .createObservableCounter('flowtel_socket_events_refused', {
        description: 'Socket events a pipeline refused for good (a permanent refusal, or a retryable one at shutdown).',
        unit: '{events}',
      })
      .addCallback((r) => r.observe(this.stats.refused, attributes));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async deliver(batch: SocketEventBatch): Promise<void> {
    this.stats.batches++;
    // the count, not the batch, outlives the answers: they wait until its spans are exported
    const events = batch.count;
    const results = await Promise.all(this.consumers.map((consumer) => this.deliverTo(consumer, batch)));
    if (results.every(Boolean)) this.stats.sent += events;
    else this.stats.refused += events;
  }

  /** One pipeline's answer: true when it accepted the batch. */
  private async deliverTo(consumer: Consumer, batch: SocketEventBatch): Promise<boolean> {
    let delay = FIRST_RETRY_MS;
    for (;;) {
      try {
        await consumer.consume({ signal: 'socket', data: batch, items: batch.count, transport: this.opts.transport });
        return true;
      } catch (err) {
        const retryable = (err as { retryable?: boolean }).retryable !== false;
        if (!retryable || this.stopping.signal.aborted) {
          this.opts.settings.logger.warn(
            { err: String(err), events: batch.count },
            'socket events refused by the pipeline: dropped',
          );
          return false;
        }
        await sleep((err as { retryAfterMs?: number }).retryAfterMs ?? delay, this.stopping.signal);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }
}

/** Waits `ms`, or less when `signal` aborts (the listener goes when the timer fires). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
