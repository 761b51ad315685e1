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
import { METRICS_LAYOUT } from '../signal-layout.ts';
import { attributesFromJson, keyValueToJson } from './common.ts';
import { envelopeFromJson, envelopeToJsonObject, type JsonSignal } from './envelope.ts';
import {
  arrayField,
  asObject,
  boolField,
  doubleField,
  doubleJson,
  enumField,
  field,
  idField,
  int64Field,
  intField,
  JsonOut,
  optionalDoubleField,
  stringField,
  toBigInt,
  toDouble,
  uint32Field,
  type JsonObject,
} from './values.ts';

const TEMPORALITIES = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];

const METRICS: JsonSignal<Metric> = { layout: METRICS_LAYOUT, itemFromJson: metricFromJson, itemToJson: metricToJson };

export function metricsFromJson(input: string | object): Metrics {
  return envelopeFromJson(input, METRICS, 'metrics') as unknown as Metrics;
}

export function metricsToJson(data: Metrics): string {
  return JSON.stringify(metricsToJsonObject(data));
}

export function metricsToJsonObject(data: Metrics): JsonObject {
  return envelopeToJsonObject(data, METRICS);
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
  if ((d = data('gauge'))) metric.gauge = { dataPoints: arrayField(d, 'dataPoints', `${path}.gauge`, numberPointFromJson) };
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
  else if ((d = data('summary'))) metric.summary = { dataPoints: arrayField(d, 'dataPoints', `${path}.summary`, summaryPointFromJson) };
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

function optionals(o: JsonObject, path: string, keys: readonly ('sum' | 'min' | 'max')[], into: { sum?: number; min?: number; max?: number }): void {
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

function metricToJson(m: Metric): JsonObject {
  const out = new JsonOut().str('name', m.name).str('description', m.description).str('unit', m.unit);
  if (m.gauge) out.set('gauge', new JsonOut().list('dataPoints', m.gauge.dataPoints, numberPointToJson).o);
  else if (m.sum)
    out.set(
      'sum',
      new JsonOut()
        .list('dataPoints', m.sum.dataPoints, numberPointToJson)
        .num('aggregationTemporality', m.sum.aggregationTemporality)
        .bool('isMonotonic', m.sum.isMonotonic).o,
    );
  else if (m.histogram)
    out.set(
      'histogram',
      new JsonOut().list('dataPoints', m.histogram.dataPoints, histogramPointToJson).num('aggregationTemporality', m.histogram.aggregationTemporality).o,
    );
  else if (m.exponentialHistogram)
    out.set(
      'exponentialHistogram',
      new JsonOut()
        .list('dataPoints', m.exponentialHistogram.dataPoints, exponentialPointToJson)
        .num('aggregationTemporality', m.exponentialHistogram.aggregationTemporality).o,
    );
  else if (m.summary) out.set('summary', new JsonOut().list('dataPoints', m.summary.dataPoints, summaryPointToJson).o);
  return out.list('metadata', m.metadata, keyValueToJson).o;
}

/** Fields every data point kind shares. */
function pointBase(p: { attributes: Metric['metadata']; startTimeUnixNano: bigint; timeUnixNano: bigint }): JsonOut {
  return new JsonOut().list('attributes', p.attributes, keyValueToJson).int64('startTimeUnixNano', p.startTimeUnixNano).int64('timeUnixNano', p.timeUnixNano);
}

function numberValueToJson(out: JsonOut, v: { asDouble?: number; asInt?: bigint }): JsonOut {
  if (v.asInt !== undefined) return out.set('asInt', v.asInt.toString());
  return out.set('asDouble', v.asDouble === undefined ? undefined : doubleJson(v.asDouble));
}

function numberPointToJson(p: NumberDataPoint): JsonObject {
  return numberValueToJson(pointBase(p), p).list('exemplars', p.exemplars, exemplarToJson).num('flags', p.flags).o;
}

function exemplarToJson(e: Exemplar): JsonObject {
  return numberValueToJson(
    new JsonOut().list('filteredAttributes', e.filteredAttributes, keyValueToJson).int64('timeUnixNano', e.timeUnixNano).id('spanId', e.spanId).id('traceId', e.traceId),
    e,
  ).o;
}

function optionalsToJson(out: JsonOut, p: { sum?: number; min?: number; max?: number }): JsonOut {
  for (const key of ['sum', 'min', 'max'] as const) {
    const v = p[key];
    if (v !== undefined) out.set(key, doubleJson(v));
  }
  return out;
}

function histogramPointToJson(p: HistogramDataPoint): JsonObject {
  return optionalsToJson(pointBase(p).int64('count', p.count), p)
    .list('bucketCounts', p.bucketCounts, String)
    .list('explicitBounds', p.explicitBounds, doubleJson)
    .list('exemplars', p.exemplars, exemplarToJson)
    .num('flags', p.flags).o;
}

function bucketsToJson(b: ExponentialHistogramBuckets): JsonObject {
  return new JsonOut().num('offset', b.offset).list('bucketCounts', b.bucketCounts, String).o;
}

function exponentialPointToJson(p: ExponentialHistogramDataPoint): JsonObject {
  return optionalsToJson(pointBase(p).int64('count', p.count), p)
    .num('scale', p.scale)
    .int64('zeroCount', p.zeroCount)
    .message('positive', bucketsToJson(p.positive))
    .message('negative', bucketsToJson(p.negative))
    .num('flags', p.flags)
    .list('exemplars', p.exemplars, exemplarToJson)
    .double('zeroThreshold', p.zeroThreshold).o;
}

function summaryPointToJson(p: SummaryDataPoint): JsonObject {
  return pointBase(p)
    .int64('count', p.count)
    .double('sum', p.sum)
    .list('quantileValues', p.quantileValues, (q) => new JsonOut().double('quantile', q.quantile).double('value', q.value).o)
    .num('flags', p.flags).o;
}
