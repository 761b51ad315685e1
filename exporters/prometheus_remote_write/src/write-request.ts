// prometheus.WriteRequest (remote write 1.0) encoding and compression, cut into requests no
// larger than max_batch_size_bytes.
import type { SnappyCodec } from './compress.ts';
import { LabelBytesCache } from './label-bytes.ts';
import { compressWithLabels, Segments } from './label-snappy.ts';
import { ProtoStreamWriter as ProtoWriter, WireType } from '@flowtel/pdata';
import { Field } from './prompb.ts';
import type { Exemplar, Label, MetricMetadata, NativeHistogram, Sample, TimeSeries } from '@flowtel/prometheus';
import { STALE_NAN_BITS } from '@flowtel/prometheus';

const { VARINT, I64: FIXED64, LEN: BYTES } = WireType;

function writeLabels(w: ProtoWriter, field: number, labels: Label[]): void {
  for (const label of labels) {
    w.tag(field, BYTES);
    const at = w.fork();
    w.tag(Field.Label.name, BYTES);
    w.string(label.name);
    w.tag(Field.Label.value, BYTES);
    w.string(label.value);
    w.join(at);
  }
}

function writeSample(w: ProtoWriter, s: Sample): void {
  w.tag(Field.TimeSeries.samples, BYTES);
  const at = w.fork();
  w.tag(Field.Sample.value, FIXED64);
  if (s.stale) w.fixed64(STALE_NAN_BITS);
  else w.double(s.value);
  w.tag(Field.Sample.timestamp, VARINT);
  w.int64(s.timestamp);
  w.join(at);
}

function writeExemplar(w: ProtoWriter, e: Exemplar): void {
  w.tag(Field.TimeSeries.exemplars, BYTES);
  const at = w.fork(2);
  writeLabels(w, Field.Exemplar.labels, e.labels);
  w.tag(Field.Exemplar.value, FIXED64);
  w.double(e.value);
  w.tag(Field.Exemplar.timestamp, VARINT);
  w.int64(e.timestamp);
  w.join(at, 2);
}

function writeSpansAndDeltas(
  w: ProtoWriter,
  fields: { spans: number; deltas: number },
  spans: NativeHistogram['positiveSpans'],
  deltas: number[],
): void {
  for (const span of spans) {
    w.tag(fields.spans, BYTES);
    const at = w.fork();
    w.tag(Field.BucketSpan.offset, VARINT);
    w.sint(span.offset);
    w.tag(Field.BucketSpan.length, VARINT);
    w.varint(span.length);
    w.join(at);
  }
  if (deltas.length === 0) return;
  w.tag(fields.deltas, BYTES);
  const at = w.fork(2);
  for (const d of deltas) w.sint(d);
  w.join(at, 2);
}

function writeHistogram(w: ProtoWriter, h: NativeHistogram): void {
  w.tag(Field.TimeSeries.histograms, BYTES);
  const at = w.fork(2);
  w.tag(Field.Histogram.countInt, VARINT);
  w.uint64(h.stale ? STALE_NAN_BITS : h.count);
  w.tag(Field.Histogram.sum, FIXED64);
  if (h.stale) w.fixed64(STALE_NAN_BITS);
  else w.double(h.sum);
  w.tag(Field.Histogram.schema, VARINT);
  w.sint(h.schema);
  w.tag(Field.Histogram.zeroThreshold, FIXED64);
  w.double(h.zeroThreshold);
  w.tag(Field.Histogram.zeroCountInt, VARINT);
  w.uint64(h.zeroCount);
  writeSpansAndDeltas(w, Field.Histogram.negative, h.negativeSpans, h.negativeDeltas);
  writeSpansAndDeltas(w, Field.Histogram.positive, h.positiveSpans, h.positiveDeltas);
  w.tag(Field.Histogram.resetHint, VARINT);
  w.varint(h.resetHint);
  w.tag(Field.Histogram.timestamp, VARINT);
  w.int64(h.timestamp);
  w.join(at, 2);
}

const byTimestamp = (a: { timestamp: number }, b: { timestamp: number }) => a.timestamp - b.timestamp;

function inOrder(items: { timestamp: number }[]): boolean {
  for (let i = 1; i < items.length; i++) if (items[i].timestamp < items[i - 1].timestamp) return false;
  return true;
}

/**
 * One `timeseries` entry (field 1 of WriteRequest); samples go out in timestamp order. With a
 * cache, label pairs are copied from it and their places noted in `segments`.
 */
