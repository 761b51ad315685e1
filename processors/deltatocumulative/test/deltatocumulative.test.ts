// The deltatocumulative processor against the OTel metrics data model and contrib's rules: delta
// sums, histograms and exponential histograms become the running totals of their streams (the
// stream's start time, each new time); points out of order or starting before their stream, and
// new streams beyond max_streams, are dropped and counted; exponential histograms of different
// scales merge at the lower one by the data model's perfect subsetting (index i -> i >> 1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ack, type Batch, type MetricsBatch } from '@flowtel/core';
import {
  attr,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type Metric,
  newResource,
  newScope,
  type NumberDataPoint,
} from '@flowtel/pdata';
import { pushThrough, testSettings } from '@flowtel/testkit';
import { type DeltaToCumulativeProcessor, factory } from '../src/index.ts';

const processor = (config: object = {}) =>
  factory.createProcessor(
    testSettings('deltatocumulative', 'processor'),
    factory.configSchema.parse(config),
    'metrics',
    'metrics',
  ) as DeltaToCumulativeProcessor;

function push(p: DeltaToCumulativeProcessor, metrics: Metric[]): Metric[] {
  const data = {
    resourceMetrics: [
      {
        resource: newResource([attr('service.name', 'svc')]),
        scopeMetrics: [{ scope: newScope('lib'), metrics, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
  const { out } = pushThrough(p, { signal: 'metrics', data, items: 1, ack: Ack.none() } as unknown as Batch);
  return (out[0] as MetricsBatch | undefined)?.data.resourceMetrics[0]?.scopeMetrics[0]?.metrics ?? [];
}

const num = (start: bigint, time: bigint, v: number | bigint, host = 'a'): NumberDataPoint => ({
  attributes: [attr('host', host)],
  startTimeUnixNano: start,
  timeUnixNano: time,
  ...(typeof v === 'bigint' ? { asInt: v } : { asDouble: v }),
  exemplars: [],
  flags: 0,
});
const sum = (points: NumberDataPoint[], temporality = 1): Metric => ({
  name: 'requests',
  description: '',
  unit: '1',
  metadata: [],
  sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic: true },
});
const values = (ms: Metric[]) =>
  ms.flatMap((m) =>
    m.sum!.dataPoints.map((dp) => [
      dp.startTimeUnixNano,
      dp.timeUnixNano,
      dp.asInt ?? dp.asDouble,
      m.sum!.aggregationTemporality,
    ]),
  );

test('delta sums become running totals from the stream start, per stream', () => {
  const p = processor();
  assert.deepEqual(values(push(p, [sum([num(0n, 10n, 5n), num(0n, 10n, 1.5, 'b')])])), [
    [0n, 10n, 5n, 2],
    [0n, 10n, 1.5, 2],
  ]);
  assert.deepEqual(values(push(p, [sum([num(10n, 20n, 3n), num(10n, 20n, 2.25, 'b')])])), [
    [0n, 20n, 8n, 2],
    [0n, 20n, 3.75, 2],
  ]);
  assert.equal(p.tracked, 2);
  // cumulative sums and gauges pass as they are
  const cumulative = sum([num(0n, 30n, 100n)], 2);
  assert.deepEqual(values(push(p, [cumulative])), [[0n, 30n, 100n, 2]]);
  assert.equal(p.tracked, 2);
});

test('out-of-order points and points starting before their stream are dropped; a metric left empty goes', () => {
  const p = processor();
  push(p, [sum([num(100n, 200n, 1n)])]);
  // not later than the stream's last point
  assert.deepEqual(push(p, [sum([num(150n, 200n, 1n)])]), []);
  // starts before the stream did
  assert.deepEqual(push(p, [sum([num(50n, 300n, 1n)])]), []);
  assert.deepEqual(values(push(p, [sum([num(200n, 300n, 4n)])])), [[100n, 300n, 5n, 2]]);
});

test('max_streams: points of new streams beyond the limit are dropped, known streams go on', () => {
  const p = processor({ max_streams: 1 });
  assert.equal(values(push(p, [sum([num(0n, 1n, 1n, 'a'), num(0n, 1n, 1n, 'b')])])).length, 1);
  assert.deepEqual(values(push(p, [sum([num(1n, 2n, 2n, 'a'), num(1n, 2n, 2n, 'b')])])), [[0n, 2n, 3n, 2]]);
  assert.equal(p.tracked, 1);
});

test('max_stale: a stream with no point for that long is forgotten and starts again', () => {
  const p = processor({ max_stale: '1m' });
  push(p, [sum([num(0n, 1n, 1n)])]);
  p.expire(Date.now() + 30_000);
  assert.equal(p.tracked, 1);
  p.expire(Date.now() + 61_000);
  assert.equal(p.tracked, 0);
  assert.deepEqual(values(push(p, [sum([num(1n, 2n, 2n)])])), [[1n, 2n, 2n, 2]]);
});

const hist = (
  start: bigint,
  time: bigint,
  counts: bigint[],
  bounds: number[],
  extra: Partial<HistogramDataPoint> = {},
) => ({
  name: 'latency',
  description: '',
  unit: 'ms',
  metadata: [],
  histogram: {
    aggregationTemporality: 1,
    dataPoints: [
      {
        attributes: [],
        startTimeUnixNano: start,
        timeUnixNano: time,
        count: counts.reduce((a, b) => a + b, 0n),
        bucketCounts: counts,
        explicitBounds: bounds,
        exemplars: [],
        flags: 0,
        ...extra,
      } as HistogramDataPoint,
    ],
  },
});

test('histograms: buckets, count, sum, min and max add up; new bounds start over from the point', () => {
  const p = processor();
  push(p, [hist(0n, 1n, [1n, 2n, 0n], [10, 100], { sum: 120, min: 5, max: 60 })]);
  const [m] = push(p, [hist(1n, 2n, [0n, 1n, 3n], [10, 100], { sum: 500, min: 20, max: 200 })]);
  const dp = m.histogram!.dataPoints[0];
  assert.equal(m.histogram!.aggregationTemporality, 2);
  assert.deepEqual(
    [dp.startTimeUnixNano, dp.timeUnixNano, dp.count, dp.bucketCounts, dp.sum, dp.min, dp.max],
    [0n, 2n, 7n, [1n, 3n, 3n], 620, 5, 200],
  );
  // a side without min drops it
  const [m2] = push(p, [hist(2n, 3n, [1n, 0n, 0n], [10, 100], { sum: 1 })]);
  assert.deepEqual([m2.histogram!.dataPoints[0].min, m2.histogram!.dataPoints[0].max], [undefined, undefined]);
  const [m3] = push(p, [hist(3n, 4n, [4n, 4n], [50], { sum: 7 })]);
  const reset = m3.histogram!.dataPoints[0];
  assert.deepEqual(
    [reset.startTimeUnixNano, reset.count, reset.bucketCounts, reset.explicitBounds],
    [3n, 8n, [4n, 4n], [50]],
  );
});

const expo = (
  start: bigint,
  time: bigint,
  scale: number,
  offset: number,
  counts: bigint[],
  zero: [number, bigint] = [0, 0n],
): Metric => ({
  name: 'size',
  description: '',
  unit: 'By',
  metadata: [],
  exponentialHistogram: {
    aggregationTemporality: 1,
    dataPoints: [
      {
        attributes: [],
        startTimeUnixNano: start,
        timeUnixNano: time,
        count: counts.reduce((a, b) => a + b, zero[1]),
        scale,
        zeroCount: zero[1],
        zeroThreshold: zero[0],
        positive: { offset, bucketCounts: counts },
        negative: { offset: 0, bucketCounts: [] },
        exemplars: [],
        flags: 0,
      } as ExponentialHistogramDataPoint,
    ],
  },
});
const expoOut = (m: Metric) => {
  const dp = m.exponentialHistogram!.dataPoints[0];
  return {
    scale: dp.scale,
    offset: dp.positive.offset,
    counts: dp.positive.bucketCounts,
    count: dp.count,
    zero: dp.zeroCount,
  };
};

test('exponential histograms: same scale adds bucket by bucket over the union of ranges', () => {
  const p = processor();
  push(p, [expo(0n, 1n, 2, 3, [1n, 2n])]);
  assert.deepEqual(expoOut(push(p, [expo(1n, 2n, 2, 4, [1n, 1n, 5n])])[0]), {
    scale: 2,
    offset: 3,
    counts: [1n, 3n, 1n, 5n],
    count: 10n,
    zero: 0n,
  });
});

test('exponential histograms: a finer scale is collapsed to the coarser one (index i -> i >> 1)', () => {
  const p = processor();
  push(p, [expo(0n, 1n, 0, 0, [1n])]);
  // scale 1 buckets 1..4 are scale 0 buckets 0, 1, 1, 2
  assert.deepEqual(expoOut(push(p, [expo(1n, 2n, 1, 1, [1n, 1n, 1n, 1n])])[0]), {
    scale: 0,
    offset: 0,
    counts: [2n, 2n, 1n],
    count: 5n,
    zero: 0n,
  });
});

test('exponential histograms: more than 160 buckets are downscaled until they fit', () => {
  const p = processor();
  push(p, [expo(0n, 1n, 3, 0, [1n])]);
  // buckets 0 and 200 at scale 3: 201 wide; at scale 2 they are 0 and 100 (101 wide)
  const out = expoOut(push(p, [expo(1n, 2n, 3, 200, [1n])])[0]);
  assert.equal(out.scale, 2);
  assert.equal(out.offset, 0);
  assert.equal(out.counts.length, 101);
  assert.deepEqual([out.counts[0], out.counts[100], out.count], [1n, 1n, 2n]);
});

test('config: contrib defaults and Validate messages', () => {
  assert.deepEqual(factory.configSchema.parse({}), { max_stale: 300_000, max_streams: Number.MAX_SAFE_INTEGER });
  const r = factory.configSchema.safeParse({ max_stale: '0s', max_streams: -1 });
  assert.equal(r.success, false);
  const messages = r.error!.issues.map((i) => i.message);
  assert.match(messages[0], /max_stale must be a positive duration/);
  assert.match(messages[1], /max_streams must be a positive number \(got -1\)/);
});
