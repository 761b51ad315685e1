// Hand-built pdata metrics for the tests, with every field the model has.
import { Ack, type Batch } from '@flowtel/core';
import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  Metric,
  Metrics,
  NumberDataPoint,
  SummaryDataPoint,
} from '@flowtel/pdata';
import { attr, dataPointCount, newResource, newScope } from '@flowtel/pdata';

export const ms = (t: number): bigint => BigInt(t) * 1_000_000n;

export const attrs = (o: Record<string, string | number | boolean>): KeyValue[] =>
  Object.entries(o).map(([k, v]) => attr(k, v));

export function numberPoint(timeMs: number, value: number, attributes: KeyValue[] = [], flags = 0): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes,
    startTimeUnixNano: ms(timeMs - 60_000),
    timeUnixNano: ms(timeMs),
    exemplars: [],
    flags,
  };
  if (Number.isInteger(value)) p.asInt = BigInt(value);
  else p.asDouble = value;
  return p;
}

export function histogramPoint(
  timeMs: number,
  bounds: number[],
  counts: number[],
  sum: number,
  attributes: KeyValue[] = [],
  flags = 0,
): HistogramDataPoint {
  return {
    attributes,
    startTimeUnixNano: ms(timeMs - 60_000),
    timeUnixNano: ms(timeMs),
    count: BigInt(counts.reduce((a, b) => a + b, 0)),
    sum,
    bucketCounts: counts.map(BigInt),
    explicitBounds: bounds,
    exemplars: [],
    flags,
  };
}

export function summaryPoint(
  timeMs: number,
  quantiles: Array<[number, number]>,
  sum: number,
  count: number,
  attributes: KeyValue[] = [],
): SummaryDataPoint {
  return {
    attributes,
    startTimeUnixNano: ms(timeMs - 60_000),
    timeUnixNano: ms(timeMs),
    count: BigInt(count),
    sum,
    quantileValues: quantiles.map(([quantile, value]) => ({ quantile, value })),
    flags: 0,
  };
}

export function exponentialPoint(
  timeMs: number,
  fields: {
    scale: number;
    offset: number;
    counts: number[];
    zeroCount?: number;
    sum: number;
    negative?: { offset: number; counts: number[] };
  },
  attributes: KeyValue[] = [],
): ExponentialHistogramDataPoint {
  const positive = fields.counts.reduce((a, b) => a + b, 0);
  const negative = (fields.negative?.counts ?? []).reduce((a, b) => a + b, 0);
  return {
    attributes,
    startTimeUnixNano: ms(timeMs - 60_000),
    timeUnixNano: ms(timeMs),
    count: BigInt(positive + negative + (fields.zeroCount ?? 0)),
    sum: fields.sum,
    scale: fields.scale,
    zeroCount: BigInt(fields.zeroCount ?? 0),
    positive: { offset: fields.offset, bucketCounts: fields.counts.map(BigInt) },
    negative: { offset: fields.negative?.offset ?? 0, bucketCounts: (fields.negative?.counts ?? []).map(BigInt) },
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
  };
}

const CUMULATIVE = 2;
const DELTA = 1;

export const gauge = (name: string, unit: string, dataPoints: NumberDataPoint[]): Metric => ({
  name,
  unit,
  description: `${name} gauge`,
  metadata: [],
  gauge: { dataPoints },
});
export const counter = (
  name: string,
  unit: string,
  dataPoints: NumberDataPoint[],
  temporality: 'cumulative' | 'delta' = 'cumulative',
): Metric => ({
  name,
  unit,
  description: '',
  metadata: [],
  sum: { dataPoints, aggregationTemporality: temporality === 'delta' ? DELTA : CUMULATIVE, isMonotonic: true },
});
export const upDownCounter = (name: string, unit: string, dataPoints: NumberDataPoint[]): Metric => ({
  name,
  unit,
  description: '',
  metadata: [],
  sum: { dataPoints, aggregationTemporality: CUMULATIVE, isMonotonic: false },
});
export const histogram = (
  name: string,
  unit: string,
  dataPoints: HistogramDataPoint[],
  temporality: 'cumulative' | 'delta' = 'cumulative',
): Metric => ({
  name,
  unit,
  description: '',
  metadata: [],
  histogram: { dataPoints, aggregationTemporality: temporality === 'delta' ? DELTA : CUMULATIVE },
});
export const summary = (name: string, unit: string, dataPoints: SummaryDataPoint[]): Metric => ({
  name,
  unit,
  description: '',
  metadata: [],
  summary: { dataPoints },
});
export const exponentialHistogram = (
  name: string,
  unit: string,
  dataPoints: ExponentialHistogramDataPoint[],
): Metric => ({
  name,
  unit,
  description: '',
  metadata: [],
  exponentialHistogram: { dataPoints, aggregationTemporality: CUMULATIVE },
});

export function metricsOf(resource: KeyValue[], metrics: Metric[]): Metrics {
  return {
    resourceMetrics: [
      {
        resource: newResource(resource),
        schemaUrl: '',
        scopeMetrics: [{ scope: newScope('test', '1.0'), schemaUrl: '', metrics }],
      },
    ],
  };
}

export function batchOf(data: Metrics): Batch {
  return { signal: 'metrics', items: dataPointCount(data), data, ack: Ack.none() };
}
