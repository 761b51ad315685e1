// prometheus.WriteRequest (remote write 1.0) encoding and compression, cut into requests no
// larger than max_batch_size_bytes.
import type { SnappyCodec } from './compress.ts';
import { LabelBytesCache } from './label-bytes.ts';
import { compressWithLabels, Segments } from './label-snappy.ts';
import { ProtoWriter } from './proto-writer.ts';
import type { Exemplar, Label, MetricMetadata, NativeHistogram, Sample, TimeSeries } from './series.ts';
import { STALE_NAN_BITS } from './series.ts';

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;

function writeLabels(w: ProtoWriter, field: number, labels: Label[]): void {
  for (const label of labels) {
    w.tag(field, BYTES);
    const at = w.fork();
    w.tag(1, BYTES);
    w.string(label.name);
    w.tag(2, BYTES);
    w.string(label.value);
    w.join(at);
  }
}

function writeSample(w: ProtoWriter, s: Sample): void {
  w.tag(2, BYTES);
  const at = w.fork();
  w.tag(1, FIXED64);
  if (s.stale) w.fixed64(STALE_NAN_BITS);
  else w.double(s.value);
  w.tag(2, VARINT);
  w.int64(s.timestamp);
  w.join(at);
}

function writeExemplar(w: ProtoWriter, e: Exemplar): void {
  w.tag(3, BYTES);
  const at = w.fork(2);
  writeLabels(w, 1, e.labels);
  w.tag(2, FIXED64);
  w.double(e.value);
  w.tag(3, VARINT);
  w.int64(e.timestamp);
  w.join(at, 2);
}

function writeSpansAndDeltas(w: ProtoWriter, spansField: number, spans: NativeHistogram['positiveSpans'], deltas: number[]): void {
  for (const span of spans) {
    w.tag(spansField, BYTES);
    const at = w.fork();
    w.tag(1, VARINT);
    w.sint(span.offset);
    w.tag(2, VARINT);
    w.varint(span.length);
    w.join(at);
  }
  if (deltas.length === 0) return;
  w.tag(spansField + 1, BYTES);
  const at = w.fork(2);
  for (const d of deltas) w.sint(d);
  w.join(at, 2);
}

function writeHistogram(w: ProtoWriter, h: NativeHistogram): void {
  w.tag(4, BYTES);
  const at = w.fork(2);
  w.tag(1, VARINT);
  w.uint64(h.stale ? STALE_NAN_BITS : h.count);
  w.tag(3, FIXED64);
  if (h.stale) w.fixed64(STALE_NAN_BITS);
  else w.double(h.sum);
  w.tag(4, VARINT);
  w.sint(h.schema);
  w.tag(5, FIXED64);
  w.double(h.zeroThreshold);
  w.tag(6, VARINT);
  w.uint64(h.zeroCount);
  writeSpansAndDeltas(w, 8, h.negativeSpans, h.negativeDeltas);
  writeSpansAndDeltas(w, 11, h.positiveSpans, h.positiveDeltas);
  w.tag(14, VARINT);
  w.varint(h.resetHint);
  w.tag(15, VARINT);
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
  w.tag(1, BYTES);
  const at = w.fork(2);
  if (cache && segments) {
    const cached = cache.forSeries(ts);
    // noted where the guess put it; moved once `join` has settled the length prefix
    segments.push(w.pos, cached);
    w.bytes(cached.block);
  } else {
    writeLabels(w, 1, ts.labels);
  }
  for (const s of ts.samples) writeSample(w, s);
  for (const e of ts.exemplars) writeExemplar(w, e);
  for (const h of ts.histograms) writeHistogram(w, h);
  w.join(at, 2);
}

/** One `metadata` entry (field 3 of WriteRequest). */
export function writeMetadata(w: ProtoWriter, m: MetricMetadata): void {
  w.tag(3, BYTES);
  const at = w.fork(2);
  w.tag(1, VARINT);
  w.varint(m.type);
  w.tag(2, BYTES);
  w.string(m.metricFamilyName);
  if (m.help !== '') {
    w.tag(4, BYTES);
    w.string(m.help);
  }
  if (m.unit !== '') {
    w.tag(5, BYTES);
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
