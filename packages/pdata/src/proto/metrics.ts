// metrics.proto and metrics_service.proto (ExportMetricsServiceRequest has MetricsData's shape).
import type { EncodeBuffer } from '../encode-buffer.ts';
import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  Metric,
  Metrics,
  NumberDataPoint,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../model.ts';
import { decodeKeyValue, encodeKeyValues } from './common.ts';
import { decodeEnvelope, encodeEnvelope, type ProtoSignal } from './envelope.ts';
import { dataPointCount } from '../count.ts';
import { concatPassThrough, passThrough, passThroughBytes } from './pass-through.ts';
import { METRICS_LAYOUT } from '../signal-layout.ts';
import { EMPTY_BYTES, WireType, type ProtoReader } from './reader.ts';
import type { ProtoWriter } from './writer.ts';

const METRICS: ProtoSignal<Metric> = { layout: METRICS_LAYOUT, decodeItem: decodeMetric, encodeItem: encodeMetric };

export function decodeMetrics(bytes: Uint8Array): Metrics {
  return decodeEnvelope(bytes, METRICS) as unknown as Metrics;
}

/** Decodes to check, then keeps only the bytes and the item count (see pass-through.ts). */
export function decodeMetricsPassThrough(bytes: Uint8Array): Metrics {
  return passThrough(METRICS_LAYOUT, decodeMetrics, bytes, dataPointCount(decodeMetrics(bytes)));
}

/** The parts joined without decoding when none has been looked at, else undefined. */
export const concatMetricsPassThrough = (parts: readonly Metrics[]): Metrics | undefined =>
  concatPassThrough(METRICS_LAYOUT, decodeMetrics, parts);

/** An ExportMetricsServiceRequest as protobuf (into `reused`'s memory when given: valid until its next use). */
export function encodeMetrics(metrics: Metrics, reused?: EncodeBuffer): Uint8Array<ArrayBuffer> {
  return (passThroughBytes(metrics) as Uint8Array<ArrayBuffer> | undefined) ?? encodeEnvelope(metrics, METRICS, reused);
}

// Metric: name 1, description 2, unit 3, oneof data { gauge 5, sum 7, histogram 9,
// exponential_histogram 10, summary 11 }, metadata 12
function decodeMetric(r: ProtoReader, end: number): Metric {
  let name = '';
  let description = '';
  let unit = '';
  const metadata: KeyValue[] = [];
  // the `data` oneof: a later member replaces an earlier one, and the same member again merges
  // into it (points appended, scalars last-wins), as protobuf merges a repeated message field
  let data: Pick<Metric, 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary'> | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        name = r.string();
        break;
      case 18:
        description = r.string();
        break;
      case 26:
        unit = r.string();
        break;
      case 42:
        data = {
          gauge: {
            dataPoints: decodePoints(
              r,
              r.len(),
              'Gauge',
              decodeNumberPoint,
              data?.gauge && { points: data.gauge.dataPoints },
            ).points,
          },
        };
        break;
      case 58: {
        const { points, temporality, monotonic } = decodePoints(
          r,
          r.len(),
          'Sum',
          decodeNumberPoint,
          data?.sum && {
            points: data.sum.dataPoints,
            temporality: data.sum.aggregationTemporality,
            monotonic: data.sum.isMonotonic,
          },
        );
        data = { sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic: monotonic } };
        break;
      }
      case 74: {
        const h = data?.histogram;
        const { points, temporality } = decodePoints(
          r,
          r.len(),
          'Histogram',
          decodeHistogramPoint,
          h && { points: h.dataPoints, temporality: h.aggregationTemporality },
        );
        data = { histogram: { dataPoints: points, aggregationTemporality: temporality } };
        break;
      }
      case 82: {
        const e = data?.exponentialHistogram;
        const { points, temporality } = decodePoints(
          r,
          r.len(),
          'ExponentialHistogram',
          decodeExponentialPoint,
          e && { points: e.dataPoints, temporality: e.aggregationTemporality },
        );
        data = { exponentialHistogram: { dataPoints: points, aggregationTemporality: temporality } };
        break;
      }
      case 90:
        data = {
          summary: {
            dataPoints: decodePoints(
              r,
              r.len(),
              'Summary',
              decodeSummaryPoint,
              data?.summary && { points: data.summary.dataPoints },
            ).points,
          },
        };
        break;
      case 98:
        metadata.push(decodeKeyValue(r, r.len()));
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Metric');
  return { name, description, unit, ...data, metadata };
}

