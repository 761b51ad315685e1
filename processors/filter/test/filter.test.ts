// The filter processor's README examples (otelcol-contrib processor/filterprocessor): an item
// is dropped when any of its context's conditions holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Batch, BatchInput, CreateSettings } from '@flowtel/core';
import { pushThrough } from '@flowtel/testkit';
import {
  type Logs,
  type Metric,
  type Metrics,
  type Span,
  type Traces,
  attr,
  decodeTracesPassThrough,
  encodeTraces,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  passThroughBytes,
} from '@flowtel/pdata';
import { factory } from '../src/index.ts';

interface Run {
  out: Batch[];
  done: Promise<void>;
  counted: () => Promise<number | undefined>;
}

async function run(config: Record<string, unknown>, batch: BatchInput): Promise<Run> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const settings: CreateSettings = {
    id: 'filter/ottl',
    kind: 'processor',
    logger: pino({ level: 'silent' }),
    meter: provider.getMeter('test'),
    metricsLevel: 'basic',
    configDir: process.cwd(),
  };
  const p = factory.createProcessor(settings, factory.configSchema.parse(config), batch.signal as 'traces', 'p');
  const { out, done } = pushThrough(p, batch);
  const counted = async () => {
    await reader.forceFlush();
    const metric = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .find((m) => m.descriptor.name.startsWith('otelcol_processor_filter_'));
    await provider.shutdown();
    if (!metric) return undefined;
    assert.deepEqual(metric.dataPoints[0].attributes, { filter: 'filter/ottl' });
    return metric.dataPoints[0].value as number;
  };
  return { out, done, counted };
}

function traces(resourceAttrs: ReturnType<typeof attr>[], ...spans: Span[]): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource(resourceAttrs),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope(), schemaUrl: '', spans }],
      },
    ],
  };
}
const names = (t: Traces) =>
  t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));

test('README: traces::span conditions drop the spans any condition matches, and count them', async () => {
  const data = traces(
    [attr('host.name', 'web')],
    newSpan({ name: 'a', attributes: [attr('container.name', 'app_container_1')] }),
    newSpan({ name: 'app_3' }),
    newSpan({ name: 'kept', attributes: [attr('container.name', 'other')] }),
  );
  const r = await run(
    {
      error_mode: 'ignore',
      traces: {
        span: [
          'attributes["container.name"] == "app_container_1"',
          'resource.attributes["host.name"] == "localhost"',
          'name == "app_3"',
        ],
      },
    },
    { signal: 'traces', data, items: 3 },
  );
  assert.deepEqual(names(r.out[0].data as Traces), ['kept']);
  assert.equal(r.out[0].items, 1);
  assert.equal(await r.counted(), 2);
});

test('README: traces::spanevent conditions drop events, the spans stay', async () => {
  const ev = (name: string, grpc?: boolean) => ({
    timeUnixNano: 1n,
    name,
    attributes: grpc === undefined ? [] : [attr('grpc', grpc)],
    droppedAttributesCount: 0,
  });
  const data = traces([], newSpan({ name: 's', events: [ev('a', true), ev('my.grpc.call'), ev('kept', false)] }));
  const r = await run(
    { traces: { spanevent: ['attributes["grpc"] == true', 'IsMatch(name, ".*grpc.*")'] } },
    { signal: 'traces', data, items: 1 },
  );
  const span = (r.out[0].data as Traces).resourceSpans[0].scopeSpans[0].spans[0];
  assert.deepEqual(
    span.events.map((e) => e.name),
    ['kept'],
  );
  assert.equal(await r.counted(), undefined);
});

