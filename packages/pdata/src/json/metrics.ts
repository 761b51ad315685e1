// metrics.proto in OTLP/JSON.
import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  Metrics,
  NumberDataPoint,
  SummaryDataPoint,
} from '../model.ts';
import type { EncodeBuffer } from '../encode-buffer.ts';
import { METRICS_LAYOUT } from '../signal-layout.ts';
import { attributesFromJson, writeKeyValue } from './common.ts';
import { envelopeFromJson, writeEnvelope, type JsonSignal } from './envelope.ts';
import {
  arrayField,
  asObject,
  boolField,
  doubleField,
  enumField,
  field,
  idField,
  int64Field,
  intField,
  optionalDoubleField,
  stringField,
  toBigInt,
  toDouble,
  uint32Field,
  type JsonObject,
} from './values.ts';
import { METRICS_MESSAGE, TEMPORALITIES } from './transcode.ts';
import type { JsonWriter } from './writer.ts';
import { jsonToProto } from './to-proto.ts';
import { decodeMetrics } from '../proto/metrics.ts';
import { passThrough } from '../proto/pass-through.ts';

const METRICS: JsonSignal<Metric> = {
  layout: METRICS_LAYOUT,
  itemFromJson: metricFromJson,
  writeItem: writeMetric,
  message: METRICS_MESSAGE,
};

export function metricsFromJson(input: string | object): Metrics {
  return envelopeFromJson(input, METRICS, 'metrics') as unknown as Metrics;
}

/**
 * OTLP/JSON checked as metricsFromJson checks it, kept as the protobuf bytes of the same request
 * (pass-through: see to-proto.ts), for a receiver that hands the data on.
 */
export function decodeMetricsJsonPassThrough(input: string | object | Uint8Array): Metrics {
  const { bytes, items } = jsonToProto(input, METRICS_MESSAGE, 'metrics', 'dataPoints');
  return passThrough(METRICS_LAYOUT, decodeMetrics, bytes, items);
}

/** An ExportMetricsServiceRequest as OTLP/JSON, UTF-8 encoded (into `reused`'s memory when given: valid until its next use). */
export function encodeMetricsJson(data: Metrics, reused?: EncodeBuffer): Uint8Array {
  return writeEnvelope(data, METRICS, reused).toBytes();
}

export function metricsToJson(data: Metrics): string {
  return writeEnvelope(data, METRICS).toText();
}

function metricFromJson(value: unknown, path: string): Metric {
  const o = asObject(value, path);
  const metric: Metric = {
    name: stringField(o, 'name', path),
    description: stringField(o, 'description', path),
    unit: stringField(o, 'unit', path),
    metadata: attributesFromJson(o, 'metadata', path),
  };
  const data = (key: string) => {
    const v = field(o, key);
    return v === undefined ? undefined : asObject(v, `${path}.${key}`);
  };
  let d: JsonObject | undefined;
  if ((d = data('gauge')))
    metric.gauge = { dataPoints: arrayField(d, 'dataPoints', `${path}.gauge`, numberPointFromJson) };
  else if ((d = data('sum')))
    metric.sum = {
      dataPoints: arrayField(d, 'dataPoints', `${path}.sum`, numberPointFromJson),
      aggregationTemporality: enumField(d, 'aggregationTemporality', `${path}.sum`, TEMPORALITIES),
      isMonotonic: boolField(d, 'isMonotonic', `${path}.sum`),
    };
  else if ((d = data('histogram')))
    metric.histogram = {
      dataPoints: arrayField(d, 'dataPoints', `${path}.histogram`, histogramPointFromJson),
      aggregationTemporality: enumField(d, 'aggregationTemporality', `${path}.histogram`, TEMPORALITIES),
    };
  else if ((d = data('exponentialHistogram')))
    metric.exponentialHistogram = {
      dataPoints: arrayField(d, 'dataPoints', `${path}.exponentialHistogram`, exponentialPointFromJson),
      aggregationTemporality: enumField(d, 'aggregationTemporality', `${path}.exponentialHistogram`, TEMPORALITIES),
    };
  else if ((d = data('summary')))
    metric.summary = { dataPoints: arrayField(d, 'dataPoints', `${path}.summary`, summaryPointFromJson) };
  return metric;
}

/** as_double / as_int of NumberDataPoint and Exemplar: a oneof, so only the one sent is set. */
function numberValue(o: JsonObject, path: string, into: { asDouble?: number; asInt?: bigint }): void {
  const asInt = field(o, 'asInt');
  if (asInt !== undefined) into.asInt = toBigInt(asInt, `${path}.asInt`, true);
  else {
    const asDouble = field(o, 'asDouble');
    if (asDouble !== undefined) into.asDouble = toDouble(asDouble, `${path}.asDouble`);
  }
}

