// The `ebpf` receiver: starts the kernel capture, turns each batch the addon delivers into a
// SocketEventBatch and pushes it into every pipeline that names the receiver. Where capture
// cannot start it says why once and captures nothing, so the rest of the collector runs.
import type { Consumer, CreateSettings, PipelineSignal, Receiver } from '@flowtel/core';
import type { SocketEventBatch } from '@flowtel/pdata';
import type { EbpfConfig } from './config.ts';
import { RecordDecoder } from './decode.ts';
import { CaptureUnavailableError, loadAddon, startNativeCapture, type NativeCapture } from './native.ts';

/** Batches handed to the pipelines and not yet accepted; beyond it new batches are dropped and counted. */
const MAX_PENDING_BATCHES = 64;

export interface EbpfStats {
  /** events the addon delivered */
  delivered: number;
  /** events the kernel programs could not store in the ring buffer */
  lost: number;
  /** events dropped because the pipelines were MAX_PENDING_BATCHES behind */
  dropped: number;
  /** events a pipeline refused */
  refused: number;
}

export class EbpfReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: EbpfConfig;
  private readonly consumers: Consumer[];
  private capture?: NativeCapture;
  private decoder?: RecordDecoder;
  private pending = 0;
  private dropped = 0;
  private refused = 0;
  private lastStats: EbpfStats = { delivered: 0, lost: 0, dropped: 0, refused: 0 };
  private shutdownPromise?: Promise<void>;
  /** why capture is off, when it is */
  unavailable?: CaptureUnavailableError;

  constructor(settings: CreateSettings, config: EbpfConfig, consumers: Partial<Record<PipelineSignal, Consumer>>) {
    this.settings = settings;
    this.config = config;
    this.consumers = Object.values(consumers).filter((c): c is Consumer => c !== undefined);
  }

  async start(): Promise<void> {
    if (this.shutdownPromise) return;
    const { filters } = this.config;
    try {
      this.decoder = new RecordDecoder(loadAddon().eventLayout, 'ebpf');
      this.capture = startNativeCapture(
        {
          selfPid: process.pid,
          payloadLimit: this.config.payload_size,
          ringBufferBytes: this.config.ring_buffer_size,
          batchSize: this.config.batch_size,
          pollIntervalMs: Math.max(1, Math.round(this.config.poll_interval)),
          pidAllow: filters.pids.allow,
          pidDeny: filters.pids.deny,
          commAllow: filters.comms.allow,
          commDeny: filters.comms.deny,
          portAllow: filters.ports.allow,
          portDeny: filters.ports.deny,
        },
        (records, count) => this.onBatch(records, count),
      );
    } catch (err) {
      if (!(err instanceof CaptureUnavailableError)) throw err;
      if (this.config.required) throw err;
      this.unavailable = err;
      this.settings.logger.warn(
        { code: err.code },
        `${this.settings.id}: eBPF capture cannot start, so this receiver captures nothing (the rest of the collector runs): ${err.message}`,
      );
      return;
    }
    this.observeCounters();
    this.settings.logger.info(`${this.settings.id}: capturing socket data with eBPF (payload ${this.config.payload_size} bytes per syscall)`);
  }

  /** Stops capture after delivering what the kernel had already captured. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stopCapture();
    return this.shutdownPromise;
  }

  stats(): EbpfStats {
    if (this.capture) this.lastStats = { ...this.capture.stats(), dropped: this.dropped, refused: this.refused };
    return this.lastStats;
  }

  private async stopCapture(): Promise<void> {
    const capture = this.capture;
    if (!capture) return;
    await capture.stop();
    this.stats();
    this.capture = undefined;
  }

  private onBatch(records: ArrayBuffer, count: number): void {
    if (this.pending >= MAX_PENDING_BATCHES) {
      this.dropped += count;
      return;
    }
    let batch: SocketEventBatch;
    try {
      batch = this.decoder!.decode(records, count);
    } catch (err) {
      // an exception must not reach the addon's callback: Node would treat it as uncaught
      this.settings.logger.error({ err }, `${this.settings.id}: dropped ${count} socket events that could not be decoded`);
      this.dropped += count;
      return;
    }
    // the closures keep the count, not the batch: they wait until the spans made of it are exported
    const events = batch.count;
    for (const consumer of this.consumers) {
      this.pending++;
      consumer.consume({ signal: 'socket', items: events, data: batch, transport: 'ebpf' }).then(
        () => this.pending--,
        () => {
          this.pending--;
          this.refused += events;
        },
      );
    }
  }

  private observeCounters(): void {
    const attributes = { receiver: this.settings.id };
    const { meter } = this.settings;
    const lost = meter.createObservableCounter('flowtel_ebpf_events_lost', {
      description: 'Socket events the kernel programs could not store because the ring buffer was full.',
      unit: '{events}',
    });
    const dropped = meter.createObservableCounter('flowtel_ebpf_events_dropped', {
      description: 'Socket events dropped because the pipelines fell behind.',
      unit: '{events}',
    });
    lost.addCallback((r) => r.observe(this.stats().lost, attributes));
    dropped.addCallback((r) => r.observe(this.stats().dropped, attributes));
  }
}
