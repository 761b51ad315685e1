// The groupbyattrs processor against otelcol-contrib's README: the "Grouping metrics" example
// (host.name moved from the points to new resources, gauge-1's two instances merged, mixed-type's
// gauge and sum kept apart, dont-move left where it was) and the "Compaction" example (no keys:
// five resource spans become two), with the outputs the README prints; and the same grouping on
// spans and log records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ack, type Batch, type LogsBatch, type MetricsBatch, type TracesBatch } from '@flowtel/core';
import {
  attr,
  type KeyValue,
  type Metric,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  type NumberDataPoint,
} from '@flowtel/pdata';
import { pushThrough, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const kvs = (o: Record<string, string>): KeyValue[] => Object.entries(o).map(([k, v]) => attr(k, v));
const plain = (a: KeyValue[]) => Object.fromEntries(a.map((kv) => [kv.key, Object.values(kv.value)[0]]));

function run(config: unknown, batch: Pick<Batch, 'signal' | 'data'>): Batch {
  const p = factory.createProcessor(
    testSettings('groupbyattrs', 'processor'),
    factory.configSchema.parse(config),
    batch.signal as 'traces',
    batch.signal as 'traces',
  );
  return pushThrough(p, { ...batch, items: 1, ack: Ack.none() } as unknown as Batch).out[0];
}

const point = (a: Record<string, string>): NumberDataPoint => ({
  attributes: kvs(a),
  startTimeUnixNano: 0n,
  timeUnixNano: 1n,
  asDouble: 1,
  exemplars: [],
  flags: 0,
});
const A = { 'host.name': 'host-A', id: 'eth0' };
const B = { 'host.name': 'host-B', id: 'eth0' };
const gauge = (name: string, points: Record<string, string>[]): Metric => ({
  name,
  description: '',
  unit: '',
  metadata: [],
  gauge: { dataPoints: points.map(point) },
});
const sum = (name: string, points: Record<string, string>[]): Metric => ({
  name,
  description: '',
  unit: '',
  metadata: [],
  sum: { dataPoints: points.map(point), aggregationTemporality: 2, isMonotonic: false },
});

test('README "Grouping metrics": points move to host-A / host-B resources, the rest stays', () => {
  const out = run(
    { keys: ['host.name'] },
    {
      signal: 'metrics',
      data: {
        resourceMetrics: [
          {
            resource: newResource(kvs({ 'host.name': 'localhost', source: 'prom' })),
            scopeMetrics: [
              {
                scope: newScope(),
                metrics: [
                  gauge('gauge-1', [A, A, B]),
                  gauge('gauge-1', [A, A, B]),
                  gauge('mixed-type', [A, A, B]),
                  sum('mixed-type', [A, A]),
                  gauge('dont-move', [{ id: 'eth0' }]),
                ],
                schemaUrl: '',
              },
            ],
            schemaUrl: '',
          },
        ],
      },
    },
  ) as MetricsBatch;
  const shape = out.data.resourceMetrics.map((rm) => ({
    resource: plain(rm.resource.attributes),
    metrics: rm.scopeMetrics[0].metrics.map((m) => ({
      name: m.name,
      type: m.gauge ? 'GAUGE' : 'SUM',
      points: (m.gauge ?? m.sum)!.dataPoints.map((dp) => plain(dp.attributes)),
    })),
  }));
  const eth0 = { id: 'eth0' };
  // the README's three resources, in the order contrib's code makes them: as first seen (the README
  // lists localhost first)
  assert.deepEqual(shape, [
    {
      resource: { 'host.name': 'host-A', source: 'prom' },
      metrics: [
        { name: 'gauge-1', type: 'GAUGE', points: [eth0, eth0, eth0, eth0] },
        { name: 'mixed-type', type: 'GAUGE', points: [eth0, eth0] },
        { name: 'mixed-type', type: 'SUM', points: [eth0, eth0] },
      ],
    },
    {
      resource: { 'host.name': 'host-B', source: 'prom' },
      metrics: [
        { name: 'gauge-1', type: 'GAUGE', points: [eth0, eth0] },
        { name: 'mixed-type', type: 'GAUGE', points: [eth0] },
      ],
    },
    {
      resource: { 'host.name': 'localhost', source: 'prom' },
      metrics: [{ name: 'dont-move', type: 'GAUGE', points: [eth0] }],
    },
  ]);
});

test('README "Compaction": without keys, equal resources and scopes are merged', () => {
  const rs = (host: string, scopes: [string, number[]][]) => ({
    resource: newResource(kvs({ 'host.name': host })),
    scopeSpans: scopes.map(([lib, ids]) => ({
      scope: newScope(lib),
      spans: ids.map((i) => newSpan({ name: `span ${i}` })),
      schemaUrl: '',
    })),
    schemaUrl: '',
  });
  const out = run(
    {},
    {
      signal: 'traces',
      data: {
        resourceSpans: [
          rs('localhost', [
            ['MyLibrary', [1]],
            ['OtherLibrary', [2]],
          ]),
          rs('localhost', [['MyLibrary', [3]]]),
          rs('localhost', [['MyLibrary', [4]]]),
          rs('otherhost', [['MyLibrary', [5]]]),
        ],
      },
    },
  ) as TracesBatch;
  assert.deepEqual(
    out.data.resourceSpans.map((r) => ({
      resource: plain(r.resource.attributes),
      scopes: r.scopeSpans.map((ss) => [ss.scope.name, ss.spans.map((s) => s.name)]),
    })),
    [
      {
        resource: { 'host.name': 'localhost' },
        scopes: [
          ['MyLibrary', ['span 1', 'span 3', 'span 4']],
          ['OtherLibrary', ['span 2']],
        ],
      },
      { resource: { 'host.name': 'otherhost' }, scopes: [['MyLibrary', ['span 5']]] },
    ],
  );
});

test('spans and log records: a key found moves to the resource (overwriting it there), others stay', () => {
  const resource = () => newResource(kvs({ 'service.name': 'svc', foo: 'resource-level' }));
  const t = run(
    { keys: ['foo', 'bar', 'foo', ''] },
    {
      signal: 'traces',
      data: {
        resourceSpans: [
          {
            resource: resource(),
            scopeSpans: [
              {
                scope: newScope('lib', '1'),
                spans: [
                  newSpan({ name: 'a', attributes: kvs({ foo: '1', bar: 'x', keep: 'k' }) }),
                  newSpan({ name: 'b', attributes: kvs({ keep: 'k' }) }),
                  newSpan({ name: 'c', attributes: kvs({ bar: 'x', foo: '1' }) }),
                ],
                schemaUrl: '',
              },
            ],
            schemaUrl: '',
          },
        ],
      },
    },
  ) as TracesBatch;
  assert.deepEqual(
    t.data.resourceSpans.map((r) => [
      plain(r.resource.attributes),
      r.scopeSpans[0].spans.map((s) => [s.name, plain(s.attributes)]),
    ]),
    [
      [
        { 'service.name': 'svc', foo: '1', bar: 'x' },
        [
          ['a', { keep: 'k' }],
          ['c', {}],
        ],
      ],
      [{ 'service.name': 'svc', foo: 'resource-level' }, [['b', { keep: 'k' }]]],
    ],
  );

  const l = run(
    { keys: ['k8s.pod.name'] },
    {
      signal: 'logs',
      data: {
        resourceLogs: [
          {
            resource: newResource(),
            scopeLogs: [
              {
                scope: newScope(),
                logRecords: ['p1', 'p2', 'p1'].map((pod, i) =>
                  newLogRecord({ body: { stringValue: `line ${i}` }, attributes: kvs({ 'k8s.pod.name': pod }) }),
                ),
                schemaUrl: '',
              },
            ],
            schemaUrl: '',
          },
        ],
      },
    },
  ) as LogsBatch;
  assert.deepEqual(
    l.data.resourceLogs.map((r) => [
      plain(r.resource.attributes),
      r.scopeLogs[0].logRecords.map((x) => Object.values(x.body)[0]),
    ]),
    [
      [{ 'k8s.pod.name': 'p1' }, ['line 0', 'line 2']],
      [{ 'k8s.pod.name': 'p2' }, ['line 1']],
    ],
  );
});
