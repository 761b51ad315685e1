// The `pcap` receiver: socket events from a capture file (replayed fast or in real time) or a
// live interface, into every pipeline that names it. With exit_on_eof it asks the host to shut
// down once the file is replayed and the pipelines accepted everything it emitted.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve as resolvePath } from 'node:path';
import type { CreateSettings, Host, Receiver, Consumers } from '@flowtel/core';
import type { SocketEvent } from '@flowtel/pdata';
import { SocketEventSender } from '@flowtel/socket-source';
import { CaptureParser, CaptureFormatError } from './capture-format.ts';
import type { PcapReceiverConfig } from './config.ts';
import { observeCapture } from './capture-metrics.ts';
import { LiveCapture } from './live-capture.ts';
import { Pacer } from './pacer.ts';
import { CaptureReader, type CaptureStats } from './read-capture.ts';

/** What the host may offer to let a component end the collector. */
export interface ShutdownRequester {
  requestShutdown?: (reason: string) => void;
}

export interface PcapReceiverOptions {
  /**
   * Called with exit_on_eof once the replay is done and acknowledged. Defaults to the host's
   * `requestShutdown` if it has one, else SIGTERM to this process (which the collector's
   * signal handling turns into a graceful shutdown).
   */
  requestShutdown?: (reason: string) => void;
}

export interface ReplaySummary {
  stats: CaptureStats;
  /** events every pipeline accepted */
  sentEvents: number;
  /** events a pipeline refused for good (a replay waits for the pipelines, so none is dropped unsent) */
  refusedEvents: number;
  /** the error that ended the replay early (corrupt or truncated file) */
  error?: Error;
}

const FILE_CHUNK_BYTES = 1024 * 1024;
/** batches waiting on the pipelines before the file or dumpcap waits */
const MAX_IN_FLIGHT = 4;
const PROBE_BYTES = 64 * 1024;

export class PcapReceiver implements Receiver {
  /** settles when a file replay ended and every batch was answered (never, for live capture) */
  readonly finished: Promise<ReplaySummary>;
  private resolveFinished!: (summary: ReplaySummary) => void;
  private readonly settings: CreateSettings;
  private readonly config: PcapReceiverConfig;
  private readonly options: PcapReceiverOptions;
  private readonly sender: SocketEventSender;
  private reader?: CaptureReader;
  private capture?: LiveCapture;
  private flushTimer?: NodeJS.Timeout;
  private keepAlive?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly stop = new AbortController();
  private readonly pacedQueue: SocketEvent[] = [];
  private started = false;

  constructor(
    settings: CreateSettings,
    config: PcapReceiverConfig,
    consumers: Consumers,
    options: PcapReceiverOptions = {},
  ) {
    this.settings = settings;
    this.config = config;
    this.options = options;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.sender = new SocketEventSender({
      settings,
      consumers,
      transport: 'pcap',
      source: settings.id,
      batchSize: config.batch_size,
      maxInFlight: MAX_IN_FLIGHT,
    });
    observeCapture(settings, () => this.stats);
    this.sender.observe();
  }

  async start(host: Host): Promise<void> {
    if (this.started) return;
    this.started = true;
    const sender = this.sender;
    // paced replay holds events until their moment; otherwise they go straight into batches
    const paced = this.config.pacing === 'realtime' ? this.pacedQueue : undefined;
    this.reader = new CaptureReader((e) => (paced ? paced.push(e) : sender.add(e)), {
      perspective: this.config.perspective,
      roles: this.config.roles,
      reassemble: this.config.reassemble,
      maxOutOfOrderBytes: this.config.max_out_of_order_bytes,
      maxConnections: this.config.max_connections,
    });
    if (this.config.file !== undefined) {
      const path = resolvePath(this.settings.configDir, this.config.file);
      await checkCaptureFile(path);
      this.running = this.replay(path, host);
    } else {
      await this.startLive(this.config.interface!);
    }
    // Signal listeners do not keep node running: once a replay is done nothing else might, and
    // the collector would end before it heard the shutdown request, or while it should idle.
    if (!this.stopping) this.keepAlive = setInterval(() => {}, 1 << 30);
  }

  /** what the capture held so far: frames, packets, skipped frames by reason, connections */
  get stats(): CaptureStats | undefined {
    return this.reader?.stats;
  }

  async shutdown(): Promise<void> {
    if (!this.stop.signal.aborted) {
      this.stop.abort();
      clearInterval(this.keepAlive);
      clearInterval(this.flushTimer);
      this.capture?.stop();
      this.sender.stop();
    }
    await this.running;
  }

