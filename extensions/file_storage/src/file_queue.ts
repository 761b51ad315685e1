// A sending queue on disk: one file per batch, named by a sequence number, written to a
// temporary name and renamed so a crash never leaves half a batch. A batch's file is removed
// only once the exporter is done with it, so what was accepted before a `kill -9` is sent
// after the restart: at least once.
//
// A file is the request as OTLP protobuf (as otelcol's persistent queue stores it) behind a
// small header: a request nothing looked at is written as the bytes it came in, and read back
// as pass-through bytes again, with no decode or encode on the way.
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import type { Batch, SendingQueue } from '@flowtel/core';
import { Ack, QueueWaiters } from '@flowtel/core';
import {
  dataPointCount,
  decodeLogsPassThrough,
  decodeMetricsPassThrough,
  decodeProfiles,
  decodeTracesPassThrough,
  encodeLogs,
  encodeMetrics,
  encodeProfiles,
  encodeTraces,
  logRecordCount,
  profileSampleCount,
  spanCount,
  type Logs,
  type Metrics,
  type Traces,
} from '@flowtel/pdata';

const SUFFIX = '.batch';

/** "FTQ" and a format version, then the signal's code, then the OTLP request */
const MAGIC = [0x46, 0x54, 0x51, 0x01];
// codes are positions: new signals go at the end
const SIGNALS = ['traces', 'metrics', 'logs', 'profiles'] as const;
type StoredSignal = (typeof SIGNALS)[number];

function encode(batch: Batch): Uint8Array[] {
  const header = Uint8Array.from([...MAGIC, SIGNALS.indexOf(batch.signal as StoredSignal)]);
  switch (batch.signal) {
    case 'traces':
      return [header, encodeTraces(batch.data)];
    case 'metrics':
      return [header, encodeMetrics(batch.data)];
    case 'logs':
      return [header, encodeLogs(batch.data)];
    case 'profiles':
      return [header, encodeProfiles(batch.data)];
    default:
      throw new Error(`a persistent sending queue holds OTLP data, not ${batch.signal}`);
  }
}

function decode(bytes: Uint8Array): Batch {
  if (!MAGIC.every((b, i) => bytes[i] === b)) {
    // written by a flowtel before this format: V8's structured serialization of the batch
    const stored = deserialize(bytes) as { signal: StoredSignal; items: number; data: unknown };
    return { signal: stored.signal, items: stored.items, data: stored.data, ack: Ack.none() } as Batch;
  }
  const signal = SIGNALS[bytes[MAGIC.length]];
  const body = bytes.subarray(MAGIC.length + 1);
  const ack = Ack.none();
  switch (signal) {
    case 'traces': {
      const data: Traces = decodeTracesPassThrough(body);
      return { signal, data, items: spanCount(data), ack };
    }
    case 'metrics': {
      const data: Metrics = decodeMetricsPassThrough(body);
      return { signal, data, items: dataPointCount(data), ack };
    }
    case 'logs': {
      const data: Logs = decodeLogsPassThrough(body);
      return { signal, data, items: logRecordCount(data), ack };
    }
    case 'profiles': {
      const data = decodeProfiles(body);
      return { signal, data, items: profileSampleCount(data), ack };
    }
    default:
      throw new Error(`unknown signal code ${bytes[MAGIC.length]}`);
  }
}

export class FileQueue implements SendingQueue {
  readonly capacity: number;
  readonly persistent = true;
  private readonly dir: string;
  private readonly weigh: (b: Batch) => number;
  private readonly fsync: boolean;
  /** sequence numbers waiting, oldest first */
  private readonly waiting: number[] = [];
  private readonly weights = new Map<number, number>();
  private readonly inFlight = new Map<Batch, number>();
  private used = 0;
  private nextSeq = 0;
  private closed = false;
  private readonly waiters = new QueueWaiters();

  constructor(dir: string, capacity: number, weigh: (b: Batch) => number, fsync: boolean) {
    this.dir = dir;
    this.capacity = capacity;
    this.weigh = weigh;
    this.fsync = fsync;
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
      if (!name.endsWith(SUFFIX)) continue;
      const seq = Number(name.slice(0, -SUFFIX.length));
      if (!Number.isSafeInteger(seq)) continue;
      this.waiting.push(seq);
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }
    this.waiting.sort((a, b) => a - b);
    for (const seq of this.waiting) {
      const w = this.weigh(this.read(seq));
      this.weights.set(seq, w);
      this.used += w;
    }
  }

  /** batches recovered from a previous run, still to send */
  get recovered(): number {
    return this.waiting.length;
  }

  size(): number {
    return this.used;
  }

  private path(seq: number): string {
    return join(this.dir, `${String(seq).padStart(16, '0')}${SUFFIX}`);
  }

  private read(seq: number): Batch {
    return decode(readFileSync(this.path(seq)));
  }

  async offer(batch: Batch): Promise<boolean> {
    if (this.closed) return false;
    const w = this.weigh(batch);
    if (this.used + w > this.capacity) return false;
    const seq = this.nextSeq++;
    const tmp = `${this.path(seq)}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      for (const part of encode(batch)) writeSync(fd, part);
      if (this.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path(seq));
    this.used += w;
    this.weights.set(seq, w);
    const taker = this.waiters.nextTaker();
    if (taker) {
      // a consumer is waiting: it gets the batch in hand, the file is only the safety copy
      this.inFlight.set(batch, seq);
      taker(batch);
    } else {
      this.waiting.push(seq);
    }
    return true;
  }

  private hand(seq: number, to: (b: Batch) => void): void {
    const batch = this.read(seq);
    this.inFlight.set(batch, seq);
    to(batch);
  }

  take(): Promise<Batch | undefined> {
    const seq = this.waiting.shift();
    if (seq !== undefined) return new Promise((resolve) => this.hand(seq, resolve));
    if (this.closed) return Promise.resolve(undefined);
    return this.waiters.waitToTake();
  }

  async done(batch: Batch): Promise<void> {
    const seq = this.inFlight.get(batch);
    if (seq === undefined) return;
    this.inFlight.delete(batch);
    rmSync(this.path(seq), { force: true });
    this.used -= this.weights.get(seq) ?? 0;
    this.weights.delete(seq);
    this.waiters.roomFreed();
  }

  /**
   * No more offers. What is still waiting stays on disk for the next run rather than being
   * drained now: consumers stop at once, and the batches in flight keep their files.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    this.waiters.releaseTakers();
    this.waiters.roomFreed();
  }

  waitForRoom(): Promise<void> {
    return this.waiters.waitForRoom();
  }
}
