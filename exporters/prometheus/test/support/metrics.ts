// Hand-built OTLP metrics for the exporter's tests: one resource with the service identity
// the compatibility spec maps to job and instance, and the shapes Prometheus distinguishes.
import { Ack, type Batch } from '@flowtel/core';
import type { HistogramDataPoint, KeyValue, Metric, Metrics, NumberDataPoint } from '@flowtel/pdata';
import { AggregationTemporality, attr, dataPointCount, newResource, newScope } from '@flowtel/pdata';

export const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
export const attrs = (o: Record<string, string | number>): KeyValue[] => Object.entries(o).map(([k, v]) => attr(k, v));

export function point(startMs: number, timeMs: number, value: number, attributes: KeyValue[] = []): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes,
    startTimeUnixNano: ns(startMs),
    timeUnixNano: ns(timeMs),
    exemplars: [],
    flags: 0,
  };
  if (Number.isInteger(value)) p.asInt = BigInt(value);
  else p.asDouble = value;
  return p;
}

export function histogramPoint(
  startMs: number,
  timeMs: number,
  bounds: number[],
  counts: number[],
  sum: number,
  attributes: KeyValue[] = [],
): HistogramDataPoint {
  return {
    attributes,
    startTimeUnixNano: ns(startMs),
    timeUnixNano: ns(timeMs),
    count: BigInt(counts.reduce((a, b) => a + b, 0)),
    sum,
    bucketCounts: counts.map(BigInt),
    explicitBounds: bounds,
    exemplars: [],
    flags: 0,
  };
}

export const RESOURCE = attrs({
  'service.name': 'shop',
  'service.namespace': 'acme',
  'service.instance.id': 'i-1',
  'host.name': 'h1',
});

export const counter = (name: string, unit: string, points: NumberDataPoint[], delta = false): Metric => ({
  name,
  description: `${name} help`,
  unit,
  metadata: [],
  sum: {
    dataPoints: points,
    isMonotonic: true,
    aggregationTemporality: delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  },
});

export const gauge = (name: string, unit: string, points: NumberDataPoint[]): Metric => ({
  name,
  description: `${name} help`,
  unit,
  metadata: [],
  gauge: { dataPoints: points },
});

export const histogram = (name: string, unit: string, points: HistogramDataPoint[]): Metric => ({
  name,
  description: `${name} help`,
  unit,
  metadata: [],
  histogram: { dataPoints: points, aggregationTemporality: AggregationTemporality.CUMULATIVE },
});

export function metrics(list: Metric[], resource: KeyValue[] = RESOURCE, scope = newScope('shop.lib', '1.2')): Metrics {
  return {
    resourceMetrics: [
      { resource: newResource(resource), schemaUrl: '', scopeMetrics: [{ scope, metrics: list, schemaUrl: '' }] },
    ],
  };
}

export const batch = (data: Metrics): Batch => ({
  signal: 'metrics',
  items: dataPointCount(data),
  data,
  ack: Ack.none(),
});
