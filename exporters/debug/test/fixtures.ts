import { attr, newLogRecord, newResource, newScope, newSpan } from '@flowtel/pdata';
import type { Logs, Metrics, Traces } from '@flowtel/pdata';

export const T1 = 1581452772000000321n; // 2020-02-11 20:26:12.000000321 UTC
export const T2 = 1581452773000000789n; // 2020-02-11 20:26:13.000000789 UTC
const bytes = (...v: number[]) => Uint8Array.from(v);
export const TRACE_ID = bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
export const SPAN_ID = bytes(0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18);

export function twoSpans(): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource([attr('service.name', 'checkout')]),
        schemaUrl: 'https://opentelemetry.io/schemas/1.4.0',
        scopeSpans: [
          {
            scope: newScope('telemetrygen', '1.2'),
            schemaUrl: '',
            spans: [
              newSpan({
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                name: 'okey-dokey',
                kind: 2,
                traceState: 'ot=th:0',
                startTimeUnixNano: T1,
                endTimeUnixNano: T2,
                status: { code: 2, message: 'boom' },
                attributes: [attr('net.peer.ip', '1.2.3.4'), attr('retries', 3)],
                droppedAttributesCount: 1,
                events: [
                  { name: 'retry', timeUnixNano: T2, attributes: [attr('attempt', 2)], droppedAttributesCount: 0 },
                ],
              }),
              newSpan({
                traceId: TRACE_ID,
                spanId: bytes(1, 1, 1, 1, 1, 1, 1, 1),
                parentSpanId: SPAN_ID,
                name: 'lets-go',
                kind: 3,
                startTimeUnixNano: T1,
                endTimeUnixNano: T1,
                links: [
                  {
                    traceId: TRACE_ID,
                    spanId: SPAN_ID,
                    traceState: '',
                    attributes: [],
                    droppedAttributesCount: 4,
                    flags: 0,
                  },
                ],
              }),
            ],
          },
        ],
      },
    ],
  };
}

export function oneLog(): Logs {
  return {
    resourceLogs: [
      {
        resource: newResource([attr('host.name', 'web-1')]),
        schemaUrl: '',
        scopeLogs: [
          {
            scope: newScope('app'),
            schemaUrl: '',
            logRecords: [
              newLogRecord({
                timeUnixNano: T2,
                severityText: 'Info',
                severityNumber: 9,
                body: {
                  kvlistValue: {
                    values: [attr('z', 'last'), attr('a', 1), { key: 'html', value: { stringValue: '<b>' } }],
                  },
                },
                attributes: [attr('app', 'server'), attr('instance_num', 1), attr('ratio', 0.5)],
                traceId: TRACE_ID,
              }),
            ],
          },
        ],
      },
    ],
  };
}

const point = (attributes: ReturnType<typeof attr>[], value: { asInt?: bigint; asDouble?: number }) => ({
  attributes,
  startTimeUnixNano: T1,
  timeUnixNano: T2,
  exemplars: [],
  flags: 0,
  ...value,
});

export function allMetricTypes(): Metrics {
  return {
    resourceMetrics: [
      {
        resource: newResource([attr('resource-attr', 'resource-attr-val-1')]),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope(),
            schemaUrl: '',
            metrics: [
              {
                name: 'gauge-int',
                description: '',
                unit: '1',
                metadata: [],
                gauge: { dataPoints: [point([attr('label-1', 'label-value-1')], { asInt: 123n })] },
              },
              {
                name: 'sum-double',
                description: 'a sum',
                unit: 's',
                metadata: [],
                sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point([], { asDouble: 1.23 })] },
              },
              {
                name: 'histogram',
                description: '',
                unit: '1',
                metadata: [],
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      ...point([attr('label-2', 'label-value-2')], {}),
                      count: 1n,
                      sum: 15,
                      min: 15,
                      max: 15,
                      explicitBounds: [1],
                      bucketCounts: [0n, 1n],
                      exemplars: [
                        {
                          filteredAttributes: [attr('exemplar-attachment', 'x')],
                          timeUnixNano: T2,
                          asDouble: 15,
                          traceId: TRACE_ID,
                          spanId: SPAN_ID,
                        },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'exponential-histogram',
                description: '',
                unit: '1',
                metadata: [],
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      ...point([], {}),
                      count: 5n,
                      sum: 0.15,
                      scale: 1,
                      zeroCount: 1n,
                      zeroThreshold: 0,
                      negative: { offset: -1, bucketCounts: [1n, 1n] },
                      positive: { offset: 1, bucketCounts: [1n, 1n] },
                    },
                  ],
                },
              },
              {
                name: 'summary',
                description: '',
                unit: '1',
                metadata: [],
                summary: {
                  dataPoints: [
                    { ...point([], {}), count: 1n, sum: 15, quantileValues: [{ quantile: 0.01, value: 15 }] },
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
