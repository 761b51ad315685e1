// The spanmetrics connector against contrib's README and config.go: the default dimensions,
// metric names and buckets, exclude_dimensions, dimension defaults, exponential histograms,
// delta temporality, exemplars, events, the cardinality limit, expiration and contrib's
// config errors. Expected values are worked out by hand from the spans given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Consumers } from '@flowtel/core';
import {
  SpanKind,
  StatusCode,
  attr,
  newResource,
  newScope,
  newSpan,
  type KeyValue,
  type Metric,
  type Metrics,
  type ResourceSpans,
  type Span,
} from '@flowtel/pdata';
import { testSettings } from '@flowtel/testkit';
import { configSchema } from '../src/config.ts';
import { factory } from '../src/factory.ts';
import { SpanMetricsConnector } from '../src/spanmetrics.ts';

const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;

function span(name: string, durationMs: number, fields: Partial<Span> = {}): Span {
  return newSpan({
    name,
    kind: SpanKind.SERVER,
    traceId: new Uint8Array(16).fill(1),
    spanId: new Uint8Array(8).fill(2),
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + BigInt(Math.round(durationMs * 1e6)),
    ...fields,
  });
}

function rs(resource: KeyValue[], spans: Span[], scope = newScope('lib', '1.2')): ResourceSpans {
  return { resource: newResource(resource), schemaUrl: '', scopeSpans: [{ scope, schemaUrl: '', spans }] };
}

function connector(config: unknown = {}, consumers: Consumers = {}) {
  return new SpanMetricsConnector(testSettings('spanmetrics', 'connector'), configSchema.parse(config), consumers);
}

const plain = (attrs: KeyValue[]) =>
  Object.fromEntries(attrs.map((kv) => [kv.key, Object.values(kv.value)[0] as unknown]));

function metric(m: Metrics, name: string, resource = 0): Metric {
  const found = m.resourceMetrics[resource].scopeMetrics[0].metrics.find((x) => x.name === name);
  assert.ok(found, `metric ${name} in ${m.resourceMetrics[resource].scopeMetrics[0].metrics.map((x) => x.name)}`);
  return found;
}

test('defaults: calls and duration per service, span name, kind and status, in ms with the default buckets', () => {
  const c = connector();
  c.aggregate([
    rs(
      [attr('service.name', 'shop'), attr('host.name', 'h1')],
      [
        span('GET /cart', 3),
        span('GET /cart', 3),
        span('GET /cart', 120),
        span('GET /cart', 20_000, { status: { code: StatusCode.ERROR, message: 'x' } }),
        span('SELECT', 1, { kind: SpanKind.CLIENT }),
      ],
    ),
    rs([attr('host.name', 'no-service')], [span('dropped', 1)]),
  ]);
  const m = c.build(1_700_000_001_000);
  // spans of a resource without service.name are skipped, as contrib does
  assert.equal(m.resourceMetrics.length, 1);
  assert.deepEqual(plain(m.resourceMetrics[0].resource.attributes), { 'service.name': 'shop', 'host.name': 'h1' });
  assert.equal(m.resourceMetrics[0].scopeMetrics[0].scope.name, 'spanmetricsconnector');
  const calls = metric(m, 'traces.span.metrics.calls').sum!;
  assert.equal(calls.aggregationTemporality, 2);
  assert.equal(calls.isMonotonic, true);
  const byAttrs = Object.fromEntries(calls.dataPoints.map((p) => [JSON.stringify(plain(p.attributes)), p.asInt]));
  assert.deepEqual(byAttrs, {
    '{"service.name":"shop","span.name":"GET /cart","span.kind":"SPAN_KIND_SERVER","status.code":"STATUS_CODE_UNSET"}':
      3n,
    '{"service.name":"shop","span.name":"GET /cart","span.kind":"SPAN_KIND_SERVER","status.code":"STATUS_CODE_ERROR"}':
      1n,
    '{"service.name":"shop","span.name":"SELECT","span.kind":"SPAN_KIND_CLIENT","status.code":"STATUS_CODE_UNSET"}': 1n,
  });
  const duration = metric(m, 'traces.span.metrics.duration');
  assert.equal(duration.unit, 'ms');
  const ok = duration.histogram!.dataPoints[0];
  assert.deepEqual(ok.explicitBounds, [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000]);
  // 3 ms twice in (2,4], 120 ms in (100,200]
  assert.deepEqual(ok.bucketCounts, [0n, 2n, 0n, 0n, 0n, 0n, 0n, 1n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]);
  assert.equal(ok.count, 3n);
  assert.equal(ok.sum, 126);
  // 20 s is past the last bound: the overflow bucket
  assert.equal(duration.histogram!.dataPoints[1].bucketCounts[16], 1n);
  assert.ok(ok.startTimeUnixNano > 0n && ok.timeUnixNano === 1_700_000_001_000n * MS);
});

