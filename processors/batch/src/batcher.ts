import { Ack } from '@flowtel/core';
import type { Batch, ClientInfo, ConsumerError, LogsBatch, MetricsBatch, TracesBatch } from '@flowtel/core';
import { dataPointCount, logRecordCount, spanCount } from '@flowtel/pdata';
import type { Logs, Metrics, Traces } from '@flowtel/pdata';
import { concatLogs, concatMetrics, concatTraces } from './concat.ts';
import { PartialAck } from './partial-ack.ts';
import { splitLogs, splitMetrics, splitTraces } from './split.ts';

export type OtlpBatch = TracesBatch | MetricsBatch | LogsBatch;
type OtlpData = OtlpBatch['data'];
export type Trigger = 'size' | 'timeout' | 'flush';

interface SignalOps {
  count(data: OtlpData): number;
  split(data: OtlpData, n: number): [OtlpData, OtlpData];
  concat(parts: OtlpData[]): OtlpData;
}

const OPS: Record<OtlpBatch['signal'], SignalOps> = {
  traces: {
    count: (d) => spanCount(d as Traces),
    split: (d, n) => splitTraces(d as Traces, n),
    concat: (p) => concatTraces(p as Traces[]),
  },
  metrics: {
    count: (d) => dataPointCount(d as Metrics),
    split: (d, n) => splitMetrics(d as Metrics, n),
    concat: (p) => concatMetrics(p as Metrics[]),
  },
  logs: {
    count: (d) => logRecordCount(d as Logs),
    split: (d, n) => splitLogs(d as Logs, n),
    concat: (p) => concatLogs(p as Logs[]),
  },
};

/** Items counted from the data itself, since splitting must agree with the data. */
export const countItems = (batch: OtlpBatch): number => OPS[batch.signal].count(batch.data);

interface Held {
  data: OtlpData;
  items: number;
  owner: PartialAck;
}

export interface BatcherOptions {
  sendBatchSize: number;
  /** 0: no limit */
  sendBatchMaxSize: number;
  timeoutMs: number;
  emit(batch: Batch, trigger: Trigger): void;
}

/** The data of one signal and one metadata partition, waiting to leave together. */
export class Batcher {
  private readonly signal: OtlpBatch['signal'];
  private readonly client?: ClientInfo;
  private readonly options: BatcherOptions;
  private readonly ops: SignalOps;
  private held: Held[] = [];
  private count = 0;
  private timer?: NodeJS.Timeout;

  constructor(signal: OtlpBatch['signal'], client: ClientInfo | undefined, options: BatcherOptions) {
    this.signal = signal;
    this.client = client;
    this.options = options;
    this.ops = OPS[signal];
  }

  add(batch: OtlpBatch, items: number): void {
    this.held.push({ data: batch.data, items, owner: new PartialAck(batch.ack, items) });
    this.count += items;
    const { sendBatchSize, timeoutMs } = this.options;
    while (this.count > 0 && (timeoutMs === 0 || this.count >= sendBatchSize)) this.sendOne('size');
    this.armTimer();
  }

  /** Sends everything held now. */
  flush(trigger: Trigger = 'flush'): void {
    while (this.count > 0) this.sendOne(trigger);
    this.armTimer();
  }

  /** Gives up on what is held: every waiting upstream Ack is refused with `err`. */
  dispose(err: ConsumerError): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const h of this.held.splice(0)) h.owner.settleItems(h.items, err);
    this.count = 0;
  }

  private armTimer(): void {
    if (this.count === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.timer && this.options.timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush('timeout');
      }, this.options.timeoutMs);
    }
  }

  /** Cuts one outgoing batch of at most send_batch_max_size items off the front. */
  private sendOne(trigger: Trigger): void {
    const limit = this.options.sendBatchMaxSize > 0 ? this.options.sendBatchMaxSize : Infinity;
    const parts: OtlpData[] = [];
    const owners: Array<[PartialAck, number]> = [];
    let taken = 0;
    while (this.held.length > 0 && taken < limit) {
      const next = this.held[0];
      const room = limit - taken;
      if (next.items <= room) {
        this.held.shift();
        parts.push(next.data);
        owners.push([next.owner, next.items]);
        taken += next.items;
      } else {
        const [head, rest] = this.ops.split(next.data, room);
        parts.push(head);
        owners.push([next.owner, room]);
        next.data = rest;
        next.items -= room;
        taken += room;
      }
    }
    this.count -= taken;
    const ack = new Ack((err) => {
      for (const [owner, items] of owners) owner.settleItems(items, err);
    });
    const batch = { signal: this.signal, data: this.ops.concat(parts), items: taken, ack, client: this.client } as OtlpBatch;
    try {
      this.options.emit(batch, trigger);
    } catch (err) {
      ack.reject(err);
    }
  }
}
