// The encoded `labels` entries of series and label pairs, kept from batch to batch: the same
// series come back in every batch, and copying their bytes is cheaper than encoding them again.
import { hashLabels, sameLabels } from '@flowtel/prometheus';
import type { LabelBlock, LabelBytes } from './label-snappy.ts';
import { ProtoStreamWriter as ProtoWriter, WireType } from '@flowtel/pdata';
import { Field } from './prompb.ts';
import type { Label, TimeSeries } from '@flowtel/prometheus';

/** series kept before the cache starts over (a few tens of MiB at most) */
const MAX_SERIES = 100_000;

export interface SeriesLabelBytes extends LabelBlock {
  labels: Label[];
}

export class LabelBytesCache {
  private pairs = new Map<string, Map<string, LabelBytes>>();
  private series = new Map<number, SeriesLabelBytes>();
  private readonly writer = new ProtoWriter(1024);

  forSeries(ts: TimeSeries): SeriesLabelBytes {
    const hash = ts.hash ?? hashLabels(ts.labels);
    const cached = this.series.get(hash);
    if (cached !== undefined && sameLabels(cached.labels, ts.labels)) return cached;
    if (this.series.size >= MAX_SERIES) {
      this.series = new Map();
      this.pairs = new Map();
    }
    const pairs = ts.labels.map((l) => this.pair(l));
    const offsets: number[] = [];
    let size = 0;
    for (const p of pairs) {
      offsets.push(size);
      size += p.bytes.length;
    }
    const block = new Uint8Array(size);
    pairs.forEach((p, i) => block.set(p.bytes, offsets[i]));
    const entry = { labels: ts.labels, block, offsets, pairs };
    this.series.set(hash, entry);
    return entry;
  }

  private pair(label: Label): LabelBytes {
    let values = this.pairs.get(label.name);
    if (values === undefined) {
      values = new Map();
      this.pairs.set(label.name, values);
    }
    let entry = values.get(label.value);
    if (entry === undefined) {
      entry = { bytes: this.encode(label), lastAt: -1, epoch: -1 };
      values.set(label.value, entry);
    }
    return entry;
  }

  /** TimeSeries.labels (field 1): tag, length, then the Label message. */
  private encode(label: Label): Uint8Array {
    const w = this.writer;
    w.reset();
    w.tag(Field.TimeSeries.labels, WireType.LEN);
    const at = w.fork();
    w.tag(Field.Label.name, WireType.LEN);
    w.string(label.name);
    w.tag(Field.Label.value, WireType.LEN);
    w.string(label.value);
    w.join(at);
    return w.finish();
  }
}