function numberPointFromJson(value: unknown, path: string): NumberDataPoint {
  const o = asObject(value, path);
  const point: NumberDataPoint = {
    attributes: attributesFromJson(o, 'attributes', path),
    startTimeUnixNano: int64Field(o, 'startTimeUnixNano', path),
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    exemplars: arrayField(o, 'exemplars', path, exemplarFromJson),
    flags: uint32Field(o, 'flags', path),
  };
  numberValue(o, path, point);
  return point;
}

function exemplarFromJson(value: unknown, path: string): Exemplar {
  const o = asObject(value, path);
  const exemplar: Exemplar = {
    filteredAttributes: attributesFromJson(o, 'filteredAttributes', path),
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    spanId: idField(o, 'spanId', path, 8),
    traceId: idField(o, 'traceId', path, 16),
  };
  numberValue(o, path, exemplar);
  return exemplar;
}

function optionals(
  o: JsonObject,
  path: string,
  keys: readonly ('sum' | 'min' | 'max')[],
  into: { sum?: number; min?: number; max?: number },
): void {
  for (const key of keys) {
    const v = optionalDoubleField(o, key, path);
    if (v !== undefined) into[key] = v;
  }
}

function histogramPointFromJson(value: unknown, path: string): HistogramDataPoint {
  const o = asObject(value, path);
  const point: HistogramDataPoint = {
    attributes: attributesFromJson(o, 'attributes', path),
    startTimeUnixNano: int64Field(o, 'startTimeUnixNano', path),
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    count: int64Field(o, 'count', path),
    bucketCounts: arrayField(o, 'bucketCounts', path, (v, p) => toBigInt(v, p, false)),
    explicitBounds: arrayField(o, 'explicitBounds', path, toDouble),
    exemplars: arrayField(o, 'exemplars', path, exemplarFromJson),
    flags: uint32Field(o, 'flags', path),
  };
  optionals(o, path, ['sum', 'min', 'max'], point);
  return point;
}

function bucketsFromJson(value: unknown, path: string): ExponentialHistogramBuckets {
  if (value === undefined) return { offset: 0, bucketCounts: [] };
  const o = asObject(value, path);
  return {
    offset: intField(o, 'offset', path, -0x80000000, 0x7fffffff),
    bucketCounts: arrayField(o, 'bucketCounts', path, (v, p) => toBigInt(v, p, false)),
  };
}

function exponentialPointFromJson(value: unknown, path: string): ExponentialHistogramDataPoint {
  const o = asObject(value, path);
  const point: ExponentialHistogramDataPoint = {
    attributes: attributesFromJson(o, 'attributes', path),
    startTimeUnixNano: int64Field(o, 'startTimeUnixNano', path),
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    count: int64Field(o, 'count', path),
    scale: intField(o, 'scale', path, -0x80000000, 0x7fffffff),
    zeroCount: int64Field(o, 'zeroCount', path),
    positive: bucketsFromJson(field(o, 'positive'), `${path}.positive`),
    negative: bucketsFromJson(field(o, 'negative'), `${path}.negative`),
    flags: uint32Field(o, 'flags', path),
    exemplars: arrayField(o, 'exemplars', path, exemplarFromJson),
    zeroThreshold: doubleField(o, 'zeroThreshold', path),
  };
  optionals(o, path, ['sum', 'min', 'max'], point);
  return point;
}

function summaryPointFromJson(value: unknown, path: string): SummaryDataPoint {
  const o = asObject(value, path);
  return {
    attributes: attributesFromJson(o, 'attributes', path),
    startTimeUnixNano: int64Field(o, 'startTimeUnixNano', path),
    timeUnixNano: int64Field(o, 'timeUnixNano', path),
    count: int64Field(o, 'count', path),
    sum: doubleField(o, 'sum', path),
    quantileValues: arrayField(o, 'quantileValues', path, (v, p) => {
      const q = asObject(v, p);
      return { quantile: doubleField(q, 'quantile', p), value: doubleField(q, 'value', p) };
    }),
    flags: uint32Field(o, 'flags', path),
  };
}

// ---- output ----

