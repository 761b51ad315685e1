// Hand-built model values that reach every field, with the values codecs get wrong: 2^64-1
// nanoseconds, negative and extreme integers, NaN, infinities, -0, non-ASCII text, nested values.
import { newLogRecord } from '../../src/create.ts';
import type { AnyValue, KeyValue, Logs, Metrics, Resource, Traces } from '../../src/model.ts';

export const MAX_U64 = 2n ** 64n - 1n;
export const MIN_I64 = -(2n ** 63n);
export const MAX_I64 = 2n ** 63n - 1n;

const id = (n: number, fill: number) => Uint8Array.from({ length: n }, (_, i) => (fill + i * 17) & 0xff);
export const TRACE_ID = id(16, 1);
export const SPAN_ID = id(8, 2);
export const PARENT_ID = id(8, 3);

export function everyValueKind(): KeyValue[] {
  const nested: AnyValue = {
    kvlistValue: {
      values: [
        { key: 'inner', value: { arrayValue: { values: [{ intValue: -1n }, {}, { stringValue: '' }] } } },
        { key: 'empty', value: {} },
      ],
    },
  };
  return [
    { key: 'str', value: { stringValue: 'grüße, 世界 😀' } },
    { key: 'long.ascii', value: { stringValue: 'x'.repeat(300) } },
    { key: 'bool.true', value: { boolValue: true } },
    { key: 'bool.false', value: { boolValue: false } },
    { key: 'int.zero', value: { intValue: 0n } },
    { key: 'int.neg', value: { intValue: -42n } },
    { key: 'int.min', value: { intValue: MIN_I64 } },
    { key: 'int.max', value: { intValue: MAX_I64 } },
    { key: 'double', value: { doubleValue: 3.25 } },
    { key: 'double.nan', value: { doubleValue: NaN } },
    { key: 'double.inf', value: { doubleValue: Infinity } },
    { key: 'double.neginf', value: { doubleValue: -Infinity } },
    { key: 'double.zero', value: { doubleValue: 0 } },
    { key: 'bytes', value: { bytesValue: Uint8Array.from([0, 255, 128, 7]) } },
    { key: 'bytes.empty', value: { bytesValue: new Uint8Array(0) } },
    { key: 'array', value: { arrayValue: { values: [{ intValue: 1n }, { doubleValue: -0.5 }, nested] } } },
    { key: 'array.empty', value: { arrayValue: { values: [] } } },
    { key: 'kvlist', value: nested },
    { key: 'unset', value: {} },
  ];
}

export function sampleResource(): Resource {
  return {
    attributes: [
      { key: 'service.name', value: { stringValue: 'checkout' } },
      { key: 'host.name', value: { stringValue: 'node-1' } },
    ],
    droppedAttributesCount: 3,
    entityRefs: [
      {
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        type: 'service',
        idKeys: ['service.name'],
        descriptionKeys: [],
      },
      { schemaUrl: '', type: 'host', idKeys: ['host.name'], descriptionKeys: ['host.arch', 'host.type'] },
    ],
  };
}

export function sampleTraces(): Traces {
  return {
    resourceSpans: [
      {
        resource: sampleResource(),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: {
              name: 'lib',
              version: '1.2.3',
              attributes: [{ key: 'a', value: { boolValue: true } }],
              droppedAttributesCount: 1,
            },
            schemaUrl: 'https://scope/schema',
            spans: [
              {
                traceId: TRACE_ID,
                spanId: SPAN_ID,
                traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
                parentSpanId: PARENT_ID,
                flags: 0x301,
                name: 'GET /api/ünïcode',
                kind: 2,
                startTimeUnixNano: 1_700_000_000_123_456_789n,
                endTimeUnixNano: MAX_U64,
                attributes: everyValueKind(),
                droppedAttributesCount: 7,
                events: [
                  {
                    timeUnixNano: MAX_U64,
                    name: 'exception',
                    attributes: [{ key: 'k', value: { stringValue: 'v' } }],
                    droppedAttributesCount: 2,
                  },
                  { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
                ],
                droppedEventsCount: 4,
                links: [
                  {
                    traceId: TRACE_ID,
                    spanId: PARENT_ID,
                    traceState: 'k=v',
                    attributes: [{ key: 'l', value: { intValue: 9n } }],
                    droppedAttributesCount: 1,
                    flags: 0xffffffff,
                  },
                  {
                    traceId: TRACE_ID,
                    spanId: SPAN_ID,
                    traceState: '',
                    attributes: [],
                    droppedAttributesCount: 0,
                    flags: 0,
                  },
                ],
                droppedLinksCount: 5,
                status: { message: 'boom', code: 2 },
              },
              {
                traceId: TRACE_ID,
                spanId: PARENT_ID,
                traceState: '',
                parentSpanId: new Uint8Array(0),
                flags: 0,
                name: '',
                kind: 0,
                startTimeUnixNano: 0n,
                endTimeUnixNano: 1n,
                attributes: [],
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { message: '', code: 0 },
              },
            ],
          },
          {
            scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            spans: [],
          },
        ],
      },
      {
        resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
        schemaUrl: '',
        scopeSpans: [],
      },
    ],
  };
}

