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
import { EMPTY_BYTES, type ProtoReader } from './reader.ts';
import type { ProtoWriter } from './writer.ts';

// Field numbers by message (metrics.proto), and the wire types of their tags: named here,
// inlined as numbers when compiled (a const enum used in its own file).
// prettier-ignore
const enum Wire { VARINT = 0, I64 = 1, LEN = 2, I32 = 5 }
/** ScopeMetrics (the rest of it is the envelope's) */
// prettier-ignore
const enum ScopeMetricsField { metrics = 2 }
/** Metric; gauge to summary are the `data` oneof */
// prettier-ignore
const enum MetricField {
  name = 1, description = 2, unit = 3, gauge = 5, sum = 7, histogram = 9,
  exponentialHistogram = 10, summary = 11, metadata = 12,
}
/**
 * Gauge, Sum, Histogram, ExponentialHistogram and Summary alike: aggregation_temporality is not
 * in Gauge and Summary, is_monotonic is in Sum only
 */
// prettier-ignore
const enum PointsField { dataPoints = 1, aggregationTemporality = 2, isMonotonic = 3 }
/** NumberDataPoint; the times are fixed64, as_int sfixed64 */
// prettier-ignore
const enum NumberPointField {
  startTimeUnixNano = 2, timeUnixNano = 3, asDouble = 4, exemplars = 5, asInt = 6, attributes = 7,
  flags = 8,
}
/** HistogramDataPoint; count and bucket_counts are fixed64, sum/min/max optional */
// prettier-ignore
const enum HistogramPointField {
  startTimeUnixNano = 2, timeUnixNano = 3, count = 4, sum = 5, bucketCounts = 6,
  explicitBounds = 7, exemplars = 8, attributes = 9, flags = 10, min = 11, max = 12,
}
/** ExponentialHistogramDataPoint; scale is sint32, count/zero_count fixed64 */
// prettier-ignore
const enum ExponentialPointField {
  attributes = 1, startTimeUnixNano = 2, timeUnixNano = 3, count = 4, sum = 5, scale = 6,
  zeroCount = 7, positive = 8, negative = 9, flags = 10, exemplars = 11, min = 12, max = 13,
  zeroThreshold = 14,
}
/** ExponentialHistogramDataPoint.Buckets; offset is sint32, bucket_counts uint64 */
// prettier-ignore
const enum BucketsField { offset = 1, bucketCounts = 2 }
/** SummaryDataPoint; count is fixed64 */
// prettier-ignore
const enum SummaryPointField {
  startTimeUnixNano = 2, timeUnixNano = 3, count = 4, sum = 5, quantileValues = 6, attributes = 7,
  flags = 8,
}
/** SummaryDataPoint.ValueAtQuantile */
// prettier-ignore
const enum ValueAtQuantileField { quantile = 1, value = 2 }
/** Exemplar; as_int is sfixed64 */
// prettier-ignore
const enum ExemplarField {
  timeUnixNano = 2, asDouble = 3, spanId = 4, traceId = 5, asInt = 6, filteredAttributes = 7,
}

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
      case (MetricField.name << 3) | Wire.LEN:
        name = r.string();
        break;
      case (MetricField.description << 3) | Wire.LEN:
        description = r.string();
        break;
      case (MetricField.unit << 3) | Wire.LEN:
        unit = r.string();
        break;
      case (MetricField.gauge << 3) | Wire.LEN:
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
      case (MetricField.sum << 3) | Wire.LEN: {
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
      case (MetricField.histogram << 3) | Wire.LEN: {
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
      case (MetricField.exponentialHistogram << 3) | Wire.LEN: {
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
      case (MetricField.summary << 3) | Wire.LEN:
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
      case (MetricField.metadata << 3) | Wire.LEN:
        metadata.push(decodeKeyValue(r, r.len()));
        break;
      default:
        r.skip(tag);
    }
  }
  r.expectEnd(end, 'Metric');
  return { name, description, unit, ...data, metadata };
}