function metric(name: string, kind: 'gauge' | 'histogram' | 'summary', points = 1): Metric {
  const base = { name, description: '', unit: '', metadata: [] };
  const common = { attributes: [], startTimeUnixNano: 1n, timeUnixNano: 2n, flags: 0 };
  if (kind === 'gauge')
    return {
      ...base,
      gauge: { dataPoints: Array.from({ length: points }, () => ({ ...common, asInt: 1n, exemplars: [] })) },
    };
  if (kind === 'histogram')
    return {
      ...base,
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [{ ...common, count: 1n, sum: 1, bucketCounts: [1n], explicitBounds: [], exemplars: [] }],
      },
    };
  return { ...base, summary: { dataPoints: [{ ...common, count: 1n, sum: 1, quantileValues: [] }] } };
}

test('README: metrics::metric and metrics::datapoint; a metric left without data points is dropped', async () => {
  const data: Metrics = {
    resourceMetrics: [
      {
        resource: newResource([attr('my_label', 'abc123')]),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope(),
            schemaUrl: '',
            metrics: [
              metric('my.metric', 'gauge', 2),
              metric('latency', 'histogram'),
              metric('quantiles', 'summary'),
              metric('kept', 'gauge', 3),
            ],
          },
        ],
      },
    ],
  };
  const r = await run(
    {
      metrics: {
        metric: [
          'name == "my.metric" and resource.attributes["my_label"] == "abc123"',
          'type == METRIC_DATA_TYPE_HISTOGRAM',
        ],
        datapoint: ['metric.type == METRIC_DATA_TYPE_SUMMARY'],
      },
    },
    { signal: 'metrics', data, items: 7 },
  );
  const out = r.out[0].data as Metrics;
  assert.deepEqual(
    out.resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name),
    ['kept'],
  );
  assert.equal(r.out[0].items, 3);
  assert.equal(await r.counted(), 4);
});

test('README: logs::log_record conditions', async () => {
  const data: Logs = {
    resourceLogs: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeLogs: [
          {
            scope: newScope(),
            schemaUrl: '',
            logRecords: [
              newLogRecord({ body: { stringValue: 'my password is x' }, severityNumber: 17 }),
              newLogRecord({ body: { stringValue: 'debug' }, severityNumber: 5 }),
              newLogRecord({ body: { stringValue: 'warned' }, severityNumber: 13 }),
            ],
          },
        ],
      },
    ],
  };
  const r = await run(
    { logs: { log_record: ['IsMatch(body, ".*password.*")', 'severity_number < SEVERITY_NUMBER_WARN'] } },
    { signal: 'logs', data, items: 3 },
  );
  const recs = (r.out[0].data as Logs).resourceLogs[0].scopeLogs[0].logRecords;
  assert.deepEqual(
    recs.map((l) => (l.body as { stringValue: string }).stringValue),
    ['warned'],
  );
  assert.equal(await r.counted(), 2);
});

test('a request kept whole leaves as its bytes; one with drops is re-encoded without them', async () => {
  const bytes = encodeTraces(traces([attr('service.name', 's')], newSpan({ name: 'a' }), newSpan({ name: 'b' })));
  const kept = await run(
    { traces: { span: ['name == "zzz"'] } },
    { signal: 'traces', data: decodeTracesPassThrough(bytes), items: 2 },
  );
  assert.equal(passThroughBytes(kept.out[0].data), bytes);

  const cut = await run(
    { traces: { span: ['name == "a"'] } },
    { signal: 'traces', data: decodeTracesPassThrough(bytes), items: 2 },
  );
  assert.equal(passThroughBytes(cut.out[0].data), undefined);
  assert.deepEqual(names(cut.out[0].data as Traces), ['b']);
});

test('a batch left empty is acknowledged and goes no further; a resource condition drops the resource', async () => {
  const r = await run(
    { trace_conditions: ['resource.attributes["service.name"] == "noisy"'] },
    { signal: 'traces', data: traces([attr('service.name', 'noisy')], newSpan(), newSpan()), items: 2 },
  );
  assert.equal(r.out.length, 0);
  await r.done;
  assert.equal(await r.counted(), 2);
});

