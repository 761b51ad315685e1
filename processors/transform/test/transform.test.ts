// The transform processor's README examples (otelcol-contrib processor/transformprocessor),
// with the outputs the README states for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch, BatchInput } from '@flowtel/core';
import {
  type KeyValue,
  type Logs,
  type Metrics,
  type Traces,
  attr,
  fromAnyValue,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
} from '@flowtel/pdata';
import { pushThrough, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const plain = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, fromAnyValue(kv.value)]));

function run(config: Record<string, unknown>, batch: BatchInput): { out: Batch[]; done: Promise<void> } {
  const p = factory.createProcessor(
    testSettings('transform', 'processor'),
    factory.configSchema.parse(config),
    batch.signal as 'traces',
    'p',
  );
  return pushThrough(p, batch);
}

function logs(...bodies: string[]): Logs {
  return {
    resourceLogs: [
      {
        resource: newResource([attr('k8s.namespace.name', 'ns1'), attr('pod_labels_app', 'web'), attr('other', 'x')]),
        schemaUrl: '',
        scopeLogs: [
          {
            scope: newScope(),
            schemaUrl: '',
            logRecords: bodies.map((b) =>
              newLogRecord({ body: { stringValue: b }, attributes: [attr('http.route', '/r')] }),
            ),
          },
        ],
      },
    ],
  };
}
const records = (l: Logs) => l.resourceLogs[0].scopeLogs[0].logRecords;

test('README "Parsing JSON logs": fields of a JSON body become attributes, through the cache', async () => {
  const data = logs('{"name": "log", "attr1": "foo", "attr2": "bar", "nested": {"attr3": "example"}}', 'not json');
  await run(
    {
      log_statements: [
        {
          statements: [
            'merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\\\{")',
            'set(log.attributes["attr1"], log.cache["attr1"])',
            'set(log.attributes["attr2"], log.cache["attr2"])',
            'set(log.attributes["nested.attr3"], log.cache["nested"]["attr3"])',
          ],
        },
      ],
    },
    { signal: 'logs', data, items: 2 },
  );
  assert.deepEqual(plain(records(data)[0].attributes), {
    'http.route': '/r',
    attr1: 'foo',
    attr2: 'bar',
    'nested.attr3': 'example',
  });
  // "If the attribute doesn't exist in cache then nothing happens"; the cache does not leak between records
  assert.deepEqual(plain(records(data)[1].attributes), { 'http.route': '/r' });
});

test('README "Get Severity of an Unstructured Log Body"', async () => {
  const data = logs('[2023-09-22 07:38:22,570] INFO [Something]: some interesting log', '[x] WARN y', '[x] ERROR y');
  await run(
    {
      error_mode: 'ignore',
      log_statements: [
        'set(log.severity_number, SEVERITY_NUMBER_INFO) where IsString(log.body) and IsMatch(log.body, "\\\\sINFO\\\\s")',
        'set(log.severity_number, SEVERITY_NUMBER_WARN) where IsString(log.body) and IsMatch(log.body, "\\\\sWARN\\\\s")',
        'set(log.severity_number, SEVERITY_NUMBER_ERROR) where IsString(log.body) and IsMatch(log.body, "\\\\sERROR\\\\s")',
      ],
    },
    { signal: 'logs', data, items: 3 },
  );
  // the log data model's numbers: INFO 9, WARN 13, ERROR 17
  assert.deepEqual(
    records(data).map((r) => r.severityNumber),
    [9, 13, 17],
  );
});

test('README "Move field to attribute" and "Copy attributes matching regular expression"', async () => {
  const data = logs('hello');
  await run({ log_statements: ['set(log.attributes["body"], log.body)'] }, { signal: 'logs', data, items: 1 });
  assert.equal(plain(records(data)[0].attributes).body, 'hello');

  const t: Traces = {
    resourceSpans: [
      {
        resource: newResource([attr('pod_labels_app', 'web'), attr('pod_labels_tier', 'fe'), attr('host.name', 'h')]),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope(), schemaUrl: '', spans: [newSpan()] }],
      },
    ],
  };
  await run(
    {
      trace_statements: [
        {
          statements: [
            'set(resource.cache["attrs"], resource.attributes)',
            'keep_matching_keys(resource.cache["attrs"], "pod_labels_.*")',
            'set(resource.attributes["kubernetes.labels"], resource.cache["attrs"])',
          ],
        },
      ],
    },
    { signal: 'traces', data: t, items: 1 },
  );
  assert.deepEqual(plain(t.resourceSpans[0].resource.attributes), {
    pod_labels_app: 'web',
    pod_labels_tier: 'fe',
    'host.name': 'h',
    'kubernetes.labels': { pod_labels_app: 'web', pod_labels_tier: 'fe' },
  });
});