test('dimensions: span attribute over resource attribute over default; no value and no default: left out', () => {
  const c = connector({
    dimensions: [{ name: 'http.method', default: 'GET' }, { name: 'region' }, { name: 'http.status_code' }],
    exclude_dimensions: ['status.code'],
    namespace: '',
    histogram: { unit: 's' },
  });
  c.aggregate([
    rs(
      [attr('service.name', 'a'), attr('region', 'eu')],
      [
        span('x', 1500, { attributes: [attr('http.method', 'POST'), attr('http.status_code', 201)] }),
        span('x', 1500, { attributes: [attr('region', 'us')] }),
      ],
    ),
  ]);
  const m = c.build(1_700_000_001_000);
  const calls = metric(m, 'calls').sum!.dataPoints.map((p) => plain(p.attributes));
  assert.deepEqual(calls, [
    {
      'service.name': 'a',
      'span.name': 'x',
      'span.kind': 'SPAN_KIND_SERVER',
      'http.method': 'POST',
      region: 'eu',
      'http.status_code': 201n,
    },
    { 'service.name': 'a', 'span.name': 'x', 'span.kind': 'SPAN_KIND_SERVER', 'http.method': 'GET', region: 'us' },
  ]);
  const d = metric(m, 'duration');
  assert.equal(d.unit, 's');
  // the default buckets in seconds: 1.5 s is in (1.4, 2]
  assert.deepEqual(d.histogram!.dataPoints[0].explicitBounds.slice(0, 3), [0.002, 0.004, 0.006]);
  assert.equal(d.histogram!.dataPoints[0].bucketCounts[12], 1n);
});

test('explicit buckets from durations; exponential histogram with max_size', () => {
  const explicit = connector({ histogram: { explicit: { buckets: ['100us', '1ms', '250ms'] } } });
  explicit.aggregate([rs([attr('service.name', 'a')], [span('x', 0.05), span('x', 0.5), span('x', 300)])]);
  const p = metric(explicit.build(1_700_000_001_000), 'traces.span.metrics.duration').histogram!.dataPoints[0];
  assert.deepEqual(p.explicitBounds, [0.1, 1, 250]);
  assert.deepEqual(p.bucketCounts, [1n, 1n, 0n, 1n]);

  const expo = connector({ histogram: { exponential: { max_size: 10 } } });
  expo.aggregate([rs([attr('service.name', 'a')], [span('x', 1), span('x', 2), span('x', 1000), span('x', 0)])]);
  const e = metric(expo.build(1_700_000_001_000), 'traces.span.metrics.duration').exponentialHistogram!.dataPoints[0];
  assert.equal(e.count, 4n);
  assert.equal(e.sum, 1003);
  assert.equal(e.zeroCount, 1n);
  assert.ok(e.positive.bucketCounts.length <= 10, `${e.positive.bucketCounts.length} buckets`);
  assert.equal(
    e.positive.bucketCounts.reduce((a, b) => a + b, 0n),
    3n,
  );
  // every value lies in its bucket: (base^index, base^(index+1)] with base 2^(2^-scale)
  const base = 2 ** (2 ** -e.scale);
  const bucketOf = (v: number) => Math.ceil(Math.log(v) / Math.log(base)) - 1 - e.positive.offset;
  for (const v of [1, 2, 1000]) assert.ok(e.positive.bucketCounts[bucketOf(v)] >= 1n, `${v} in its bucket`);
  assert.deepEqual([e.min, e.max], [0, 1000]);
});