// Gauge, Sum, Histogram, ExponentialHistogram and Summary share their layout: data_points 1,
// aggregation_temporality 2 (not in Gauge and Summary), is_monotonic 3 (Sum only).
function decodePoints<P>(
  r: ProtoReader,
  end: number,
  message: string,
  decodePoint: (r: ProtoReader, end: number) => P,
  into?: { points: P[]; temporality?: number; monotonic?: boolean },
) {
  const points: P[] = into?.points ?? [];
  let temporality = into?.temporality ?? 0;
  let monotonic = into?.monotonic ?? false;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) points.push(decodePoint(r, r.len()));
    else if (tag === 16) temporality = r.int32();
    else if (tag === 24) monotonic = r.bool();
    else r.skip(tag);
  }
  r.expectEnd(end, message);
  return { points, temporality, monotonic };
}

// NumberDataPoint: start_time_unix_nano 2, time_unix_nano 3, as_double 4, exemplars 5,
// as_int 6 (sfixed64), attributes 7, flags 8
function decodeNumberPoint(r: ProtoReader, end: number): NumberDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let asDouble: number | undefined;
  let asInt: bigint | undefined;
  const exemplars: Exemplar[] = [];
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        startTimeUnixNano = r.fixed64();
        break;
      case 25:
        timeUnixNano = r.fixed64();
        break;
      case 33:
        asDouble = r.double();
        asInt = undefined;
        break;
      case 42:
        exemplars.push(decodeExemplar(r, r.len()));
        break;
      case 49:
        asInt = r.sfixed64();
        asDouble = undefined;
        break;
      case 58:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 64:
        flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'NumberDataPoint');
  const point: NumberDataPoint = { attributes, startTimeUnixNano, timeUnixNano, exemplars, flags };
  if (asDouble !== undefined) point.asDouble = asDouble;
  if (asInt !== undefined) point.asInt = asInt;
  return point;
}

// HistogramDataPoint: start_time_unix_nano 2, time_unix_nano 3, count 4 (fixed64), sum 5
// (optional), bucket_counts 6 (repeated fixed64), explicit_bounds 7 (repeated double),
// exemplars 8, attributes 9, flags 10, min 11 (optional), max 12 (optional)
function decodeHistogramPoint(r: ProtoReader, end: number): HistogramDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0n;
  let sum: number | undefined;
  const bucketCounts: bigint[] = [];
  const explicitBounds: number[] = [];
  const exemplars: Exemplar[] = [];
  let flags = 0;
  let min: number | undefined;
  let max: number | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        startTimeUnixNano = r.fixed64();
        break;
      case 25:
        timeUnixNano = r.fixed64();
        break;
      case 33:
        count = r.fixed64();
        break;
      case 41:
        sum = r.double();
        break;
      case 50:
        r.packedFixed64(bucketCounts);
        break;
      case 49:
        bucketCounts.push(r.fixed64());
        break;
      case 58:
        r.packedDouble(explicitBounds);
        break;
      case 57:
        explicitBounds.push(r.double());
        break;
      case 66:
        exemplars.push(decodeExemplar(r, r.len()));
        break;
      case 74:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 80:
        flags = r.uint32();
        break;
      case 89:
        min = r.double();
        break;
      case 97:
        max = r.double();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'HistogramDataPoint');
  const point: HistogramDataPoint = {
    attributes,
    startTimeUnixNano,
    timeUnixNano,
    count,
    bucketCounts,
    explicitBounds,
    exemplars,
    flags,
  };
  if (sum !== undefined) point.sum = sum;
  if (min !== undefined) point.min = min;
  if (max !== undefined) point.max = max;
  return point;
}

// ExponentialHistogramDataPoint: attributes 1, start_time_unix_nano 2, time_unix_nano 3,
// count 4 (fixed64), sum 5 (optional), scale 6 (sint32), zero_count 7 (fixed64), positive 8,
// negative 9, flags 10, exemplars 11, min 12 (optional), max 13 (optional), zero_threshold 14
function decodeExponentialPoint(r: ProtoReader, end: number): ExponentialHistogramDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0n;
  let sum: number | undefined;
  let scale = 0;
  let zeroCount = 0n;
  let positive: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  let negative: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  let flags = 0;
  const exemplars: Exemplar[] = [];
  let min: number | undefined;
  let max: number | undefined;
  let zeroThreshold = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 10:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 17:
        startTimeUnixNano = r.fixed64();
        break;
      case 25:
        timeUnixNano = r.fixed64();
        break;
      case 33:
        count = r.fixed64();
        break;
      case 41:
        sum = r.double();
        break;
      case 48:
        scale = r.sint32();
        break;
      case 57:
        zeroCount = r.fixed64();
        break;
      case 66:
        positive = decodeBuckets(r, r.len(), positive);
        break;
      case 74:
        negative = decodeBuckets(r, r.len(), negative);
        break;
      case 80:
        flags = r.uint32();
        break;
      case 90:
        exemplars.push(decodeExemplar(r, r.len()));
        break;
      case 97:
        min = r.double();
        break;
      case 105:
        max = r.double();
        break;
      case 113:
        zeroThreshold = r.double();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'ExponentialHistogramDataPoint');
  const point: ExponentialHistogramDataPoint = {
    attributes,
    startTimeUnixNano,
    timeUnixNano,
    count,
    scale,
    zeroCount,
    positive,
    negative,
    flags,
    exemplars,
    zeroThreshold,
  };
  if (sum !== undefined) point.sum = sum;
  if (min !== undefined) point.min = min;
  if (max !== undefined) point.max = max;
  return point;
}