export function writeTimeSeries(w: ProtoWriter, ts: TimeSeries, cache?: LabelBytesCache, segments?: Segments): void {
  if (!inOrder(ts.samples)) ts.samples.sort(byTimestamp);
  if (!inOrder(ts.histograms)) ts.histograms.sort(byTimestamp);
  w.tag(Field.WriteRequest.timeseries, BYTES);
  const at = w.fork(2);
  if (cache && segments) {
    const cached = cache.forSeries(ts);
    // noted where the guess put it; moved once `join` has settled the length prefix
    segments.push(w.pos, cached);
    w.bytes(cached.block);
  } else {
    writeLabels(w, Field.TimeSeries.labels, ts.labels);
  }
  for (const s of ts.samples) writeSample(w, s);
  for (const e of ts.exemplars) writeExemplar(w, e);
  for (const h of ts.histograms) writeHistogram(w, h);
  w.join(at, 2);
}

/** One `metadata` entry (field 3 of WriteRequest). */
export function writeMetadata(w: ProtoWriter, m: MetricMetadata): void {
  w.tag(Field.WriteRequest.metadata, BYTES);
  const at = w.fork(2);
  w.tag(Field.MetricMetadata.type, VARINT);
  w.varint(m.type);
  w.tag(Field.MetricMetadata.metricFamilyName, BYTES);
  w.string(m.metricFamilyName);
  if (m.help !== '') {
    w.tag(Field.MetricMetadata.help, BYTES);
    w.string(m.help);
  }
  if (m.unit !== '') {
    w.tag(Field.MetricMetadata.unit, BYTES);
    w.string(m.unit);
  }
  w.join(at, 2);
}

export interface EncodedRequest {
  /** the uncompressed WriteRequest: a view into the encoder's buffer, valid until its next encode */
  body: Uint8Array;
  /** snappy block of the body */
  compressed: Uint8Array;
  samples: number;
  histograms: number;
  exemplars: number;
}

export type Compression = 'label-aware' | SnappyCodec;

/**
 * Encodes series and metadata into snappy-compressed WriteRequests of at most `maxBytes`
 * uncompressed each (one series larger than that goes alone), as contrib cuts them: whole
 * series, never split. Metadata travels in requests of its own, after the series.
 */
export class WriteRequestEncoder {
  private readonly maxBytes: number;
  private readonly compression: Compression;
  private readonly writer = new ProtoWriter(1 << 20);
  private readonly cache?: LabelBytesCache;
  private readonly segments = new Segments();

  constructor(maxBytes: number, compression: Compression) {
    this.maxBytes = maxBytes;
    this.compression = compression;
    if (compression === 'label-aware') this.cache = new LabelBytesCache();
  }

  encode(series: Iterable<TimeSeries>, metadata: MetricMetadata[] = []): EncodedRequest[] {
    const w = this.writer;
    const segments = this.segments;
    w.reset();
    segments.clear();
    const requests: EncodedRequest[] = [];
    let start = 0;
    let firstSegment = 0;
    let counts = { samples: 0, histograms: 0, exemplars: 0 };
    const cut = (end: number, lastSegment: number) => {
      if (end === start) return;
      const body = w.buf.subarray(start, end);
      const compressed =
        this.compression === 'label-aware'
          ? compressWithLabels(w.buf, start, end, segments, firstSegment, lastSegment)
          : this.compression.compress(body);
      requests.push({ body, compressed, ...counts });
      counts = { samples: 0, histograms: 0, exemplars: 0 };
      start = end;
      firstSegment = lastSegment;
    };
    for (const ts of series) {
      const before = w.pos;
      const segmentsBefore = segments.length;
      writeTimeSeries(w, ts, this.cache, this.cache ? segments : undefined);
      if (this.cache) {
        // the labels start after the tag and the length prefix, whose size is known only now
        segments.at[segmentsBefore] = w.pos - seriesContentLength(w, before);
      }
      if (w.pos - start >= this.maxBytes && before > start) cut(before, segmentsBefore);
      counts.samples += ts.samples.length;
      counts.histograms += ts.histograms.length;
      counts.exemplars += ts.exemplars.length;
    }
    cut(w.pos, segments.length);
    for (const m of metadata) {
      const before = w.pos;
      writeMetadata(w, m);
      if (w.pos - start >= this.maxBytes && before > start) cut(before, segments.length);
    }
    cut(w.pos, segments.length);
    return requests;
  }
}

/** The content length of the length-delimited field written at `fieldStart` (tag, varint length, content). */
function seriesContentLength(w: ProtoWriter, fieldStart: number): number {
  let p = fieldStart + 1;
  let length = 0;
  let shift = 1;
  for (;;) {
    const b = w.buf[p++];
    length += (b & 0x7f) * shift;
    if (b < 0x80) break;
    shift *= 128;
  }
  return length;
}