test('delta temporality: each flush holds what came since the last, starting where it ended', () => {
  const c = connector({ aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA' });
  const batch = () => [rs([attr('service.name', 'a')], [span('x', 5)])];
  c.aggregate(batch());
  c.aggregate(batch());
  const first = metric(c.build(1_700_000_001_000), 'traces.span.metrics.calls').sum!;
  assert.equal(first.aggregationTemporality, 1);
  assert.equal(first.dataPoints[0].asInt, 2n);
  assert.equal(c.build(1_700_000_002_000).resourceMetrics.length, 0, 'nothing new: nothing to send');
  c.aggregate(batch());
  const third = metric(c.build(1_700_000_003_000), 'traces.span.metrics.calls').sum!.dataPoints[0];
  assert.equal(third.asInt, 1n);
  assert.equal(third.startTimeUnixNano, 1_700_000_001_000n * MS);
});

test('cumulative keeps counting; metrics_expiration drops what no span updated', () => {
  const c = connector({ metrics_expiration: '5s' });
  c.aggregate([rs([attr('service.name', 'a')], [span('x', 5)])]);
  const start = metric(c.build(Date.now()), 'traces.span.metrics.calls').sum!.dataPoints[0].startTimeUnixNano;
  c.aggregate([rs([attr('service.name', 'a')], [span('x', 5)])]);
  const again = metric(c.build(Date.now()), 'traces.span.metrics.calls').sum!.dataPoints[0];
  assert.equal(again.asInt, 2n);
  assert.equal(again.startTimeUnixNano, start);
  assert.equal(c.build(Date.now() + 6_000).resourceMetrics.length, 1, 'expired after this flush');
  assert.equal(c.build(Date.now() + 7_000).resourceMetrics.length, 0);
});

test('exemplars: up to max_per_data_point per flush, with the span ids and the duration', () => {
  const c = connector({ exemplars: { enabled: true, max_per_data_point: 2 } });
  c.aggregate([
    rs(
      [attr('service.name', 'a')],
      [span('x', 5), span('x', 7), span('x', 9), span('x', 1, { traceId: new Uint8Array(0) })],
    ),
  ]);
  const m = c.build(1_700_000_001_000);
  const h = metric(m, 'traces.span.metrics.duration').histogram!.dataPoints[0];
  assert.deepEqual(
    h.exemplars.map((e) => [e.asDouble, Buffer.from(e.traceId).toString('hex'), Buffer.from(e.spanId).toString('hex')]),
    [
      [5, '01'.repeat(16), '02'.repeat(8)],
      [7, '01'.repeat(16), '02'.repeat(8)],
    ],
  );
  assert.equal(metric(m, 'traces.span.metrics.calls').sum!.dataPoints[0].exemplars.length, 2);
  c.aggregate([rs([attr('service.name', 'a')], [span('x', 11)])]);
  const next = metric(c.build(1_700_000_002_000), 'traces.span.metrics.duration').histogram!.dataPoints[0];
  assert.deepEqual(
    next.exemplars.map((e) => e.asDouble),
    [11],
  );
});

test('events: a count per span event with the event dimensions', () => {
  const c = connector({ events: { enabled: true, dimensions: [{ name: 'exception.type' }] } });
  const ev = (type: string) => ({
    timeUnixNano: T0,
    name: 'exception',
    attributes: [attr('exception.type', type)],
    droppedAttributesCount: 0,
  });
  c.aggregate([
    rs([attr('service.name', 'a')], [span('x', 5, { events: [ev('Timeout'), ev('Timeout'), ev('IOError')] })]),
  ]);
  const events = metric(c.build(1_700_000_001_000), 'traces.span.metrics.events').sum!.dataPoints;
  assert.deepEqual(
    events.map((p) => [plain(p.attributes)['exception.type'], p.asInt]),
    [
      ['Timeout', 2n],
      ['IOError', 1n],
    ],
  );
});

test('aggregation_cardinality_limit: series past the limit go to one otel.metric.overflow series', () => {
  const c = connector({ aggregation_cardinality_limit: 2 });
  c.aggregate([
    rs(
      [attr('service.name', 'a')],
      ['a', 'b', 'c', 'd', 'a'].map((n) => span(n, 1)),
    ),
  ]);
  const calls = metric(c.build(1_700_000_001_000), 'traces.span.metrics.calls').sum!.dataPoints;
  assert.deepEqual(
    calls.map((p) => [plain(p.attributes), p.asInt]),
    [
      [
        { 'service.name': 'a', 'span.name': 'a', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' },
        2n,
      ],
      [
        { 'service.name': 'a', 'span.name': 'b', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' },
        1n,
      ],
      [{ 'otel.metric.overflow': true }, 2n],
    ],
  );
});

test('resource_metrics_key_attributes: resources that differ elsewhere share their metrics', () => {
  const c = connector({ resource_metrics_key_attributes: ['service.name'] });
  c.aggregate([
    rs([attr('service.name', 'a'), attr('pid', 1)], [span('x', 1)]),
    rs([attr('service.name', 'a'), attr('pid', 2)], [span('x', 1)]),
  ]);
  const m = c.build(1_700_000_001_000);
  assert.equal(m.resourceMetrics.length, 1);
  assert.equal(metric(m, 'traces.span.metrics.calls').sum!.dataPoints[0].asInt, 2n);
  const split = connector();
  split.aggregate([
    rs([attr('service.name', 'a'), attr('pid', 1)], [span('x', 1)]),
    rs([attr('pid', 2), attr('service.name', 'a')], [span('x', 1)]),
    rs([attr('service.name', 'a'), attr('pid', 1)], [span('x', 1)]),
  ]);
  assert.equal(split.build(1_700_000_001_000).resourceMetrics.length, 2);
});

test('include_instrumentation_scope adds the scope of the listed libraries', () => {
  const c = connector({ include_instrumentation_scope: ['lib'] });
  c.aggregate([
    rs([attr('service.name', 'a')], [span('x', 1)]),
    rs([attr('service.name', 'b')], [span('x', 1)], newScope('other')),
  ]);
  const m = c.build(1_700_000_001_000);
  assert.deepEqual(plain(metric(m, 'traces.span.metrics.calls', 0).sum!.dataPoints[0].attributes), {
    'service.name': 'a',
    'span.name': 'x',
    'span.kind': 'SPAN_KIND_SERVER',
    'status.code': 'STATUS_CODE_UNSET',
    'span.instrumentation.scope.name': 'lib',
    'span.instrumentation.scope.version': '1.2',
  });
  assert.equal(metric(m, 'traces.span.metrics.calls', 1).sum!.dataPoints[0].attributes.length, 4);
});

test('histogram::disable: calls only', () => {
  const c = connector({ histogram: { disable: true } });
  c.aggregate([rs([attr('service.name', 'a')], [span('x', 1)])]);
  assert.deepEqual(
    c.build(1_700_000_001_000).resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name),
    ['traces.span.metrics.calls'],
  );
});

test('flush hands the metrics to the metrics pipeline every metrics_flush_interval', async () => {
  const got: Metrics[] = [];
  const c = connector(
    { metrics_flush_interval: '50ms' },
    { metrics: { consume: async (b) => void got.push(b.data as Metrics) } },
  );
  await c.start();
  await c.consume({
    signal: 'traces',
    items: 1,
    data: { resourceSpans: [rs([attr('service.name', 'a')], [span('x', 1)])] },
    ack: undefined as never,
  });
  const deadline = Date.now() + 60_000;
  while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await c.shutdown();
  assert.ok(got.length > 0);
  assert.equal(metric(got[0], 'traces.span.metrics.calls').sum!.dataPoints[0].asInt, 1n);
  await assert.rejects(
    c.consume({ signal: 'logs', items: 0, data: { resourceLogs: [] }, ack: undefined as never }),
    /takes traces/,
  );
});

test("config: contrib's defaults and errors; keys not honoured are refused with the reason", () => {
  const d = configSchema.parse({});
  assert.equal(d.namespace, 'traces.span.metrics');
  assert.equal(d.metrics_flush_interval, 60_000);
  assert.equal(d.aggregation_temporality, 'AGGREGATION_TEMPORALITY_CUMULATIVE');
  assert.equal(d.histogram.unit, 'ms');
  assert.equal(d.exemplars.max_per_data_point, 5);
  assert.equal(d.resource_metrics_cache_size, 1000);
  assert.equal(configSchema.parse({ histogram: { exponential: null } }).histogram.exponential!.max_size, 160);
  const error = (c: unknown) => {
    const r = configSchema.safeParse(c);
    assert.equal(r.success, false);
    return r.error!.issues.map((i) => i.message).join('; ');
  };
  assert.match(error({ dimensions: [{ name: 'span.kind' }] }), /duplicate dimension name span.kind/);
  assert.match(error({ dimensions: [{ name: 'a' }, { name: 'a' }] }), /duplicate dimension name a/);
  assert.match(error({ histogram: { explicit: {}, exponential: {} } }), /either `explicit` or `exponential`/);
  assert.match(error({ events: { enabled: true } }), /no dimensions configured for events/);
  assert.match(error({ dimensions_cache_size: 0 }), /invalid cache size/);
  assert.match(error({ calls_dimensions: [{ name: 'a' }] }), /calls_dimensions is not in flowtel yet/);
  assert.match(error({ histogram: { dimensions: [{ name: 'a' }] } }), /histogram::dimensions is not in flowtel yet/);
  assert.match(error({ aggregation_temporality: 'DELTA' }), /AGGREGATION_TEMPORALITY_DELTA/);
  assert.match(error({ no_such_key: 1 }), /no_such_key/);
  assert.deepEqual(factory.aliases, ['span_metrics']);
});
