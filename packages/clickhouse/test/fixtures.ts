// Hand-built telemetry with every field set, and the temp folders and clients tests share.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ack, type Batch } from '@flowtel/core';
import {
  attr,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  type KeyValue,
  type Logs,
  type Metrics,
  type Traces,
} from '@flowtel/pdata';
import type { ClickHouseClient } from '../src/client.ts';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-ch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const id = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** Attributes of every AnyValue kind. */
export const richAttributes: KeyValue[] = [
  attr('str', 'hello'),
  attr('int', 42),
  attr('big', 9007199254740993n),
  attr('dbl', 1.25),
  attr('bool', true),
  { key: 'bytes', value: { bytesValue: new Uint8Array([1, 2, 255]) } },
  { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1n }] } } },
  { key: 'kv', value: { kvlistValue: { values: [attr('x', 'y')] } } },
];

export const T0 = 1_700_000_000_123_456_789n;

export function sampleTraces(): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource([attr('service.name', 'checkout'), attr('host.name', 'h1')]),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: newScope('io.flowtel.test', '1.2.3'),
            schemaUrl: '',
            spans: [
              newSpan({
                traceId: id(16, 0xab),
                spanId: id(8, 0x01),
                traceState: 'vendor=1',
                name: 'GET /cart',
                kind: 2,
                startTimeUnixNano: T0,
                endTimeUnixNano: T0 + 1_500_000n,
                attributes: richAttributes,
                events: [
                  {
                    timeUnixNano: T0 + 10n,
                    name: 'cache.miss',
                    attributes: [attr('key', 'cart:1')],
                    droppedAttributesCount: 0,
                  },
                  { timeUnixNano: T0 + 20n, name: 'retry', attributes: [], droppedAttributesCount: 0 },
                ],
                links: [
                  {
                    traceId: id(16, 0xcd),
                    spanId: id(8, 0x09),
                    traceState: 'l=1',
                    attributes: [attr('link.kind', 'follows')],
                    droppedAttributesCount: 0,
                    flags: 0,
                  },
                ],
                status: { code: 2, message: 'upstream timeout' },
              }),
              newSpan({
                traceId: id(16, 0xab),
                spanId: id(8, 0x02),
                parentSpanId: id(8, 0x01),
                name: 'SELECT carts',
                kind: 3,
                startTimeUnixNano: T0 + 100n,
                endTimeUnixNano: T0 + 900_100n,
                status: { code: 1, message: '' },
              }),
            ],
          },
        ],
      },
      {
        resource: newResource([attr('service.name', 'payments')]),
        schemaUrl: '',
        scopeSpans: [
          {
            scope: newScope('', ''),
            schemaUrl: '',
            spans: [
              newSpan({
                traceId: id(16, 0xee),
                spanId: id(8, 0x05),
                name: 'charge',
                kind: 5,
                startTimeUnixNano: T0 + 5n,
                endTimeUnixNano: T0 + 7n,
              }),
            ],
          },
        ],
      },
    ],
  };
}

export function sampleLogs(): Logs {
  return {
    resourceLogs: [
      {
        resource: newResource([attr('service.name', 'checkout')]),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeLogs: [
          {
            scope: {
              name: 'app.logger',
              version: '0.9',
              attributes: [attr('scope.attr', 'v')],
              droppedAttributesCount: 0,
            },
            schemaUrl: 'https://scope/schema',
            logRecords: [
              newLogRecord({
                timeUnixNano: T0,
                observedTimeUnixNano: T0 + 1n,
                severityNumber: 17,
                severityText: 'ERROR',
                body: { stringValue: 'payment failed' },
                attributes: richAttributes,
                flags: 1,
                traceId: id(16, 0xab),
                spanId: id(8, 0x01),
                eventName: 'payment.failure',
              }),
              // no timestamp: contrib stores the observed time
              newLogRecord({ observedTimeUnixNano: T0 + 5n, body: { kvlistValue: { values: [attr('n', 1)] } } }),
            ],
          },
        ],
      },
    ],
  };
}

const exemplar = {
  filteredAttributes: [attr('f', 'x')],
  timeUnixNano: T0 - 1n,
  asDouble: 0.5,
  spanId: id(8, 3),
  traceId: id(16, 4),
};

export function sampleMetrics(): Metrics {
  const base = {
    attributes: [attr('route', '/cart')],
    startTimeUnixNano: T0 - 60_000_000_000n,
    timeUnixNano: T0,
    flags: 0,
  };
  return {
    resourceMetrics: [
      {
        resource: newResource([attr('service.name', 'checkout')]),
        schemaUrl: 'https://res/schema',
        scopeMetrics: [
          {
            scope: { name: 'meter', version: '2', attributes: [attr('s', '1')], droppedAttributesCount: 3 },
            schemaUrl: 'https://scope/schema',
            metrics: [
              {
                name: 'queue.depth',
                description: 'items waiting',
                unit: '{item}',
                metadata: [],
                gauge: { dataPoints: [{ ...base, asInt: 7n, exemplars: [exemplar] }] },
              },
              {
                name: 'requests',
                description: 'requests served',
                unit: '{request}',
                metadata: [],
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [{ ...base, asDouble: 12.5, exemplars: [], flags: 1 }],
                },
              },
              {
                name: 'latency',
                description: 'request latency',
                unit: 'ms',
                metadata: [],
                histogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      ...base,
                      count: 6n,
                      sum: 31.5,
                      bucketCounts: [1n, 2n, 3n],
                      explicitBounds: [5, 10],
                      exemplars: [exemplar],
                      min: 0.5,
                      max: 12,
                    },
                  ],
                },
              },
              {
                name: 'latency.exp',
                description: '',
                unit: 's',
                metadata: [],
                exponentialHistogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      ...base,
                      count: 10n,
                      sum: 4.5,
                      scale: 3,
                      zeroCount: 1n,
                      positive: { offset: -2, bucketCounts: [4n, 5n] },
                      negative: { offset: 1, bucketCounts: [0n] },
                      exemplars: [],
                      min: 0,
                      max: 2,
                      zeroThreshold: 0,
                    },
                  ],
                },
              },
              {
                name: 'rpc.duration',
                description: 'summary',
                unit: 's',
                metadata: [],
                summary: {
                  dataPoints: [
                    {
                      ...base,
                      count: 3n,
                      sum: 0.75,
                      quantileValues: [
                        { quantile: 0.5, value: 0.2 },
                        { quantile: 0.99, value: 0.4 },
                      ],
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

export function batchOf(signal: 'traces' | 'logs' | 'metrics', data: Traces | Logs | Metrics, items: number): Batch {
  return { signal, data, items, ack: Ack.none() } as Batch;
}

/** Rows of a SELECT as objects (64-bit integers as strings). */
export async function rowsOf(client: ClickHouseClient, sql: string): Promise<Record<string, unknown>[]> {
  const text = (await client.query(sql, 'JSONEachRow')).toString('utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
