// Wire bytes written here by hand from the protobuf encoding spec (tags, varints, length
// prefixes), with the values the spec says a decoder must produce: a non-repeated message field
// given twice merges (scalars last-wins, repeated fields appended, embedded messages merged
// recursively; "parsing the concatenation of two messages is equivalent to merging them"),
// and ids of the wrong length are refused as otelcol's pdata refuses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeExportResponse, decodeLogs, decodeMetrics, decodeTraces } from '../src/index.ts';

// ---- a minimal protobuf writer, per https://protobuf.dev/programming-guides/encoding/ ----
type Bytes = number[];
function varint(n: number | bigint): Bytes {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: Bytes = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const len = (field: number, ...parts: Bytes[]) => {
  const body = parts.flat();
  return [...tag(field, 2), ...varint(body.length), ...body];
};
const str = (field: number, s: string) => len(field, [...Buffer.from(s)]);
const uint = (field: number, n: number | bigint) => [...tag(field, 0), ...varint(n)];
const fixed64 = (field: number, n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return [...tag(field, 1), ...b];
};
const bytesOf = (field: number, n: number, fill: number) => len(field, new Array(n).fill(fill));
const kv = (field: number, key: string, value: Bytes) => len(field, str(1, key), len(2, value));
const request = (...items: Bytes[]) => new Uint8Array(len(1, len(2, ...items)));

test('a span given its status twice, its start time twice and attributes in both halves decodes as their merge', () => {
  // Span fields: trace_id 1, span_id 2, name 5, start 7, attributes 9, status 15 {message 2, code 3}
  const first = [
    ...bytesOf(1, 16, 0xaa),
    ...str(5, 'first'),
    ...fixed64(7, 100n),
    ...kv(9, 'a', str(1, 'x')),
    ...len(15, str(2, 'broken')),
  ];
  const second = [...bytesOf(2, 8, 0xbb), ...fixed64(7, 200n), ...kv(9, 'b', uint(3, 7)), ...len(15, uint(3, 2))];
  const span = decodeTraces(request(len(2, first, second))).resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.name, 'first');
  assert.equal(span.startTimeUnixNano, 200n);
  assert.deepEqual(span.status, { message: 'broken', code: 2 });
  assert.deepEqual(span.attributes, [
    { key: 'a', value: { stringValue: 'x' } },
    { key: 'b', value: { intValue: 7n } },
  ]);
  assert.equal(Buffer.from(span.traceId).toString('hex'), 'aa'.repeat(16));
  assert.equal(Buffer.from(span.spanId).toString('hex'), 'bb'.repeat(8));
});

test('a resource and a scope given twice merge; a later scalar wins over an earlier one', () => {
  // ResourceSpans: resource 1 {attributes 1, dropped 2}, scope_spans 2; ScopeSpans: scope 1 {name 1, version 2, attributes 3}
  const resource1 = len(1, kv(1, 'service.name', str(1, 'svc')), uint(2, 3));
  const resource2 = len(1, kv(1, 'host.name', str(1, 'h1')));
  const scope1 = len(1, str(1, 'lib'), str(2, '1.0'));
  const scope2 = len(1, str(2, '2.0'), kv(3, 'k', str(1, 'v')));
  const bytes = new Uint8Array(len(1, resource1, len(2, scope1, scope2, len(2, str(5, 'span'))), resource2));
  const rs = decodeTraces(bytes).resourceSpans[0];
  assert.deepEqual(
    rs.resource.attributes.map((a) => a.key),
    ['service.name', 'host.name'],
  );
  assert.equal(rs.resource.droppedAttributesCount, 3);
  const scope = rs.scopeSpans[0].scope;
  assert.deepEqual([scope.name, scope.version, scope.attributes.map((a) => a.key)], ['lib', '2.0', ['k']]);
  assert.equal(rs.scopeSpans[0].spans[0].name, 'span');
});

test('AnyValue: an array value given twice appends, a kvlist twice appends, another member replaces', () => {
  // AnyValue: string 1, int 3, array_value 5 {values 1}, kvlist_value 6 {values 1}; LogRecord body 5
  const arrays = [...len(5, len(1, uint(3, 1))), ...len(5, len(1, uint(3, 2)), len(1, str(1, 'three')))];
  const kvlists = [...len(6, kv(1, 'x', uint(3, 1))), ...len(6, kv(1, 'y', uint(3, 2)))];
  const replaced = [...len(5, len(1, uint(3, 1))), ...str(1, 'now a string')];
  // the body itself given twice: the second body's array appends to the first's
  const records = [
    len(2, len(5, arrays)),
    len(2, len(5, kvlists)),
    len(2, len(5, replaced)),
    len(2, len(5, len(5, len(1, uint(3, 1)))), len(5, len(5, len(1, uint(3, 9))))),
  ];
  const logs = decodeLogs(request(...records)).resourceLogs[0].scopeLogs[0].logRecords;
  assert.deepEqual(logs[0].body, {
    arrayValue: { values: [{ intValue: 1n }, { intValue: 2n }, { stringValue: 'three' }] },
  });
  assert.deepEqual(logs[1].body, {
    kvlistValue: {
      values: [
        { key: 'x', value: { intValue: 1n } },
        { key: 'y', value: { intValue: 2n } },
      ],
    },
  });
  assert.deepEqual(logs[2].body, { stringValue: 'now a string' });
  assert.deepEqual(logs[3].body, { arrayValue: { values: [{ intValue: 1n }, { intValue: 9n }] } });
});

