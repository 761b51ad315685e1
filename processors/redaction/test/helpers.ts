// Runs the processor built from YAML-shaped config over data made here, and reads attributes
// back as plain objects.
import { Ack, type Batch } from '@flowtel/core';
import {
  attr,
  type AnyValue,
  type KeyValue,
  type Logs,
  type Metrics,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  type Traces,
} from '@flowtel/pdata';
import { pushThrough, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

export type Scalar = string | number | boolean;
export const kvs = (o: Record<string, Scalar>): KeyValue[] =>
  Object.entries(o).map(([k, v]) => (Number.isInteger(v) ? { key: k, value: { intValue: BigInt(v) } } : attr(k, v)));

const plainValue = (v: AnyValue): unknown => {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('boolValue' in v) return v.boolValue;
  if ('doubleValue' in v) return v.doubleValue;
  if ('kvlistValue' in v) return plain(v.kvlistValue.values);
  if ('arrayValue' in v) return v.arrayValue.values.map(plainValue);
  return undefined;
};
export const plain = (attrs: KeyValue[]): Record<string, unknown> =>
  Object.fromEntries(attrs.map((kv) => [kv.key, plainValue(kv.value)]));
export const plainBody = plainValue;

export function run(config: unknown, signal: 'traces' | 'logs' | 'metrics', data: Traces | Logs | Metrics): Batch {
  const p = factory.createProcessor(
    testSettings('redaction', 'processor'),
    factory.configSchema.parse(config),
    signal,
    signal,
  );
  const { out } = pushThrough(p, { signal, data, items: 1, ack: Ack.none() } as unknown as Batch);
  return out[0];
}

/** The same attributes on a resource, a scope and a span with one event. */
export function traces(attrs: Record<string, Scalar>): Traces {
  const span = newSpan({ name: 's', attributes: kvs(attrs) });
  span.events = [{ timeUnixNano: 1n, name: 'e', attributes: kvs(attrs), droppedAttributesCount: 0 }];
  return {
    resourceSpans: [
      {
        resource: newResource(kvs(attrs)),
        scopeSpans: [{ scope: { ...newScope('s', ''), attributes: kvs(attrs) }, spans: [span], schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

/** Every attribute map of a batch of traces(): resource, scope, span, event. */
export const traceMaps = (t: Traces): KeyValue[][] => {
  const rs = t.resourceSpans[0];
  const span = rs.scopeSpans[0].spans[0];
  return [rs.resource.attributes, rs.scopeSpans[0].scope.attributes, span.attributes, span.events[0].attributes];
};

export function logs(attrs: Record<string, Scalar>, body: AnyValue): Logs {
  return {
    resourceLogs: [
      {
        resource: newResource(kvs(attrs)),
        scopeLogs: [
          {
            scope: { ...newScope('s', ''), attributes: kvs(attrs) },
            logRecords: [newLogRecord({ attributes: kvs(attrs), body })],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

/** One metric of each type, each with one point carrying `attrs`. */
export function metrics(attrs: Record<string, Scalar>): Metrics {
  const point = () => ({ attributes: kvs(attrs), startTimeUnixNano: 0n, timeUnixNano: 1n, exemplars: [], flags: 0 });
  const m = (name: string, body: object) => ({ name, description: '', unit: '', metadata: [], ...body });
  return {
    resourceMetrics: [
      {
        resource: newResource(kvs(attrs)),
        scopeMetrics: [
          {
            scope: { ...newScope('s', ''), attributes: kvs(attrs) },
            metrics: [
              m('g', { gauge: { dataPoints: [{ ...point(), asInt: 1n }] } }),
              m('s', {
                sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...point(), asInt: 1n }] },
              }),
              m('h', {
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [{ ...point(), count: 1n, sum: 1, bucketCounts: [1n], explicitBounds: [] }],
                },
              }),
              m('e', {
                exponentialHistogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      ...point(),
                      count: 0n,
                      scale: 0,
                      zeroCount: 0n,
                      positive: { offset: 0, bucketCounts: [] },
                      negative: { offset: 0, bucketCounts: [] },
                    },
                  ],
                },
              }),
              m('q', { summary: { dataPoints: [{ ...point(), count: 1n, sum: 1, quantileValues: [] }] } }),
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

export const metricMaps = (d: Metrics): KeyValue[][] => {
  const rm = d.resourceMetrics[0];
  const sm = rm.scopeMetrics[0];
  return [
    rm.resource.attributes,
    sm.scope.attributes,
    ...sm.metrics.map(
      (m) => (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)!.dataPoints[0].attributes,
    ),
  ];
};
