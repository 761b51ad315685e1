import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DurationNanosecond,
  Field,
  FixedSizeBinary,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  TimestampNanosecond,
  Uint8,
  Uint16,
  Utf8,
  makeData,
  makeVector,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import type { AnyValue, KeyValue, Traces } from '@flowtel/pdata';
import {
  OtapConsumer,
  OtapProducer,
  PayloadType,
  decodeBatchArrowRecords,
  decodeBatchStatus,
  decodeCbor,
  encodeBatchArrowRecords,
  encodeBatchStatus,
  encodeCbor,
  readAttributes,
  tablesToTraces,
} from '../src/index.ts';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const str = (s: string): AnyValue => ({ stringValue: s });

function sampleTraces(tag = ''): Traces {
  const traceId = hex('5b8efff798038103d269b633813fc60c');
  const other = hex('0af7651916cd43dd8448eb211c80319c');
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: str(`checkout${tag}`) },
            { key: 'host.cores', value: { intValue: 8n } },
          ],
          droppedAttributesCount: 2,
          entityRefs: [],
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
        scopeSpans: [
          {
            scope: {
              name: '@opentelemetry/instrumentation-http',
              version: '0.52.1',
              attributes: [{ key: 'scope.flag', value: { boolValue: true } }],
              droppedAttributesCount: 0,
            },
            schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
            spans: [
              {
                traceId,
                spanId: hex('eee19b7ec3c1b174'),
                traceState: 'congo=t61rcWkgMzE',
                parentSpanId: new Uint8Array(0),
                flags: 0x301,
                name: 'GET /cart',
                kind: 2,
                startTimeUnixNano: 1_700_000_000_123_456_789n,
                endTimeUnixNano: 1_700_000_000_987_654_321n,
                attributes: [
                  { key: 'http.status_code', value: { intValue: -200n } },
                  { key: 'ratio', value: { doubleValue: 0.25 } },
                  { key: 'raw', value: { bytesValue: hex('00ff10') } },
                  {
                    key: 'nested',
                    value: {
                      kvlistValue: {
                        values: [
                          { key: 'a', value: { arrayValue: { values: [str('x'), { intValue: 1n }, {}] } } },
                          { key: 'b', value: { doubleValue: -1.5 } },
                        ],
                      },
                    },
                  },
                  { key: 'empty', value: {} },
                ],
                droppedAttributesCount: 1,
                events: [
                  {
                    timeUnixNano: 1_700_000_000_200_000_000n,
                    name: 'zeta',
                    attributes: [{ key: 'e', value: str('1') }],
                    droppedAttributesCount: 3,
                  },
                  {
                    timeUnixNano: 1_700_000_000_300_000_000n,
                    name: 'alpha',
                    attributes: [],
                    droppedAttributesCount: 0,
                  },
                ],
                droppedEventsCount: 4,
                links: [
                  {
                    traceId: other,
                    spanId: hex('00f067aa0ba902b7'),
                    traceState: 'k=v',
                    attributes: [{ key: 'link.attr', value: { intValue: 7n } }],
                    droppedAttributesCount: 1,
                    flags: 0x100,
                  },
                ],
                droppedLinksCount: 5,
                status: { code: 2, message: 'boom' },
              },
              {
                traceId,
                spanId: hex('1111111111111111'),
                traceState: '',
                parentSpanId: hex('eee19b7ec3c1b174'),
                flags: 0,
                name: 'SELECT',
                kind: 3,
                startTimeUnixNano: 1_700_000_000_300_000_000n,
                endTimeUnixNano: 1_700_000_000_300_000_000n,
                attributes: [{ key: 'http.status_code', value: { intValue: -200n } }],
                droppedAttributesCount: 0,
                events: [
                  {
                    timeUnixNano: 1n,
                    name: 'zeta',
                    attributes: [{ key: 'e', value: str('1') }],
                    droppedAttributesCount: 0,
                  },
                ],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: 0, message: '' },
              },
            ],
          },
        ],
      },
      {
        resource: {
          attributes: [{ key: 'service.name', value: str('db') }],
          droppedAttributesCount: 0,
          entityRefs: [],
        },
        schemaUrl: '',
        scopeSpans: [
          {
            scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            spans: [
              {
                traceId: other,
                spanId: hex('2222222222222222'),
                traceState: '',
                parentSpanId: new Uint8Array(0),
                flags: 0,
                name: 'query',
                kind: 0,
                startTimeUnixNano: 0xffff_ffff_ffff_fff0n,
                endTimeUnixNano: 0xffff_ffff_ffff_ffffn,
                attributes: [],
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: 1, message: '' },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Attributes are a map: OTAP sorts them (as the reference encoder does), so compare them by key. */
function normalize(t: Traces): unknown {
  const attrs = (a: KeyValue[]) => [...a].sort((x, y) => (x.key < y.key ? -1 : 1));
  return {
    resourceSpans: t.resourceSpans.map((rs) => ({
      ...rs,
      resource: { ...rs.resource, attributes: attrs(rs.resource.attributes) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        scope: { ...ss.scope, attributes: attrs(ss.scope.attributes) },
        spans: ss.spans.map((s) => ({
          ...s,
          attributes: attrs(s.attributes),
          events: s.events.map((e) => ({ ...e, attributes: attrs(e.attributes) })),
          links: s.links.map((l) => ({ ...l, attributes: attrs(l.attributes) })),
        })),
      })),
    })),
  };
}

test('traces survive OTAP encoding field for field, batch after batch on one stream', () => {
  const producer = new OtapProducer();
  const consumer = new OtapConsumer();
  for (const tag of ['', '-2', '-3']) {
    const traces = sampleTraces(tag);
    const bar = producer.encodeTraces(traces);
    // through the protobuf wire, as a gRPC stream carries it
    const wire = decodeBatchArrowRecords(encodeBatchArrowRecords(bar));
    assert.equal(wire.payloads.length, bar.payloads.length);
    assert.deepEqual(normalize(consumer.decodeTraces(wire)), normalize(traces));
  }
  assert.equal(producer.schemaResets, 0);
});

test('a later batch sends no schema again: its payloads are smaller than the first', () => {
  const producer = new OtapProducer();
  const first = producer.encodeTraces(sampleTraces());
  const second = producer.encodeTraces(sampleTraces());
  const size = (bar: typeof first) => bar.payloads.reduce((n, p) => n + p.record.length, 0);
  assert.ok(size(second) < size(first), `${size(second)} < ${size(first)}`);
  assert.equal(second.batchId, first.batchId + 1n);
  assert.deepEqual(
    second.payloads.map((p) => p.schemaId),
    first.payloads.map((p) => p.schemaId),
  );
});

test('a new column is a schema reset: a new schema_id and a fresh IPC stream the consumer follows', () => {
  const producer = new OtapProducer();
  const consumer = new OtapConsumer();
  const plain = sampleTraces();
  plain.resourceSpans[0].scopeSpans[0].spans[0].traceState = '';
  const a = producer.encodeTraces(plain);
  consumer.decodeTraces(a);
  const b = producer.encodeTraces(sampleTraces());
  const spansA = a.payloads.find((p) => p.type === PayloadType.SPANS)!;
  const spansB = b.payloads.find((p) => p.type === PayloadType.SPANS)!;
  assert.notEqual(spansA.schemaId, spansB.schemaId);
  assert.equal(producer.schemaResets, 1);
  assert.deepEqual(normalize(consumer.decodeTraces(b)), normalize(sampleTraces()));
  assert.equal(consumer.schemaResets, 1);
});

test('a payload type that traces do not carry is refused', () => {
  const producer = new OtapProducer();
  const bar = producer.encodeTraces(sampleTraces());
  bar.payloads[0] = { ...bar.payloads[0], type: PayloadType.LOGS };
  assert.throws(() => new OtapConsumer().decodeTraces(bar), /LOGS is not allowed/);
});

test('garbage in a payload is a decode error, not a crash', () => {
  const bar = new OtapProducer().encodeTraces(sampleTraces());
  bar.payloads[0] = { ...bar.payloads[0], record: Uint8Array.from([0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0, 1, 2, 3]) };
  assert.throws(() => new OtapConsumer().decodeTraces(bar), { name: 'OtapDecodeError' });
});

test('BatchStatus round-trips on the wire', () => {
  const s = { batchId: 42n, statusCode: 8, statusMessage: 'memory limit' };
  assert.deepEqual(decodeBatchStatus(encodeBatchStatus(s)), s);
  // proto3 defaults are left out: an OK status for batch 0 is empty
  assert.equal(encodeBatchStatus({ batchId: 0n, statusCode: 0, statusMessage: '' }).length, 0);
});

// The OTAP specification's own examples (docs/otap-spec.md 6.4.2 and 6.4.3): tables written as
// the spec prints them decode to the parent ids it lists.

function batchOf(columns: [string, Vector][]): RecordBatch {
  const fields = columns.map(([name, v]) => new Field(name, v.type, true));
  const data = makeData({
    type: new Struct(fields),
    length: columns[0][1].length,
    nullCount: 0,
    children: columns.map(([, v]) => v.data[0]),
  });
  return new RecordBatch(new Schema(fields), data);
}

test('spec 6.4.3: attribute parent ids are quasi-delta encoded on type, key and value', () => {
  // the spec's example table, rows of type 1 (str) then type 2 (int)
  const rows: [number, string, string | null, bigint | null][] = [
    [1, 'k1', 'v1', null],
    [1, 'k1', 'v1', null],
    [1, 'k1', 'v1', null],
    [1, 'k1', 'v2', null],
    [1, 'k1', 'v2', null],
    [1, 'k2', 'v2', null],
    [1, 'k2', 'v2', null],
    [1, 'k2', 'v2', null],
    [2, 'k2', 'v2', 1n],
    [2, 'k2', 'v2', 1n],
  ];
  const attrs = batchOf([
    [
      'parent_id',
      vectorFromArray(
        rows.map(() => 1),
        new Uint16(),
      ),
    ],
    [
      'key',
      vectorFromArray(
        rows.map((r) => r[1]),
        new Utf8(),
      ),
    ],
    [
      'type',
      vectorFromArray(
        rows.map((r) => r[0]),
        new Uint8(),
      ),
    ],
    [
      'str',
      vectorFromArray(
        rows.map((r) => r[2]),
        new Utf8(),
      ),
    ],
    [
      'int',
      vectorFromArray(
        rows.map((r) => r[3]),
        new Int64(),
      ),
    ],
  ]);
  // the spec's decoded column is 1 2 3 1 2 1 2 3 1 2: rows grouped by those parents
  const s1 = { key: 'k1', value: str('v1') };
  const s2 = { key: 'k1', value: str('v2') };
  const s3 = { key: 'k2', value: str('v2') };
  const i1 = { key: 'k2', value: { intValue: 1n } };
  assert.deepEqual(
    readAttributes(attrs),
    new Map([
      [1, [s1, s2, s3, i1]],
      [2, [s1, s2, s3, i1]],
      [3, [s1, s3]],
    ]),
  );
});

test('spec 6.4.3: span event parent ids are quasi-delta encoded on the name', () => {
  const names = ['a', 'a', 'a', 'a', 'b', 'b'];
  const encoded = [0, 1, 1, 2, 0, 3];
  // the spec's decoded column: 0 1 2 4 0 3
  const events = batchOf([
    ['parent_id', vectorFromArray(encoded, new Uint16())],
    ['name', vectorFromArray(names, new Utf8())],
  ]);
  const n = 5;
  const spans = batchOf([
    ['id', vectorFromArray([0, 1, 1, 1, 1], new Uint16())], // spec 6.4.2: delta, ids 0..4
    ['start_time_unix_nano', makeVector(makeData({ type: new TimestampNanosecond(), data: new BigInt64Array(n) }))],
    ['duration_time_unix_nano', makeVector(makeData({ type: new DurationNanosecond(), data: new BigInt64Array(n) }))],
    [
      'trace_id',
      vectorFromArray(
        Array.from({ length: n }, () => new Uint8Array(16)),
        new FixedSizeBinary(16),
      ),
    ],
    [
      'span_id',
      vectorFromArray(
        Array.from({ length: n }, (_, i) => new Uint8Array(8).fill(i)),
        new FixedSizeBinary(8),
      ),
    ],
    ['name', vectorFromArray(['s0', 's1', 's2', 's3', 's4'], new Utf8())],
  ]);
  const traces = tablesToTraces(
    new Map([
      [PayloadType.SPANS, spans],
      [PayloadType.SPAN_EVENTS, events],
    ]),
  );
  const spanList = traces.resourceSpans[0].scopeSpans[0].spans;
  assert.deepEqual(
    spanList.map((s) => s.events.map((e) => e.name)),
    [['a', 'b'], ['a'], ['a'], ['b'], ['a']],
  );
});

test('CBOR: RFC 8949 Appendix A examples decode to the values it gives', () => {
  assert.deepEqual(decodeCbor(hex('1903e8')), { intValue: 1000n });
  assert.deepEqual(decodeCbor(hex('3903e7')), { intValue: -1000n });
  assert.deepEqual(decodeCbor(hex('f93e00')), { doubleValue: 1.5 });
  assert.deepEqual(decodeCbor(hex('fa47c35000')), { doubleValue: 100000 });
  assert.deepEqual(decodeCbor(hex('fb7e37e43c8800759c')), { doubleValue: 1e300 });
  assert.deepEqual(decodeCbor(hex('6449455446')), { stringValue: 'IETF' });
  assert.deepEqual(decodeCbor(hex('4401020304')), { bytesValue: hex('01020304') });
  assert.deepEqual(decodeCbor(hex('f6')), {});
  assert.deepEqual(decodeCbor(hex('f5')), { boolValue: true });
  // [_ 1, [2, 3], [_ 4, 5]]
  assert.deepEqual(decodeCbor(hex('9f018202039f0405ffff')), {
    arrayValue: {
      values: [
        { intValue: 1n },
        { arrayValue: { values: [{ intValue: 2n }, { intValue: 3n }] } },
        { arrayValue: { values: [{ intValue: 4n }, { intValue: 5n }] } },
      ],
    },
  });
  // {_ "a": 1, "b": [_ 2, 3]}
  assert.deepEqual(decodeCbor(hex('bf61610161629f0203ffff')), {
    kvlistValue: {
      values: [
        { key: 'a', value: { intValue: 1n } },
        { key: 'b', value: { arrayValue: { values: [{ intValue: 2n }, { intValue: 3n }] } } },
      ],
    },
  });
  // what we write reads back, and a map's encoding is the indefinite form the reference writes
  const v: AnyValue = { kvlistValue: { values: [{ key: 'a', value: { intValue: 1n } }] } };
  assert.deepEqual(Buffer.from(encodeCbor(v)).toString('hex'), 'bf616101ff');
  assert.throws(() => decodeCbor(hex('c11a514b67b0')), /tags/);
  assert.throws(() => decodeCbor(hex('9f01')), /truncated/);
});
