import { Ack } from '@flowtel/core';
import type { Batch, ClientInfo, ConsumerError, LogsBatch, MetricsBatch, TracesBatch } from '@flowtel/core';
import { OTLP_OPS, isReadOnly, markReadOnly, type OtlpData, type OtlpOps } from '@flowtel/pdata';
import { PartialAck } from './partial-ack.ts';

export type OtlpBatch = TracesBatch | MetricsBatch | LogsBatch;
export type Trigger = 'size' | 'timeout' | 'flush';

/** Items counted from the data itself, since splitting must agree with the data. */
export const countItems = (batch: OtlpBatch): number => OTLP_OPS[batch.signal].count(batch.data);

interface Held {
  data: OtlpData;
  items: number;
  /** with wait_for_result: the upstream Ack, settled once all of its items have settled downstream */
  owner?: PartialAck;
  /** shared with other consumers: what is made of it shares its parts, so is read-only too */
  readOnly: boolean;
}

export interface BatcherOptions {
  sendBatchSize: number;
  /** 0: no limit */
  sendBatchMaxSize: number;
  timeoutMs: number;
  emit(batch: Batch, trigger: Trigger): void;
  /** called once per outgoing batch when it has settled downstream */
  settled(items: number, err: ConsumerError | undefined): void;
}

/** The data of one signal and one metadata partition, waiting to leave together. */
export class Batcher {
  private readonly signal: OtlpBatch['signal'];
  private readonly client?: ClientInfo;
  private readonly options: BatcherOptions;
  private readonly ops: OtlpOps;
  private held: Held[] = [];
  private count = 0;
  private timer?: NodeJS.Timeout;

  constructor(signal: OtlpBatch['signal'], client: ClientInfo | undefined, options: BatcherOptions) {
    this.signal = signal;
    this.client = client;
    this.options = options;
    this.ops = OTLP_OPS[signal];
  }

  /** Takes `items` items of `data`; `upstream`, when given, settles as they settle downstream. */
  add(data: OtlpData, items: number, upstream?: Ack): void {
    this.held.push({ data, items, owner: upstream && new PartialAck(upstream, items), readOnly: isReadOnly(data) });
    this.count += items;
    const { sendBatchSize, timeoutMs } = this.options;
    while (this.count > 0 && (timeoutMs === 0 || this.count >= sendBatchSize)) this.sendOne('size');
    this.armTimer();
  }

  /** Items held, not sent yet. */
  get holding(): number {
    return this.count;
  }

  /** Sends everything held now. */
  flush(trigger: Trigger = 'flush'): void {
    while (this.count > 0) this.sendOne(trigger);
    this.armTimer();
  }

  /**
   * Gives up on what is held: every waiting upstream Ack is refused with `err`. Returns how
   * many of the items given up were already acknowledged upstream (lost, not refused).
   */
  dispose(err: ConsumerError): number {
    clearTimeout(this.timer);
    this.timer = undefined;
    let lost = 0;
    for (const h of this.held.splice(0)) {
      if (h.owner) h.owner.settleItems(h.items, err);
      else lost += h.items;
    }
    this.count = 0;
    return lost;
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
    let readOnly = false;
    while (this.held.length > 0 && taken < limit) {
      const next = this.held[0];
      const room = limit - taken;
      readOnly ||= next.readOnly;
      if (next.items <= room) {
        this.held.shift();
        parts.push(next.data);
        if (next.owner) owners.push([next.owner, next.items]);
        taken += next.items;
      } else {
        const [head, rest] = this.ops.split(next.data, room);
        parts.push(head);
        if (next.owner) owners.push([next.owner, room]);
        next.data = rest;
        next.items -= room;
        taken += room;
      }
    }
    this.count -= taken;
    const ack = new Ack((err) => {
      for (const [owner, items] of owners) owner.settleItems(items, err);
      this.options.settled(taken, err);
    });
    const data = this.ops.concat(parts);
    if (readOnly) markReadOnly(data);
    const batch = { signal: this.signal, data, items: taken, ack, client: this.client } as OtlpBatch;
    try {
      this.options.emit(batch, trigger);
    } catch (err) {
      ack.reject(err);
    }
  }
}