export function sampleMetrics(): Metrics {
  const attrs = [{ key: 'route', value: { stringValue: '/checkout' } }];
  const exemplars = [
    { filteredAttributes: attrs, timeUnixNano: MAX_U64, asDouble: -0.5, spanId: SPAN_ID, traceId: TRACE_ID },
    { filteredAttributes: [], timeUnixNano: 1n, asInt: MIN_I64, spanId: new Uint8Array(0), traceId: new Uint8Array(0) },
    { filteredAttributes: [], timeUnixNano: 0n, asInt: 0n, spanId: new Uint8Array(0), traceId: new Uint8Array(0) },
    { filteredAttributes: [], timeUnixNano: 0n, spanId: new Uint8Array(0), traceId: new Uint8Array(0) },
  ];
  const t0 = 1_700_000_000_000_000_000n;
  return {
    resourceMetrics: [
      {
        resource: sampleResource(),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeMetrics: [
          {
            scope: { name: 'meter', version: '2', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: 'https://scope',
            metrics: [
              {
                name: 'gauge',
                description: 'every number point',
                unit: '1',
                gauge: {
                  dataPoints: [
                    {
                      attributes: everyValueKind(),
                      startTimeUnixNano: t0,
                      timeUnixNano: MAX_U64,
                      asDouble: NaN,
                      exemplars,
                      flags: 1,
                    },
                    { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1n, asInt: 0n, exemplars: [], flags: 0 },
                    { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 2n, asInt: -7n, exemplars: [], flags: 0 },
                    { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 3n, asDouble: 0, exemplars: [], flags: 0 },
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: 4n,
                      asDouble: -Infinity,
                      exemplars: [],
                      flags: 0,
                    },
                    { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 5n, exemplars: [], flags: 0 },
                  ],
                },
                metadata: [{ key: 'prometheus.type', value: { stringValue: 'gauge' } }],
              },
              {
                name: 'sum',
                description: '',
                unit: '',
                sum: {
                  dataPoints: [
                    {
                      attributes: attrs,
                      startTimeUnixNano: t0,
                      timeUnixNano: t0 + 1n,
                      asInt: MAX_I64,
                      exemplars: [],
                      flags: 0,
                    },
                  ],
                  aggregationTemporality: 2,
                  isMonotonic: true,
                },
                metadata: [],
              },
              {
                name: 'sum.delta',
                description: '',
                unit: '',
                sum: { dataPoints: [], aggregationTemporality: 1, isMonotonic: false },
                metadata: [],
              },
              {
                name: 'histogram',
                description: '',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: attrs,
                      startTimeUnixNano: t0,
                      timeUnixNano: t0 + 10n,
                      count: MAX_U64,
                      sum: 0,
                      bucketCounts: [1n, 0n, MAX_U64, 3n],
                      explicitBounds: [-Infinity, 0, 2.5],
                      exemplars,
                      flags: 0,
                      min: -1.5,
                      max: 0,
                    },
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: 0n,
                      count: 0n,
                      bucketCounts: [],
                      explicitBounds: [],
                      exemplars: [],
                      flags: 1,
                    },
                  ],
                },
                metadata: [],
              },
              {
                name: 'exponential',
                description: '',
                unit: 's',
                exponentialHistogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: attrs,
                      startTimeUnixNano: t0,
                      timeUnixNano: MAX_U64,
                      count: 17n,
                      sum: 123.5,
                      scale: -3,
                      zeroCount: 2n,
                      positive: { offset: -5, bucketCounts: [1n, 0n, 2n ** 40n, MAX_U64] },
                      negative: { offset: 7, bucketCounts: [] },
                      flags: 0,
                      exemplars,
                      min: -10,
                      max: 1e300,
                      zeroThreshold: 1e-9,
                    },
                    {
                      attributes: [],
                      startTimeUnixNano: 0n,
                      timeUnixNano: 0n,
                      count: 0n,
                      scale: 20,
                      zeroCount: 0n,
                      positive: { offset: 0, bucketCounts: [] },
                      negative: { offset: 0, bucketCounts: [5n] },
                      flags: 0,
                      exemplars: [],
                      zeroThreshold: 0,
                    },
                  ],
                },
                metadata: [],
              },
              {
                name: 'summary',
                description: '',
                unit: '',
                summary: {
                  dataPoints: [
                    {
                      attributes: attrs,
                      startTimeUnixNano: t0,
                      timeUnixNano: t0 + 5n,
                      count: 10n,
                      sum: -0,
                      quantileValues: [
                        { quantile: 0, value: 1 },
                        { quantile: 0.99, value: 0 },
                        { quantile: 1, value: Infinity },
                      ],
                      flags: 0,
                    },
                  ],
                },
                metadata: [],
              },
              { name: 'no.data', description: 'a metric whose data oneof is unset', unit: '', metadata: [] },
              { name: 'gauge.empty', description: '', unit: '', gauge: { dataPoints: [] }, metadata: [] },
            ],
          },
        ],
      },
    ],
  };
}

export function sampleLogs(): Logs {
  const record = {
    timeUnixNano: MAX_U64,
    observedTimeUnixNano: 1_700_000_000_000_000_001n,
    severityNumber: 17,
    severityText: 'ERROR',
    body: { kvlistValue: { values: everyValueKind() } },
    attributes: [{ key: 'log.file', value: { stringValue: 'a.log' } }],
    droppedAttributesCount: 2,
    flags: 0x01,
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    eventName: 'browser.page_view',
  };
  const bare = newLogRecord();
  return {
    resourceLogs: [
      {
        resource: sampleResource(),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeLogs: [
          {
            scope: { name: 'logger', version: '', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            logRecords: [
              record,
              bare,
              { ...bare, body: { stringValue: '' }, severityNumber: 24 },
              { ...bare, body: { intValue: -1n } },
            ],
          },
        ],
      },
    ],
  };
}
