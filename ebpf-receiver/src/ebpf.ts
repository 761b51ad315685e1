// The `ebpf` receiver: starts the kernel capture, turns each batch the addon delivers into a
// SocketEventBatch and pushes it into every pipeline that names the receiver. Where capture
// cannot start it says why once and captures nothing, so the rest of the collector runs.
import { realpathSync } from 'node:fs';
import type { Consumer, CreateSettings, PipelineSignal, Receiver } from '@flowtel/core';
import type { SocketEventBatch } from '@flowtel/pdata';
import { SocketEventSender } from '@flowtel/socket-source';
import type { EbpfConfig } from './config.ts';
import { RecordDecoder } from './decode.ts';
import {
  type CaptureUnavailableError,
  loadAddon,
  startNativeCapture,
  type NativeCapture,
  unavailableOrThrow,
} from './native.ts';

/** A file's own path, as the addon names the TLS files it attached. */
function resolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Batches handed to the pipelines and not yet answered; beyond it new batches are dropped and counted. */
const MAX_IN_FLIGHT = 64;

export interface EbpfStats {
  /** events the addon delivered */
  delivered: number;
  /** events the kernel programs could not store in the ring buffer */
  lost: number;
  /** events dropped because the pipelines were MAX_IN_FLIGHT batches behind */
  dropped: number;
  /** events a pipeline refused for good */
  refused: number;
  /** TLS plaintext not reported because the socket under it could not be told */
  tlsUnbound: number;
}

export class EbpfReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: EbpfConfig;
  private readonly sender: SocketEventSender;
  private capture?: NativeCapture;
  private decoder?: RecordDecoder;
  private lastStats: EbpfStats = { delivered: 0, lost: 0, dropped: 0, refused: 0, tlsUnbound: 0 };
  private shutdownPromise?: Promise<void>;
  /** why capture is off, when it is */
  unavailable?: CaptureUnavailableError;

  constructor(settings: CreateSettings, config: EbpfConfig, consumers: Partial<Record<PipelineSignal, Consumer>>) {
    this.settings = settings;
    this.config = config;
    // the kernel cannot be asked to wait: batches beyond the bound are dropped (counted)
    this.sender = new SocketEventSender({
      settings,
      consumers,
      transport: 'ebpf',
      source: 'ebpf',
      batchSize: config.batch_size,
      maxInFlight: MAX_IN_FLIGHT,
    });
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
          tls: this.config.tls.enabled,
          tlsPaths: this.config.tls.paths,
          tlsRescanMs: Math.round(this.config.tls.rescan_interval),
          tcp: this.config.tcp.enabled,
          tcpZeroWindow: this.config.tcp.zero_window,
        },
        (records, count) => this.onBatch(records, count),
      );
    } catch (err) {
      this.unavailable = unavailableOrThrow(
        err,
        this.config.required,
        this.settings.logger,
        this.settings.id,
        'eBPF capture cannot start, so this receiver captures nothing',
      );
      return;
    }
    this.observeCounters();
    this.settings.logger.info(
      `${this.settings.id}: capturing socket data with eBPF (payload ${this.config.payload_size} bytes per syscall)`,
    );
    if (this.config.tls.enabled) {
      const targets = this.capture.tlsTargets();
      this.settings.logger.info(
        { tlsTargets: targets },
        `${this.settings.id}: TLS plaintext from OpenSSL in ${targets.length} files: ${targets.join(', ') || 'none found yet'}`,
      );
      for (const path of this.config.tls.paths) {
        if (targets.includes(resolved(path))) continue;
        this.settings.logger.warn(
          `${this.settings.id}: tls.paths: ${path} is not attached: it does not exist or exports no SSL_read/SSL_write (not OpenSSL)`,
        );
      }
    }
  }

  /** Stops capture after delivering what the kernel had already captured. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stopCapture();
    return this.shutdownPromise;
  }

  stats(): EbpfStats {
    if (this.capture)
      this.lastStats = {
        ...this.capture.stats(),
        dropped: this.sender.stats.dropped,
        refused: this.sender.stats.refused,
      };
    return this.lastStats;
  }

  private async stopCapture(): Promise<void> {
    const capture = this.capture;
    if (!capture) return;
    await capture.stop();
    // refusals of what was handed on before the stop are final now
    this.sender.stop();
    this.stats();
    this.capture = undefined;
  }

  private onBatch(records: ArrayBuffer, count: number): void {
    // dropped before decoding: the pipelines are behind, and decoding would only add to the load
    if (this.sender.congested) return this.sender.drop(count);
    let batch: SocketEventBatch;
    try {
      batch = this.decoder!.decode(records, count);
    } catch (err) {
      // an exception must not reach the addon's callback: Node would treat it as uncaught
      this.settings.logger.error(
        { err },
        `${this.settings.id}: dropped ${count} socket events that could not be decoded`,
      );
      return this.sender.drop(count);
    }
    this.sender.send(batch);
  }

  private observeCounters(): void {
    this.sender.observe();
    this.settings.meter
      .createObservableCounter('flowtel_ebpf_events_lost', {
        description: 'Socket events the kernel programs could not store because the ring buffer was full.',
        unit: '{events}',
      })
      .addCallback((r) => r.observe(this.stats().lost, { receiver: this.settings.id }));
    this.settings.meter
      .createObservableCounter('flowtel_ebpf_tls_unbound', {
        description: 'TLS plaintext the uprobes saw but did not report because the socket under it could not be told.',
        unit: '{events}',
      })
      .addCallback((r) => r.observe(this.stats().tlsUnbound, { receiver: this.settings.id }));
  }
}