// ExponentialHistogramDataPoint.Buckets: offset 1 (sint32), bucket_counts 2 (repeated uint64)
function decodeBuckets(r: ProtoReader, end: number, into: ExponentialHistogramBuckets): ExponentialHistogramBuckets {
  let offset = into.offset;
  const bucketCounts = into.bucketCounts;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 8) offset = r.sint32();
    else if (tag === 18) r.packedUint64(bucketCounts);
    else if (tag === 16) bucketCounts.push(r.uint64());
    else r.skip(tag);
  }
  r.expectEnd(end, 'Buckets');
  return { offset, bucketCounts };
}

// SummaryDataPoint: start_time_unix_nano 2, time_unix_nano 3, count 4 (fixed64), sum 5,
// quantile_values 6 (ValueAtQuantile{quantile 1, value 2}), attributes 7, flags 8
function decodeSummaryPoint(r: ProtoReader, end: number): SummaryDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0n;
  let sum = 0;
  const quantileValues: ValueAtQuantile[] = [];
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        startTimeUnixNano = r.fixed64();
        break;
      case 25:
        timeUnixNano = r.fixed64();
        break;
      case 33:
        count = r.fixed64();
        break;
      case 41:
        sum = r.double();
        break;
      case 50:
        quantileValues.push(decodeQuantile(r, r.len()));
        break;
      case 58:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case 64:
        flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'SummaryDataPoint');
  return { attributes, startTimeUnixNano, timeUnixNano, count, sum, quantileValues, flags };
}

function decodeQuantile(r: ProtoReader, end: number): ValueAtQuantile {
  let quantile = 0;
  let value = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 9) quantile = r.double();
    else if (tag === 17) value = r.double();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ValueAtQuantile');
  return { quantile, value };
}

// Exemplar: time_unix_nano 2, as_double 3, span_id 4, trace_id 5, as_int 6 (sfixed64),
// filtered_attributes 7
function decodeExemplar(r: ProtoReader, end: number): Exemplar {
  const filteredAttributes: KeyValue[] = [];
  let timeUnixNano = 0n;
  let asDouble: number | undefined;
  let asInt: bigint | undefined;
  let spanId = EMPTY_BYTES;
  let traceId = EMPTY_BYTES;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 17:
        timeUnixNano = r.fixed64();
        break;
      case 25:
        asDouble = r.double();
        asInt = undefined;
        break;
      case 34:
        spanId = r.id(8, 'Exemplar.span_id');
        break;
      case 42:
        traceId = r.id(16, 'Exemplar.trace_id');
        break;
      case 49:
        asInt = r.sfixed64();
        asDouble = undefined;
        break;
      case 58:
        filteredAttributes.push(decodeKeyValue(r, r.len()));
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Exemplar');
  const exemplar: Exemplar = { filteredAttributes, timeUnixNano, spanId, traceId };
  if (asDouble !== undefined) exemplar.asDouble = asDouble;
  if (asInt !== undefined) exemplar.asInt = asInt;
  return exemplar;
}

// ---- encoding: fields last-first (see ProtoWriter) ----

function encodeMetric(w: ProtoWriter, metric: Metric): void {
  const end = w.written;
  encodeKeyValues(w, 12, metric.metadata);
  if (metric.summary) encodePoints(w, 11, metric.summary.dataPoints, encodeSummaryPoint);
  else if (metric.exponentialHistogram) {
    const data = metric.exponentialHistogram;
    encodePoints(w, 10, data.dataPoints, encodeExponentialPoint, data.aggregationTemporality);
  } else if (metric.histogram) {
    const data = metric.histogram;
    encodePoints(w, 9, data.dataPoints, encodeHistogramPoint, data.aggregationTemporality);
  } else if (metric.sum) {
    const data = metric.sum;
    encodePoints(w, 7, data.dataPoints, encodeNumberPoint, data.aggregationTemporality, data.isMonotonic);
  } else if (metric.gauge) encodePoints(w, 5, metric.gauge.dataPoints, encodeNumberPoint);
  w.stringField(3, metric.unit);
  w.stringField(2, metric.description);
  w.stringField(1, metric.name);
  w.closeMessage(2, end);
}