test('error_mode: a condition that fails keeps the item (ignore) or refuses the batch (propagate)', async () => {
  const data = () => traces([], newSpan({ name: 'a', attributes: [attr('n', 1)] }));
  const cond = ['Substring(attributes["n"], 0, 1) == "x"'];
  const ignored = await run(
    { error_mode: 'ignore', traces: { span: cond } },
    { signal: 'traces', data: data(), items: 1 },
  );
  assert.deepEqual(names(ignored.out[0].data as Traces), ['a']);
  const refused = await run(
    { error_mode: 'propagate', traces: { span: cond } },
    { signal: 'traces', data: data(), items: 1 },
  );
  assert.equal(refused.out.length, 0);
  await assert.rejects(refused.done, /expected string but got int64/);
});

test('legacy include/exclude through @flowtel/filter: spans by service, logs by resource attribute, metrics by name', async () => {
  const spans = await run(
    { spans: { exclude: { match_type: 'strict', services: ['app_1', 'app_2'] } } },
    { signal: 'traces', data: traces([attr('service.name', 'app_1')], newSpan({ name: 'x' })), items: 1 },
  );
  assert.equal(spans.out.length, 0);

  const logs = (host: string): Logs => ({
    resourceLogs: [
      {
        resource: newResource([attr('host.name', host)]),
        schemaUrl: '',
        scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [newLogRecord()] }],
      },
    ],
  });
  const include = {
    logs: {
      include: { match_type: 'strict', resource_attributes: [{ key: 'host.name', value: 'just_this_one_hostname' }] },
    },
  };
  assert.equal((await run(include, { signal: 'logs', data: logs('just_this_one_hostname'), items: 1 })).out.length, 1);
  assert.equal((await run(include, { signal: 'logs', data: logs('other'), items: 1 })).out.length, 0);

  const data: Metrics = {
    resourceMetrics: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope(),
            schemaUrl: '',
            metrics: [
              metric('prefix/a', 'gauge'),
              metric('prefix_b', 'gauge'),
              metric('hello_world', 'gauge'),
              metric('other', 'gauge'),
            ],
          },
        ],
      },
    ],
  };
  // README filter/1: include regexp prefix/.* and prefix_.*, exclude strict hello_world
  const m = await run(
    {
      metrics: {
        include: { match_type: 'regexp', metric_names: ['prefix/.*', 'prefix_.*'] },
        exclude: { match_type: 'strict', metric_names: ['hello_world', 'hello/world'] },
      },
    },
    { signal: 'metrics', data, items: 4 },
  );
  assert.deepEqual(
    (m.out[0].data as Metrics).resourceMetrics[0].scopeMetrics[0].metrics.map((x) => x.name),
    ['prefix/a', 'prefix_b'],
  );
});

test('config errors: bad conditions at their key, mixed forms, expr refused', () => {
  const issues = (config: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(config);
    assert.equal(r.success, false, JSON.stringify(config));
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.match(issues({ traces: { span: ['name == "a"', 'nme == "b"'] } })[0], /^traces\.span\.1: .*"nme"/);
  assert.match(
    issues({ logs: { log_record: ['IsMatch(body)'] } })[0],
    /^logs\.log_record\.0: .*missing argument "pattern"/,
  );
  assert.match(
    issues({ traces: { span: ['name == "a"'] }, spans: { include: { match_type: 'strict', services: ['x'] } } })[0],
    /cannot use ottl conditions and include\/exclude for spans at the same time/,
  );
  assert.match(
    issues({ trace_conditions: ['span.name == "a"'], traces: { span: ['name == "b"'] } })[0],
    /cannot use context inferred trace_conditions/,
  );
  assert.match(
    issues({ metrics: { exclude: { match_type: 'expr', expressions: ['MetricName == "x"'] } } })[0],
    /expr.* not yet implemented/,
  );
  assert.match(
    issues({ metric_conditions: [{ context: 'span', conditions: ['name == "a"'] }] })[0],
    /unknown context "span"/,
  );
});
