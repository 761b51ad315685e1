// Translator rules that the real-Prometheus tests do not reach: created series, label
// precedence, what is dropped and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factory } from '../src/index.ts';
import { translateSettings } from '../src/prometheus_remote_write.ts';
import { Translator } from '@flowtel/prometheus';
import {
  attrs,
  counter,
  gauge,
  histogram,
  histogramPoint,
  metricsOf,
  numberPoint,
  summary,
  summaryPoint,
  upDownCounter,
} from './support/metrics.ts';

const T = 1_700_000_000_000;
const translate = (config: Record<string, unknown>, ...args: Parameters<typeof metricsOf>) =>
  new Translator(translateSettings(factory.configSchema.parse(config))).translate(metricsOf(...args));
const byName = (series: ReturnType<typeof translate>['series']) =>
  Object.fromEntries(series.map((s) => [s.labels.find((l) => l.name === '__name__')!.value, s]));
const labelsOf = (s: { labels: Array<{ name: string; value: string }> }) =>
  Object.fromEntries(s.labels.map((l) => [l.name, l.value]));

test('export_created_metric: a _created series holding the start time, for counters, histograms and summaries', () => {
  const t = translate(
    { export_created_metric: { enabled: true } },
    [],
    [
      counter('c', '', [numberPoint(T, 1)]),
      histogram('h', '', [histogramPoint(T, [1], [1, 0], 1)]),
      summary('s', '', [summaryPoint(T, [], 1, 1)]),
      upDownCounter('u', '', [numberPoint(T, 1)]),
    ],
  );
  const series = byName(t.series);
  for (const name of ['c_total_created', 'h_created', 's_created']) {
    assert.deepEqual(series[name]?.samples, [{ value: T - 60_000, timestamp: T }], name);
  }
  assert.equal(series.u_created, undefined, 'not for non-monotonic sums');
  assert.equal(
    byName(translate({}, [], [counter('c', '', [numberPoint(T, 1)])]).series).c_total_created,
    undefined,
    'off by default',
  );
});

test('job and instance win over attributes of those names; attributes win over external labels', () => {
  const t = translate(
    { external_labels: { region: 'eu', team: 'core' } },
    attrs({ 'service.name': 'api', 'service.instance.id': 'i-9' }),
    [gauge('g', '', [numberPoint(T, 1, attrs({ job: 'mine', instance: 'mine', team: 'edge' }))])],
  );
  assert.deepEqual(labelsOf(byName(t.series).g), {
    __name__: 'g',
    job: 'api',
    instance: 'i-9',
    region: 'eu',
    team: 'edge',
  });
});

test('labels with empty values are left out, as remote write 1.0 requires', () => {
  const t = translate({}, attrs({ 'service.name': 'api' }), [
    gauge('g', '', [numberPoint(T, 1, attrs({ empty: '', full: 'x' }))]),
  ]);
  assert.deepEqual(labelsOf(byName(t.series).g), { __name__: 'g', job: 'api', full: 'x' });
});

test('resource_to_telemetry_conversion with exclude_service_attributes keeps job and instance only', () => {
  const t = translate(
    {
      resource_to_telemetry_conversion: { enabled: true, exclude_service_attributes: true },
      target_info: { enabled: false },
    },
    attrs({ 'service.name': 'api', 'service.namespace': 'prod', 'service.instance.id': 'i-1', 'cloud.region': 'eu' }),
    [gauge('g', '', [numberPoint(T, 1)])],
  );
  assert.deepEqual(labelsOf(byName(t.series).g), {
    __name__: 'g',
    job: 'prod/api',
    instance: 'i-1',
    cloud_region: 'eu',
  });
  assert.equal(t.series.length, 1, 'target_info disabled');
});

test('points of one series in one batch become one series with its samples in time order', () => {
  const t = translate(
    {},
    [],
    [
      gauge('g', '', [
        numberPoint(T + 10, 2, attrs({ a: 'x' })),
        numberPoint(T, 1, attrs({ a: 'x' })),
        numberPoint(T, 5, attrs({ a: 'y' })),
      ]),
    ],
  );
  assert.equal(t.series.length, 2);
  assert.deepEqual(
    t.series[0].samples.map((s) => s.value),
    [2, 1],
    'merged; the encoder sorts them',
  );
});

test('what is dropped, and why: delta sums of either kind, delta histograms, empty metrics, names with nothing left', () => {
  const t = translate(
    {},
    [],
    [
      counter('delta.counter', '', [numberPoint(T, 1)], 'delta'),
      {
        ...upDownCounter('delta.updown', '', [numberPoint(T, 1), numberPoint(T, 2)]),
        sum: { dataPoints: [numberPoint(T, 1), numberPoint(T, 2)], aggregationTemporality: 1, isMonotonic: false },
      },
      histogram('delta.hist', '', [histogramPoint(T, [], [1], 1)], 'delta'),
      gauge('empty', '', []),
      gauge('...', '', [numberPoint(T, 1)]),
      gauge('kept', '', [numberPoint(T, 1)]),
    ],
  );
  assert.deepEqual(Object.keys(byName(t.series)), ['kept']);
  assert.equal(t.droppedPoints, 1 + 2 + 1 + 1);
  assert.equal(t.errors.length, 5);
  assert.match(t.errors[0], /invalid temporality and type combination for metric "delta.counter"/);
  assert.match(t.errors[3], /empty data points. empty is dropped/);
  assert.match(t.errors[4], /resulted in empty name/);
});

test('a histogram without a sum has no _sum series; summaries flagged NoRecordedValue go stale everywhere', () => {
  const point = histogramPoint(T, [1], [1, 1], 0);
  delete point.sum;
  const stale = summaryPoint(T, [[0.5, 1]], 3, 2);
  stale.flags = 1;
  const series = byName(translate({}, [], [histogram('h', '', [point]), summary('s', '', [stale])]).series);
  assert.equal(series.h_sum, undefined);
  assert.ok(series.h_count);
  for (const name of ['s', 's_sum', 's_count']) assert.equal(series[name].samples[0].stale, true, name);
});

test('NoUTF8EscapingWithSuffixes keeps dots in metric and label names', () => {
  const t = translate(
    { translation_strategy: 'NoUTF8EscapingWithSuffixes' },
    [],
    [counter('http.requests', '', [numberPoint(T, 1, attrs({ 'http.method': 'GET' }))])],
  );
  assert.deepEqual(labelsOf(t.series[0]), { __name__: 'http.requests_total', 'http.method': 'GET' });
});