/** The data message of a metric: written even when empty, since it is a oneof member. */
function encodePoints<P>(
  w: ProtoWriter,
  field: number,
  points: P[],
  encodePoint: (w: ProtoWriter, point: P) => void,
  temporality = 0,
  monotonic = false,
): void {
  const end = w.written;
  if (monotonic) {
    w.bool(true);
    w.tag(3, WireType.VARINT);
  }
  w.enumField(2, temporality);
  for (let i = points.length - 1; i >= 0; i--) {
    const pointEnd = w.written;
    encodePoint(w, points[i]);
    w.closeMessage(1, pointEnd);
  }
  w.closeMessage(field, end);
}

function encodeNumberPoint(w: ProtoWriter, p: NumberDataPoint): void {
  w.uint32Field(8, p.flags);
  encodeKeyValues(w, 7, p.attributes);
  if (p.asInt !== undefined) {
    w.sfixed64(p.asInt);
    w.tag(6, WireType.I64);
  }
  encodeExemplars(w, 5, p.exemplars);
  w.optionalDoubleField(4, p.asInt === undefined ? p.asDouble : undefined);
  w.fixed64Field(3, p.timeUnixNano);
  w.fixed64Field(2, p.startTimeUnixNano);
}

function encodeHistogramPoint(w: ProtoWriter, p: HistogramDataPoint): void {
  w.optionalDoubleField(12, p.max);
  w.optionalDoubleField(11, p.min);
  w.uint32Field(10, p.flags);
  encodeKeyValues(w, 9, p.attributes);
  encodeExemplars(w, 8, p.exemplars);
  w.packedDouble(7, p.explicitBounds);
  w.packedFixed64(6, p.bucketCounts);
  w.optionalDoubleField(5, p.sum);
  w.fixed64Field(4, p.count);
  w.fixed64Field(3, p.timeUnixNano);
  w.fixed64Field(2, p.startTimeUnixNano);
}

function encodeExponentialPoint(w: ProtoWriter, p: ExponentialHistogramDataPoint): void {
  w.doubleField(14, p.zeroThreshold);
  w.optionalDoubleField(13, p.max);
  w.optionalDoubleField(12, p.min);
  encodeExemplars(w, 11, p.exemplars);
  w.uint32Field(10, p.flags);
  encodeBuckets(w, 9, p.negative);
  encodeBuckets(w, 8, p.positive);
  w.fixed64Field(7, p.zeroCount);
  if (p.scale !== 0) {
    w.sint32(p.scale);
    w.tag(6, WireType.VARINT);
  }
  w.optionalDoubleField(5, p.sum);
  w.fixed64Field(4, p.count);
  w.fixed64Field(3, p.timeUnixNano);
  w.fixed64Field(2, p.startTimeUnixNano);
  encodeKeyValues(w, 1, p.attributes);
}

function encodeBuckets(w: ProtoWriter, field: number, buckets: ExponentialHistogramBuckets): void {
  if (buckets.offset === 0 && buckets.bucketCounts.length === 0) return;
  const end = w.written;
  w.packedUint64(2, buckets.bucketCounts);
  if (buckets.offset !== 0) {
    w.sint32(buckets.offset);
    w.tag(1, WireType.VARINT);
  }
  w.closeMessage(field, end);
}

function encodeSummaryPoint(w: ProtoWriter, p: SummaryDataPoint): void {
  w.uint32Field(8, p.flags);
  encodeKeyValues(w, 7, p.attributes);
  for (let i = p.quantileValues.length - 1; i >= 0; i--) {
    const q = p.quantileValues[i];
    const end = w.written;
    w.doubleField(2, q.value);
    w.doubleField(1, q.quantile);
    w.closeMessage(6, end);
  }
  w.doubleField(5, p.sum);
  w.fixed64Field(4, p.count);
  w.fixed64Field(3, p.timeUnixNano);
  w.fixed64Field(2, p.startTimeUnixNano);
}

function encodeExemplars(w: ProtoWriter, field: number, exemplars: Exemplar[]): void {
  for (let i = exemplars.length - 1; i >= 0; i--) {
    const e = exemplars[i];
    const end = w.written;
    encodeKeyValues(w, 7, e.filteredAttributes);
    if (e.asInt !== undefined) {
      w.sfixed64(e.asInt);
      w.tag(6, WireType.I64);
    }
    w.bytesField(5, e.traceId);
    w.bytesField(4, e.spanId);
    w.optionalDoubleField(3, e.asInt === undefined ? e.asDouble : undefined);
    w.fixed64Field(2, e.timeUnixNano);
    w.closeMessage(field, end);
  }
}