test('README "Combine two attributes" and renaming a key with replace_all_patterns', async () => {
  const t: Traces = {
    resourceSpans: [
      {
        resource: newResource([attr('foo', 'a'), attr('bar', 'b'), attr('k8s.namespace.name', 'ns')]),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope(), schemaUrl: '', spans: [newSpan()] }],
      },
    ],
  };
  await run(
    {
      error_mode: 'ignore',
      trace_statements: [
        'set(resource.attributes["test"], Concat([resource.attributes["foo"], resource.attributes["bar"]], " "))',
        'replace_all_patterns(resource.attributes, "key", "k8s\\\\.namespace\\\\.name", "namespace")',
      ],
    },
    { signal: 'traces', data: t, items: 1 },
  );
  assert.deepEqual(plain(t.resourceSpans[0].resource.attributes), { foo: 'a', bar: 'b', namespace: 'ns', test: 'a b' });
});

function metrics(): Metrics {
  const point = (v: number, a: string) => ({
    attributes: [attr('a', a)],
    startTimeUnixNano: 1n,
    timeUnixNano: 2n,
    asDouble: v,
    exemplars: [],
    flags: 0,
  });
  return {
    resourceMetrics: [
      {
        resource: newResource([attr('host.name', 'h'), attr('extra', 'x')]),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope(),
            schemaUrl: '',
            metrics: [
              {
                name: 'system.processes.count',
                description: '',
                unit: '',
                metadata: [],
                sum: { dataPoints: [point(3, 'x')], aggregationTemporality: 2, isMonotonic: false },
              },
              {
                name: 'prometheus_metric',
                description: '',
                unit: '',
                metadata: [],
                gauge: { dataPoints: [point(1, 'x'), point(2, 'y')] },
              },
              {
                name: 'latency',
                description: 'd',
                unit: 'ms',
                metadata: [],
                histogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: [],
                      startTimeUnixNano: 1n,
                      timeUnixNano: 2n,
                      count: 4n,
                      sum: 10,
                      bucketCounts: [1n, 3n],
                      explicitBounds: [5],
                      exemplars: [],
                      flags: 0,
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

test('README basic metric_statements: keep_keys, set where, convert_sum_to_gauge, convert_gauge_to_sum', async () => {
  const data = metrics();
  const { out } = await run(
    {
      metric_statements: [
        'keep_keys(resource.attributes, ["host.name"])',
        'truncate_all(resource.attributes, 4096)',
        'set(metric.description, "Sum") where metric.type == "Sum"',
        'convert_sum_to_gauge() where metric.name == "system.processes.count"',
        'convert_gauge_to_sum("cumulative", false) where metric.name == "prometheus_metric"',
      ],
    },
    { signal: 'metrics', data, items: 4 },
  );
  const [a, b] = data.resourceMetrics[0].scopeMetrics[0].metrics;
  assert.deepEqual(plain(data.resourceMetrics[0].resource.attributes), { 'host.name': 'h' });
  // metric.type is an int: comparing it with the string "Sum" is never true
  assert.equal(a.description, '');
  assert.ok(a.gauge && !a.sum);
  assert.ok(b.sum && !b.gauge);
  assert.equal(b.sum.aggregationTemporality, 2);
  assert.equal(b.sum.isMonotonic, false);
  assert.equal(out.length, 1);
});

test('extract_count_metric, extract_sum_metric, scale_metric, aggregate_on_attributes', async () => {
  const data = metrics();
  const { out } = await run(
    {
      metric_statements: [
        'extract_count_metric(true) where metric.name == "latency"',
        'extract_sum_metric(true) where metric.name == "latency"',
        'scale_metric(10.0, "kWh") where metric.name == "system.processes.count"',
        'aggregate_on_attributes("sum", []) where metric.name == "prometheus_metric"',
      ],
    },
    { signal: 'metrics', data, items: 4 },
  );
  const ms = data.resourceMetrics[0].scopeMetrics[0].metrics;
  assert.deepEqual(
    ms.map((m) => m.name),
    ['system.processes.count', 'prometheus_metric', 'latency', 'latency_count', 'latency_sum'],
  );
  assert.equal(ms[0].sum!.dataPoints[0].asDouble, 30);
  assert.equal(ms[0].unit, 'kWh');
  assert.equal(ms[1].gauge!.dataPoints.length, 1);
  assert.equal(ms[1].gauge!.dataPoints[0].asDouble, 3);
  assert.equal(ms[3].sum!.dataPoints[0].asInt, 4n);
  assert.equal(ms[3].sum!.aggregationTemporality, 1);
  assert.equal(ms[4].sum!.dataPoints[0].asDouble, 10);
  // the batch's item count follows the data points
  assert.equal(out[0].items, 5);
});

test('error_mode: ignore goes on, propagate refuses the batch; a group overrides the top level', async () => {
  const bad = 'set(log.attributes["n"], Substring(log.attributes["http.route"], 5, 1))';
  const ignored = logs('a');
  const r1 = await run(
    { error_mode: 'ignore', log_statements: [bad, 'set(log.attributes["after"], true)'] },
    { signal: 'logs', data: ignored, items: 1 },
  );
  await r1.done;
  assert.equal(r1.out.length, 1);
  assert.equal(plain(records(ignored)[0].attributes).after, true);

  const r2 = await run(
    { error_mode: 'propagate', log_statements: [bad] },
    { signal: 'logs', data: logs('a'), items: 1 },
  );
  assert.equal(r2.out.length, 0);
  await assert.rejects(r2.done, /invalid range for substring function/);

  // README "Override context statements error mode": the group's ignore wins over the top-level propagate
  const r3 = await run(
    {
      error_mode: 'propagate',
      log_statements: [
        {
          error_mode: 'ignore',
          statements: [
            'merge_maps(log.cache, ParseJSON(log.body), "upsert")',
            'set(log.attributes["attr1"], log.cache["attr1"])',
          ],
        },
        { statements: ['set(log.attributes["namespace"], resource.attributes["k8s.namespace.name"])'] },
      ],
    },
    { signal: 'logs', data: logs('not json'), items: 1 },
  );
  await r3.done;
  assert.equal(plain(records(r3.out[0].data as Logs)[0].attributes).namespace, 'ns1');
});

test('config errors name the statement: unknown function, unknown path, signal mismatch, grouped contexts', () => {
  const issues = (config: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(config);
    assert.equal(r.success, false);
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.match(
    issues({ trace_statements: ['set(span.name, "x")', 'set(span.nme, "y")'] })[0],
    /^trace_statements\.1: .*"nme"/,
  );
  assert.match(
    issues({ log_statements: ['set(span.name, "x")'] })[0],
    /^log_statements\.0: .*span paths are not allowed/,
  );
  assert.match(
    issues({ metric_statements: [{ statements: ['set(metric.name, "x")', 'Nope()'] }] })[0],
    /^metric_statements\.0\.statements\.1: /,
  );
  assert.match(
    issues({ trace_statements: [{ context: 'log', statements: [] }] })[0],
    /^trace_statements\.0\.context: unknown context "log"/,
  );
  // the README's context-inference counter-example: a metric function among datapoint paths
  assert.match(
    issues({
      metric_statements: [
        'convert_sum_to_gauge() where metric.name == "system.processes.count"',
        'limit(datapoint.attributes, 100, ["host.name"])',
      ],
    })[0],
    /convert_sum_to_gauge is not available in the datapoint context/,
  );
  assert.match(issues({ trace_statements: ['set(span.name, UserAgent("x"))'] })[0], /not yet implemented in flowtel/);
  assert.match(issues({ flatten_data: true })[0], /not yet implemented/);
  // the grouped form of older configs: a context and paths without a prefix
  assert.equal(
    factory.configSchema.safeParse({
      trace_statements: [{ context: 'span', statements: ['set(attributes["x"], name)'] }],
    }).success,
    true,
  );
});