function writeMetric(w: JsonWriter, m: Metric): void {
  w.open();
  w.str('name', m.name);
  w.str('description', m.description);
  w.str('unit', m.unit);
  if (m.gauge) {
    w.key('gauge');
    w.open();
    w.list('dataPoints', m.gauge.dataPoints, writeNumberPoint);
    w.close();
  } else if (m.sum) {
    w.key('sum');
    w.open();
    w.list('dataPoints', m.sum.dataPoints, writeNumberPoint);
    w.num('aggregationTemporality', m.sum.aggregationTemporality);
    w.bool('isMonotonic', m.sum.isMonotonic);
    w.close();
  } else if (m.histogram) {
    w.key('histogram');
    w.open();
    w.list('dataPoints', m.histogram.dataPoints, writeHistogramPoint);
    w.num('aggregationTemporality', m.histogram.aggregationTemporality);
    w.close();
  } else if (m.exponentialHistogram) {
    w.key('exponentialHistogram');
    w.open();
    w.list('dataPoints', m.exponentialHistogram.dataPoints, writeExponentialPoint);
    w.num('aggregationTemporality', m.exponentialHistogram.aggregationTemporality);
    w.close();
  } else if (m.summary) {
    w.key('summary');
    w.open();
    w.list('dataPoints', m.summary.dataPoints, writeSummaryPoint);
    w.close();
  }
  w.list('metadata', m.metadata, writeKeyValue);
  w.close();
}

/** Fields every data point kind shares. */
function writePointBase(
  w: JsonWriter,
  p: { attributes: Metric['metadata']; startTimeUnixNano: bigint; timeUnixNano: bigint },
): void {
  w.list('attributes', p.attributes, writeKeyValue);
  w.int64('startTimeUnixNano', p.startTimeUnixNano);
  w.int64('timeUnixNano', p.timeUnixNano);
}

/** The value oneof: written whatever it holds, as it has presence. */
function writeNumberValue(w: JsonWriter, v: { asDouble?: number; asInt?: bigint }): void {
  if (v.asInt !== undefined) {
    w.key('asInt');
    w.int64Value(v.asInt);
  } else if (v.asDouble !== undefined) {
    w.key('asDouble');
    w.numberValue(v.asDouble);
  }
}

function writeNumberPoint(w: JsonWriter, p: NumberDataPoint): void {
  w.open();
  writePointBase(w, p);
  writeNumberValue(w, p);
  w.list('exemplars', p.exemplars, writeExemplar);
  w.num('flags', p.flags);
  w.close();
}

function writeExemplar(w: JsonWriter, e: Exemplar): void {
  w.open();
  w.list('filteredAttributes', e.filteredAttributes, writeKeyValue);
  w.int64('timeUnixNano', e.timeUnixNano);
  w.id('spanId', e.spanId);
  w.id('traceId', e.traceId);
  writeNumberValue(w, e);
  w.close();
}

/** sum, min and max are optional: written whenever present, zero included. */
function writeOptionals(w: JsonWriter, p: { sum?: number; min?: number; max?: number }): void {
  for (const key of ['sum', 'min', 'max'] as const) {
    const v = p[key];
    if (v === undefined) continue;
    w.key(key);
    w.numberValue(v);
  }
}

const writeCount = (w: JsonWriter, count: bigint) => w.int64Value(count);
const writeDouble = (w: JsonWriter, v: number) => w.numberValue(v);

function writeHistogramPoint(w: JsonWriter, p: HistogramDataPoint): void {
  w.open();
  writePointBase(w, p);
  w.int64('count', p.count);
  writeOptionals(w, p);
  w.list('bucketCounts', p.bucketCounts, writeCount);
  w.list('explicitBounds', p.explicitBounds, writeDouble);
  w.list('exemplars', p.exemplars, writeExemplar);
  w.num('flags', p.flags);
  w.close();
}

function writeBuckets(w: JsonWriter, b: ExponentialHistogramBuckets): void {
  w.num('offset', b.offset);
  w.list('bucketCounts', b.bucketCounts, writeCount);
}

function writeExponentialPoint(w: JsonWriter, p: ExponentialHistogramDataPoint): void {
  w.open();
  writePointBase(w, p);
  w.int64('count', p.count);
  writeOptionals(w, p);
  w.num('scale', p.scale);
  w.int64('zeroCount', p.zeroCount);
  w.message('positive', p.positive, writeBuckets);
  w.message('negative', p.negative, writeBuckets);
  w.num('flags', p.flags);
  w.list('exemplars', p.exemplars, writeExemplar);
  w.double('zeroThreshold', p.zeroThreshold);
  w.close();
}

function writeQuantile(w: JsonWriter, q: SummaryDataPoint['quantileValues'][number]): void {
  w.open();
  w.double('quantile', q.quantile);
  w.double('value', q.value);
  w.close();
}

function writeSummaryPoint(w: JsonWriter, p: SummaryDataPoint): void {
  w.open();
  writePointBase(w, p);
  w.int64('count', p.count);
  w.double('sum', p.sum);
  w.list('quantileValues', p.quantileValues, writeQuantile);
  w.num('flags', p.flags);
  w.close();
}