test('metrics: a sum given twice merges its points and flags; another data member replaces; buckets merge', () => {
  // Metric: name 1, gauge 5, sum 7 {data_points 1, temporality 2, monotonic 3}, exponential_histogram 10
  // NumberDataPoint: as_int 6 (sfixed64, wire type 1)
  const asInt = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return [...tag(6, 1), ...b];
  };
  const sum = [
    ...str(1, 'requests'),
    ...len(7, len(1, asInt(1n)), uint(2, 1)),
    ...len(7, len(1, asInt(2n)), uint(3, 1)),
  ];
  const replaced = [...str(1, 'g'), ...len(7, len(1, asInt(1n))), ...len(5, len(1, asInt(5n)))];
  // ExponentialHistogramDataPoint: positive 8 {offset 1 (sint32), bucket_counts 2 (packed)}
  const zigzag = (n: number) => (n << 1) ^ (n >> 31);
  const buckets = len(8, uint(1, zigzag(-3)), len(2, varint(4), varint(5)));
  const moreBuckets = len(8, len(2, varint(6)), uint(2, 7));
  const expo = [...str(1, 'e'), ...len(10, len(1, buckets, moreBuckets))];
  const metrics = decodeMetrics(request(len(2, sum), len(2, replaced), len(2, expo))).resourceMetrics[0].scopeMetrics[0]
    .metrics;
  assert.deepEqual(metrics[0].sum, {
    dataPoints: [metrics[0].sum!.dataPoints[0], metrics[0].sum!.dataPoints[1]],
    aggregationTemporality: 1,
    isMonotonic: true,
  });
  assert.deepEqual(
    metrics[0].sum!.dataPoints.map((p) => p.asInt),
    [1n, 2n],
  );
  assert.equal(metrics[1].sum, undefined);
  assert.deepEqual(
    metrics[1].gauge!.dataPoints.map((p) => p.asInt),
    [5n],
  );
  assert.deepEqual(metrics[2].exponentialHistogram!.dataPoints[0].positive, {
    offset: -3,
    bucketCounts: [4n, 5n, 6n, 7n],
  });
});

test('an export response with partial_success twice merges it', () => {
  const bytes = new Uint8Array([...len(1, uint(1, 5)), ...len(1, str(2, 'some were bad'))]);
  assert.deepEqual(decodeExportResponse(bytes).partialSuccess, { rejected: 5n, errorMessage: 'some were bad' });
});

test('ids: empty means no id; 16-byte trace ids and 8-byte span ids decode; any other length is a DecodeError naming the field', () => {
  const span = (...fields: Bytes[]) => request(len(2, ...fields));
  assert.equal(decodeTraces(span(str(5, 'no ids'))).resourceSpans[0].scopeSpans[0].spans[0].traceId.length, 0);
  assert.equal(decodeTraces(span(len(1, []))).resourceSpans[0].scopeSpans[0].spans[0].traceId.length, 0);
  const cases: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ['Span.trace_id', span(bytesOf(1, 15, 1)), decodeTraces],
    ['Span.trace_id', span(bytesOf(1, 17, 1)), decodeTraces],
    ['Span.span_id', span(bytesOf(2, 16, 1)), decodeTraces],
    ['Span.parent_span_id', span(bytesOf(4, 7, 1)), decodeTraces],
    ['Span.Link.trace_id', span(len(13, bytesOf(1, 8, 1))), decodeTraces],
    ['Span.Link.span_id', span(len(13, bytesOf(2, 4, 1))), decodeTraces],
    ['LogRecord.trace_id', request(len(2, bytesOf(9, 20, 1))), decodeLogs],
    ['LogRecord.span_id', request(len(2, bytesOf(10, 9, 1))), decodeLogs],
    // Metric gauge 5 → NumberDataPoint 1 → exemplars 5 {span_id 4, trace_id 5}
    ['Exemplar.span_id', request(len(2, len(5, len(1, len(5, bytesOf(4, 16, 1)))))), decodeMetrics],
    ['Exemplar.trace_id', request(len(2, len(5, len(1, len(5, bytesOf(5, 8, 1)))))), decodeMetrics],
  ];
  for (const [field, bytes, decode] of cases) {
    assert.throws(
      () => decode(bytes),
      (err: Error) => err instanceof DecodeError && err.message.includes(`invalid ${field} length`),
      field,
    );
  }
});
