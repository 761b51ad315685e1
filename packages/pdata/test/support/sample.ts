// Hand-built model values that reach every field, with the values codecs get wrong: 2^64-1
// nanoseconds, negative and extreme integers, NaN, infinities, -0, non-ASCII text, nested values.
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
      { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0', type: 'service', idKeys: ['service.name'], descriptionKeys: [] },
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
            scope: { name: 'lib', version: '1.2.3', attributes: [{ key: 'a', value: { boolValue: true } }], droppedAttributesCount: 1 },
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
                  { timeUnixNano: MAX_U64, name: 'exception', attributes: [{ key: 'k', value: { stringValue: 'v' } }], droppedAttributesCount: 2 },
                  { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
                ],
                droppedEventsCount: 4,
                links: [
                  { traceId: TRACE_ID, spanId: PARENT_ID, traceState: 'k=v', attributes: [{ key: 'l', value: { intValue: 9n } }], droppedAttributesCount: 1, flags: 0xffffffff },
                  { traceId: TRACE_ID, spanId: SPAN_ID, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 },
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