// Gauge, Sum, Histogram, ExponentialHistogram and Summary share their layout (PointsField).
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
    if (tag === ((PointsField.dataPoints << 3) | Wire.LEN)) points.push(decodePoint(r, r.len()));
    else if (tag === ((PointsField.aggregationTemporality << 3) | Wire.VARINT)) temporality = r.int32();
    else if (tag === ((PointsField.isMonotonic << 3) | Wire.VARINT)) monotonic = r.bool();
    else r.skip(tag);
  }
  r.expectEnd(end, message);
  return { points, temporality, monotonic };
}

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
      case (NumberPointField.startTimeUnixNano << 3) | Wire.I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (NumberPointField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (NumberPointField.asDouble << 3) | Wire.I64:
        asDouble = r.double();
        asInt = undefined;
        break;
      case (NumberPointField.exemplars << 3) | Wire.LEN:
        exemplars.push(decodeExemplar(r, r.len()));
        break;
      case (NumberPointField.asInt << 3) | Wire.I64:
        asInt = r.sfixed64();
        asDouble = undefined;
        break;
      case (NumberPointField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (NumberPointField.flags << 3) | Wire.VARINT:
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
      case (HistogramPointField.startTimeUnixNano << 3) | Wire.I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (HistogramPointField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (HistogramPointField.count << 3) | Wire.I64:
        count = r.fixed64();
        break;
      case (HistogramPointField.sum << 3) | Wire.I64:
        sum = r.double();
        break;
      case (HistogramPointField.bucketCounts << 3) | Wire.LEN:
        r.packedFixed64(bucketCounts);
        break;
      case (HistogramPointField.bucketCounts << 3) | Wire.I64:
        bucketCounts.push(r.fixed64());
        break;
      case (HistogramPointField.explicitBounds << 3) | Wire.LEN:
        r.packedDouble(explicitBounds);
        break;
      case (HistogramPointField.explicitBounds << 3) | Wire.I64:
        explicitBounds.push(r.double());
        break;
      case (HistogramPointField.exemplars << 3) | Wire.LEN:
        exemplars.push(decodeExemplar(r, r.len()));
        break;
      case (HistogramPointField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (HistogramPointField.flags << 3) | Wire.VARINT:
        flags = r.uint32();
        break;
      case (HistogramPointField.min << 3) | Wire.I64:
        min = r.double();
        break;
      case (HistogramPointField.max << 3) | Wire.I64:
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
      case (ExponentialPointField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (ExponentialPointField.startTimeUnixNano << 3) | Wire.I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (ExponentialPointField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (ExponentialPointField.count << 3) | Wire.I64:
        count = r.fixed64();
        break;
      case (ExponentialPointField.sum << 3) | Wire.I64:
        sum = r.double();
        break;
      case (ExponentialPointField.scale << 3) | Wire.VARINT:
        scale = r.sint32();
        break;
      case (ExponentialPointField.zeroCount << 3) | Wire.I64:
        zeroCount = r.fixed64();
        break;
      case (ExponentialPointField.positive << 3) | Wire.LEN:
        positive = decodeBuckets(r, r.len(), positive);
        break;
      case (ExponentialPointField.negative << 3) | Wire.LEN:
        negative = decodeBuckets(r, r.len(), negative);
        break;
      case (ExponentialPointField.flags << 3) | Wire.VARINT:
        flags = r.uint32();
        break;
      case (ExponentialPointField.exemplars << 3) | Wire.LEN:
        exemplars.push(decodeExemplar(r, r.len()));
        break;
      case (ExponentialPointField.min << 3) | Wire.I64:
        min = r.double();
        break;
      case (ExponentialPointField.max << 3) | Wire.I64:
        max = r.double();
        break;
      case (ExponentialPointField.zeroThreshold << 3) | Wire.I64:
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

function decodeBuckets(r: ProtoReader, end: number, into: ExponentialHistogramBuckets): ExponentialHistogramBuckets {
  let offset = into.offset;
  const bucketCounts = into.bucketCounts;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((BucketsField.offset << 3) | Wire.VARINT)) offset = r.sint32();
    else if (tag === ((BucketsField.bucketCounts << 3) | Wire.LEN)) r.packedUint64(bucketCounts);
    else if (tag === ((BucketsField.bucketCounts << 3) | Wire.VARINT)) bucketCounts.push(r.uint64());
    else r.skip(tag);
  }
  r.expectEnd(end, 'Buckets');
  return { offset, bucketCounts };
}

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
      case (SummaryPointField.startTimeUnixNano << 3) | Wire.I64:
        startTimeUnixNano = r.fixed64();
        break;
      case (SummaryPointField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (SummaryPointField.count << 3) | Wire.I64:
        count = r.fixed64();
        break;
      case (SummaryPointField.sum << 3) | Wire.I64:
        sum = r.double();
        break;
      case (SummaryPointField.quantileValues << 3) | Wire.LEN:
        quantileValues.push(decodeQuantile(r, r.len()));
        break;
      case (SummaryPointField.attributes << 3) | Wire.LEN:
        attributes.push(decodeKeyValue(r, r.len()));
        break;
      case (SummaryPointField.flags << 3) | Wire.VARINT:
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
    if (tag === ((ValueAtQuantileField.quantile << 3) | Wire.I64)) quantile = r.double();
    else if (tag === ((ValueAtQuantileField.value << 3) | Wire.I64)) value = r.double();
    else r.skip(tag);
  }
  r.expectEnd(end, 'ValueAtQuantile');
  return { quantile, value };
}

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
      case (ExemplarField.timeUnixNano << 3) | Wire.I64:
        timeUnixNano = r.fixed64();
        break;
      case (ExemplarField.asDouble << 3) | Wire.I64:
        asDouble = r.double();
        asInt = undefined;
        break;
      case (ExemplarField.spanId << 3) | Wire.LEN:
        spanId = r.id(8, 'Exemplar.span_id');
        break;
      case (ExemplarField.traceId << 3) | Wire.LEN:
        traceId = r.id(16, 'Exemplar.trace_id');
        break;
      case (ExemplarField.asInt << 3) | Wire.I64:
        asInt = r.sfixed64();
        asDouble = undefined;
        break;
      case (ExemplarField.filteredAttributes << 3) | Wire.LEN:
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
  encodeKeyValues(w, MetricField.metadata, metric.metadata);
  if (metric.summary) encodePoints(w, MetricField.summary, metric.summary.dataPoints, encodeSummaryPoint);
  else if (metric.exponentialHistogram) {
    const data = metric.exponentialHistogram;
    encodePoints(
      w,
      MetricField.exponentialHistogram,
      data.dataPoints,
      encodeExponentialPoint,
      data.aggregationTemporality,
    );
  } else if (metric.histogram) {
    const data = metric.histogram;
    encodePoints(w, MetricField.histogram, data.dataPoints, encodeHistogramPoint, data.aggregationTemporality);
  } else if (metric.sum) {
    const data = metric.sum;
    encodePoints(w, MetricField.sum, data.dataPoints, encodeNumberPoint, data.aggregationTemporality, data.isMonotonic);
  } else if (metric.gauge) encodePoints(w, MetricField.gauge, metric.gauge.dataPoints, encodeNumberPoint);
  w.stringField(MetricField.unit, metric.unit);
  w.stringField(MetricField.description, metric.description);
  w.stringField(MetricField.name, metric.name);
  w.closeMessage(ScopeMetricsField.metrics, end);
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
    w.tag(PointsField.isMonotonic, Wire.VARINT);
  }
  w.enumField(PointsField.aggregationTemporality, temporality);
  for (let i = points.length - 1; i >= 0; i--) {
    const pointEnd = w.written;
    encodePoint(w, points[i]);
    w.closeMessage(PointsField.dataPoints, pointEnd);
  }
  w.closeMessage(field, end);
}

function encodeNumberPoint(w: ProtoWriter, p: NumberDataPoint): void {
  w.uint32Field(NumberPointField.flags, p.flags);
  encodeKeyValues(w, NumberPointField.attributes, p.attributes);
  if (p.asInt !== undefined) {
    w.sfixed64(p.asInt);
    w.tag(NumberPointField.asInt, Wire.I64);
  }
  encodeExemplars(w, NumberPointField.exemplars, p.exemplars);
  w.optionalDoubleField(NumberPointField.asDouble, p.asInt === undefined ? p.asDouble : undefined);
  w.fixed64Field(NumberPointField.timeUnixNano, p.timeUnixNano);
  w.fixed64Field(NumberPointField.startTimeUnixNano, p.startTimeUnixNano);
}

function encodeHistogramPoint(w: ProtoWriter, p: HistogramDataPoint): void {
  w.optionalDoubleField(HistogramPointField.max, p.max);
  w.optionalDoubleField(HistogramPointField.min, p.min);
  w.uint32Field(HistogramPointField.flags, p.flags);
  encodeKeyValues(w, HistogramPointField.attributes, p.attributes);
  encodeExemplars(w, HistogramPointField.exemplars, p.exemplars);
  w.packedDouble(HistogramPointField.explicitBounds, p.explicitBounds);
  w.packedFixed64(HistogramPointField.bucketCounts, p.bucketCounts);
  w.optionalDoubleField(HistogramPointField.sum, p.sum);
  w.fixed64Field(HistogramPointField.count, p.count);
  w.fixed64Field(HistogramPointField.timeUnixNano, p.timeUnixNano);
  w.fixed64Field(HistogramPointField.startTimeUnixNano, p.startTimeUnixNano);
}

function encodeExponentialPoint(w: ProtoWriter, p: ExponentialHistogramDataPoint): void {
  w.doubleField(ExponentialPointField.zeroThreshold, p.zeroThreshold);
  w.optionalDoubleField(ExponentialPointField.max, p.max);
  w.optionalDoubleField(ExponentialPointField.min, p.min);
  encodeExemplars(w, ExponentialPointField.exemplars, p.exemplars);
  w.uint32Field(ExponentialPointField.flags, p.flags);
  encodeBuckets(w, ExponentialPointField.negative, p.negative);
  encodeBuckets(w, ExponentialPointField.positive, p.positive);
  w.fixed64Field(ExponentialPointField.zeroCount, p.zeroCount);
  if (p.scale !== 0) {
    w.sint32(p.scale);
    w.tag(ExponentialPointField.scale, Wire.VARINT);
  }
  w.optionalDoubleField(ExponentialPointField.sum, p.sum);
  w.fixed64Field(ExponentialPointField.count, p.count);
  w.fixed64Field(ExponentialPointField.timeUnixNano, p.timeUnixNano);
  w.fixed64Field(ExponentialPointField.startTimeUnixNano, p.startTimeUnixNano);
  encodeKeyValues(w, ExponentialPointField.attributes, p.attributes);
}

function encodeBuckets(w: ProtoWriter, field: number, buckets: ExponentialHistogramBuckets): void {
  if (buckets.offset === 0 && buckets.bucketCounts.length === 0) return;
  const end = w.written;
  w.packedUint64(BucketsField.bucketCounts, buckets.bucketCounts);
  if (buckets.offset !== 0) {
    w.sint32(buckets.offset);
    w.tag(BucketsField.offset, Wire.VARINT);
  }
  w.closeMessage(field, end);
}

function encodeSummaryPoint(w: ProtoWriter, p: SummaryDataPoint): void {
  w.uint32Field(SummaryPointField.flags, p.flags);
  encodeKeyValues(w, SummaryPointField.attributes, p.attributes);
  for (let i = p.quantileValues.length - 1; i >= 0; i--) {
    const q = p.quantileValues[i];
    const end = w.written;
    w.doubleField(ValueAtQuantileField.value, q.value);
    w.doubleField(ValueAtQuantileField.quantile, q.quantile);
    w.closeMessage(SummaryPointField.quantileValues, end);
  }
  w.doubleField(SummaryPointField.sum, p.sum);
  w.fixed64Field(SummaryPointField.count, p.count);
  w.fixed64Field(SummaryPointField.timeUnixNano, p.timeUnixNano);
  w.fixed64Field(SummaryPointField.startTimeUnixNano, p.startTimeUnixNano);
}

function encodeExemplars(w: ProtoWriter, field: number, exemplars: Exemplar[]): void {
  for (let i = exemplars.length - 1; i >= 0; i--) {
    const e = exemplars[i];
    const end = w.written;
    encodeKeyValues(w, ExemplarField.filteredAttributes, e.filteredAttributes);
    if (e.asInt !== undefined) {
      w.sfixed64(e.asInt);
      w.tag(ExemplarField.asInt, Wire.I64);
    }
    w.bytesField(ExemplarField.traceId, e.traceId);
    w.bytesField(ExemplarField.spanId, e.spanId);
    w.optionalDoubleField(ExemplarField.asDouble, e.asInt === undefined ? e.asDouble : undefined);
    w.fixed64Field(ExemplarField.timeUnixNano, e.timeUnixNano);
    w.closeMessage(field, end);
  }
}
