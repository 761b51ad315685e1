// The cumulativetodelta processor against the semantics contrib's README and tracker state:
// expected deltas are the differences of the cumulative values written here, the first point
// per initial_value, resets and changed bucket layouts dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstValueFrom, of, toArray } from 'rxjs';
import { Ack, type Batch, type MetricsBatch } from '@flowtel/core';
import {
  AggregationTemporality,
  attr,
  type HistogramDataPoint,
  type Metric,
  type Metrics,
  newResource,
  newScope,
  type NumberDataPoint,
} from '@flowtel/pdata';
import { testSettings, waitFor } from '@flowtel/testkit';
import { type CumulativeToDeltaProcessor, factory } from '../src/index.ts';

const S = 1_000_000_000n;
const T0 = BigInt(Date.now()) * 1_000_000n - 3600n * S; // an hour before the processor started

function create(config: unknown = {}) {
  const p = factory.createProcessor(
    testSettings('cumulativetodelta', 'processor'),
    factory.configSchema.parse(config),
    'metrics',
    'metrics',
  );
  return p as CumulativeToDeltaProcessor;
}

async function push(p: CumulativeToDeltaProcessor, metrics: Metric[]): Promise<Metric[]> {
  const data: Metrics = {
    resourceMetrics: [
      {
        resource: newResource([attr('service.name', 's')]),
        scopeMetrics: [{ scope: newScope('lib', '1'), metrics, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
  const { ack, done } = Ack.withPromise();
  const out = await firstValueFrom(
    of({ signal: 'metrics', data, items: 1, ack } as Batch).pipe(p.operator(), toArray()),
  );
  if (out.length === 0) {
    await done; // nothing left: acknowledged by the processor
    return [];
  }
  return (out[0] as MetricsBatch).data.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

const point = (time: bigint, value: number | bigint, start = T0, flags = 0): NumberDataPoint => ({
  attributes: [attr('k', 'v')],
  startTimeUnixNano: start,
  timeUnixNano: time,
  ...(typeof value === 'bigint' ? { asInt: value } : { asDouble: value }),
  exemplars: [],
  flags,
});
const sum = (
  points: NumberDataPoint[],
  monotonic = true,
  temporality: number = AggregationTemporality.CUMULATIVE,
  name = 'requests',
): Metric => ({
  name,
  description: '',
  unit: '1',
  metadata: [],
  sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic: monotonic },
});
const values = (ms: Metric[]) =>
  ms.flatMap((m) => m.sum!.dataPoints.map((dp) => [dp.startTimeUnixNano, dp.asInt ?? dp.asDouble]));

test('initial_value keep: the first point as it is, then the differences, starting at the previous point', async () => {
  const p = create({ initial_value: 'keep' });
  const first = await push(p, [sum([point(T0 + 10n * S, 100n)])]);
  assert.equal(first[0].sum!.aggregationTemporality, AggregationTemporality.DELTA);
  assert.deepEqual(values(first), [[0n, 100n]]); // contrib leaves the first point's start unset
  assert.deepEqual(values(await push(p, [sum([point(T0 + 20n * S, 150n)])])), [[T0 + 10n * S, 50n]]);
  assert.deepEqual(values(await push(p, [sum([point(T0 + 30n * S, 175n)])])), [[T0 + 20n * S, 25n]]);
});

test('initial_value drop, and auto for a counter that started before the collector: the first point is dropped', async () => {
  for (const initial_value of ['drop', 'auto']) {
    const p = create({ initial_value });
    assert.deepEqual(
      await push(p, [sum([point(T0 + 10n * S, 1.5)])]),
      [],
      'a batch left empty is acknowledged and not passed on',
    );
    assert.deepEqual(values(await push(p, [sum([point(T0 + 20n * S, 4)])])), [[T0 + 10n * S, 2.5]]);
  }
});

test('initial_value auto: a counter started after the collector keeps its first point, unless its start is its timestamp', async () => {
  const p = create();
  const later = BigInt(Date.now() + 60_000) * 1_000_000n;
  assert.deepEqual(values(await push(p, [sum([point(later + S, 7n, later)])])), [[later, 7n]]);
  const other = later + 100n * S;
  assert.deepEqual(await push(p, [sum([point(other, 7n, other)])]), []);
});

test('a decrease is a reset: the point is dropped and the next delta counts from it; a new start time is a new series', async () => {
  const p = create({ initial_value: 'keep' });
  await push(p, [sum([point(T0 + S, 100n)])]);
  await push(p, [sum([point(T0 + 2n * S, 150n)])]);
  assert.deepEqual(await push(p, [sum([point(T0 + 3n * S, 20n)])]), []);
  assert.deepEqual(values(await push(p, [sum([point(T0 + 4n * S, 30n)])])), [[T0 + 3n * S, 10n]]);
  // restarted with a new start time: its own series, first point kept
  assert.deepEqual(values(await push(p, [sum([point(T0 + 5n * S, 5n, T0 + 4n * S)])])), [[0n, 5n]]);
  assert.equal(p.series, 2);
});

test('left alone: non-monotonic and delta sums, gauges; NaN passes, points without a recorded value are dropped', async () => {
  const p = create({ initial_value: 'keep' });
  const gauge: Metric = {
    name: 'g',
    description: '',
    unit: '',
    metadata: [],
    gauge: { dataPoints: [point(T0 + S, 3n)] },
  };
  const out = await push(p, [
    sum([point(T0 + S, 10n)], false, AggregationTemporality.CUMULATIVE, 'updown'),
    sum([point(T0 + S, 10n)], true, AggregationTemporality.DELTA, 'delta'),
    gauge,
    sum([point(T0 + S, NaN), point(T0 + S, 5n, T0, 1)], true, AggregationTemporality.CUMULATIVE, 'stale'),
  ]);
  assert.deepEqual(
    out.map((m) => [m.name, m.sum?.aggregationTemporality, m.sum?.dataPoints.length ?? m.gauge!.dataPoints.length]),
    [
      ['updown', AggregationTemporality.CUMULATIVE, 1],
      ['delta', AggregationTemporality.DELTA, 1],
      ['g', undefined, 1],
      ['stale', AggregationTemporality.DELTA, 1],
    ],
  );
  assert.ok(Number.isNaN(out[3].sum!.dataPoints[0].asDouble));
});

const hpoint = (time: bigint, count: bigint, sum: number, buckets: bigint[], bounds = [10]): HistogramDataPoint => ({
  attributes: [],
  startTimeUnixNano: T0,
  timeUnixNano: time,
  count,
  sum,
  bucketCounts: buckets,
  explicitBounds: bounds,
  exemplars: [],
  flags: 0,
  min: 1,
  max: 50,
});
const histogram = (dp: HistogramDataPoint): Metric => ({
  name: 'latency',
  description: '',
  unit: 'ms',
  metadata: [],
  histogram: { dataPoints: [dp], aggregationTemporality: AggregationTemporality.CUMULATIVE },
});

test('histograms: count, sum and buckets as differences, min and max removed; a changed layout is dropped', async () => {
  const p = create({ initial_value: 'drop' });
  await push(p, [histogram(hpoint(T0 + S, 10n, 100, [2n, 8n]))]);
  const [m] = await push(p, [histogram(hpoint(T0 + 2n * S, 15n, 160, [3n, 12n]))]);
  const dp = m.histogram!.dataPoints[0];
  assert.equal(m.histogram!.aggregationTemporality, AggregationTemporality.DELTA);
  assert.deepEqual(
    [dp.startTimeUnixNano, dp.count, dp.sum, dp.bucketCounts, dp.min, dp.max],
    [T0 + S, 5n, 60, [1n, 4n], undefined, undefined],
  );
  assert.deepEqual(await push(p, [histogram(hpoint(T0 + 3n * S, 20n, 200, [5n, 15n], [20]))]), []);
  assert.deepEqual(await push(p, [histogram(hpoint(T0 + 4n * S, 21n, 210, [5n, 10n, 6n], [10, 20]))]), []);
});

test('include and exclude by name (strict, regexp) and metric type; exclude wins', async () => {
  const names = async (config: unknown) => {
    const p = create({ initial_value: 'keep', ...(config as object) });
    const out = await push(p, [
      sum([point(T0 + S, 1n)], true, AggregationTemporality.CUMULATIVE, 'metric_1_name'),
      sum([point(T0 + S, 1n)], true, AggregationTemporality.CUMULATIVE, 'other'),
      histogram(hpoint(T0 + S, 1n, 1, [1n, 0n])),
    ]);
    return out
      .filter((m) => (m.sum ?? m.histogram)!.aggregationTemporality === AggregationTemporality.DELTA)
      .map((m) => m.name);
  };
  assert.deepEqual(await names({ include: { match_type: 'strict', metrics: ['metric_1_name', 'latency'] } }), [
    'metric_1_name',
    'latency',
  ]);
  assert.deepEqual(await names({ include: { match_type: 'regexp', metrics: ['metric'] } }), ['metric_1_name']);
  assert.deepEqual(await names({ exclude: { match_type: 'regexp', metrics: ['.*metric.*'] } }), ['other', 'latency']);
  assert.deepEqual(
    await names({
      include: { match_type: 'regexp', metrics: ['.*'] },
      exclude: { match_type: 'strict', metrics: ['other'] },
    }),
    ['metric_1_name', 'latency'],
  );
  assert.deepEqual(await names({ include: { metric_types: ['histogram'] } }), ['latency']);
  assert.deepEqual(await names({}), ['metric_1_name', 'other', 'latency']);
});

test('max_staleness: a series not seen for that long is forgotten', async () => {
  const p = create({ initial_value: 'keep', max_staleness: '200ms' });
  await p.start();
  try {
    // the point's own timestamp is what ages: one from an hour ago is stale at the first sweep
    await push(p, [sum([point(T0 + S, 1n)])]);
    assert.equal(p.series, 1);
    await waitFor('the stale series removed', async () => p.series === 0);
  } finally {
    await p.shutdown();
  }
});

test("config: contrib's Validate messages; README's regexp `*metric*` is not RE2 and refused", () => {
  const message = (c: unknown) => factory.configSchema.safeParse(c).error?.issues[0].message;
  assert.equal(message({ include: { metrics: ['a'] } }), 'match_type must be set if metrics are supplied');
  assert.equal(message({ exclude: { match_type: 'strict' } }), 'metrics must be supplied if match_type is set');
  assert.equal(message({ initial_value: 'first' }), 'unknown initial_value: first');
  assert.equal(
    message({ include: { metric_types: ['gauge'] } }),
    'found invalid metric type in include.metric_types: gauge. Valid values are [exponentialhistogram histogram sum]',
  );
  assert.equal(
    message({ include: { match_type: 'regexp', metrics: ['*metric*'] } }),
    'error parsing regexp: missing argument to repetition operator: `*`',
  );
  assert.equal(factory.configSchema.safeParse({}).success, true);
  assert.equal(factory.configSchema.parse({}).max_staleness, 0);
});