  private get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  private async replay(path: string, host: Host): Promise<void> {
    const reader = this.reader!;
    const sender = this.sender;
    const pacer = this.config.pacing === 'realtime' ? new Pacer() : undefined;
    let error: Error | undefined;
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES })) {
        if (this.stopping) break;
        reader.push(chunk as Buffer);
        if (pacer) await this.sendPaced(pacer);
        await sender.ready();
      }
      if (!this.stopping) reader.end();
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
      this.settings.logger.error({ file: path, err: error.message }, 'pcap replay stopped early');
    }
    if (pacer) await this.sendPaced(pacer);
    await sender.drain();
    const stats = reader.stats;
    const summary: ReplaySummary = { stats, sentEvents: sender.stats.sent, refusedEvents: sender.stats.refused, error };
    this.settings.logger.info(
      {
        file: path,
        frames: stats.frames,
        packets: stats.packets,
        connections: stats.connections,
        events: summary.sentEvents,
        refused: summary.refusedEvents,
      },
      'pcap replay finished',
    );
    this.resolveFinished(summary);
    if (this.config.exit_on_eof && !this.stopping) this.askToShutDown(host, `pcap file ${path} replayed`);
  }

  /** Sends the held events, each when its capture time comes. */
  private async sendPaced(pacer: Pacer): Promise<void> {
    const sender = this.sender;
    const events = this.pacedQueue.splice(0);
    for (const event of events) {
      if (this.stopping) return;
      const wait = pacer.delayFor(event.timestampNs);
      if (wait > 0) {
        // what is due now goes out before the pause, not after it
        sender.flush();
        await sleep(wait, undefined, { signal: this.stop.signal }).catch(() => {});
      }
      sender.add(event);
      await sender.ready();
    }
    sender.flush();
  }

  private askToShutDown(host: Host, reason: string): void {
    const request = this.options.requestShutdown ?? (host as Host & ShutdownRequester).requestShutdown?.bind(host);
    this.settings.logger.info({ reason }, 'exit_on_eof: asking the collector to shut down');
    if (request) request(reason);
    else process.kill(process.pid, 'SIGTERM');
  }

  private async startLive(iface: string): Promise<void> {
    const { capture, header } = await LiveCapture.start({
      interface: iface,
      bpfFilter: this.config.bpf_filter,
      snaplen: this.config.snaplen,
    });
    this.capture = capture;
    if (this.stopping) {
      // shut down while the capture was starting
      capture.stop();
      return;
    }
    const reader = this.reader!;
    const sender = this.sender;
    const logger = this.settings.logger;
    logger.info(
      { interface: iface, tool: capture.command, filter: this.config.bpf_filter },
      'pcap live capture started',
    );
    let failed = false;
    const take = (chunk: Buffer) => {
      if (failed) return;
      try {
        reader.push(chunk);
      } catch (err) {
        failed = true;
        logger.error({ err: String(err) }, 'live capture stream is corrupt; stopping the capture');
        capture.stop();
        return;
      }
      if (sender.congested) {
        capture.stdout.pause();
        void sender.ready().then(() => capture.stdout.resume());
      }
    };
    take(header);
    capture.stdout.on('data', take);
    capture.stdout.resume();
    this.flushTimer = setInterval(() => sender.flush(), this.config.batch_timeout);
    this.running = capture.exited.then(async ({ code, stderr }) => {
      clearInterval(this.flushTimer);
      if (!this.stopping) logger.error({ interface: iface, code, stderr }, 'live capture ended unexpectedly');
      try {
        reader.end();
      } catch (err) {
        // a capture killed mid-write ends in a partial block: expected on shutdown
        if (!(err instanceof CaptureFormatError) || !this.stopping)
          logger.warn({ err: String(err) }, 'live capture ended mid-packet');
      }
      await sender.drain();
    });
  }
}

/** Fails start() with a clear message when the file is missing, unreadable, or not a capture. */
async function checkCaptureFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new Error(`pcap receiver: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const head = Buffer.alloc(PROBE_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const probe = new CaptureParser();
    try {
      probe.push(head.subarray(0, bytesRead));
      // a file shorter than the probe that still has no complete header never will
      if (probe.format === 'unknown' && bytesRead < PROBE_BYTES) probe.end();
    } catch (err) {
      throw new Error(`pcap receiver: ${path} is not a readable capture: ${(err as Error).message}`);
    }
  } finally {
    await handle.close();
  }
}
