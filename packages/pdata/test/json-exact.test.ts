// OTLP/JSON integers given as JSON numbers beyond 2^53: the protobuf JSON mapping lets a sender
// write int64/uint64/fixed64 as numbers, and a JSON number's digits are exact; a decoder that
// reads them through a double (JSON.parse) rounds them (2^53 + 1 becomes 2^53).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DecodeError,
  decodeTracesJsonPassThrough,
  exportResponseFromJson,
  logsFromJson,
  metricsFromJson,
  tracesFromJson,
} from '../src/index.ts';
import { sameError } from './support/same-error.ts';

test('json: integers beyond 2^53 written as numbers decode exactly: intValue, timestamps, counts, bucket counts, asInt', () => {
  const traces = tracesFromJson(`{"resourceSpans":[{"resource":{"attributes":[
      {"key":"just.above","value":{"intValue":9007199254740993}},
      {"key":"int64.min","value":{"intValue":-9223372036854775808}},
      {"key":"int64.max","value":{ "intValue" : 9223372036854775807 }},
      {"key":"digits in a string stay a string","value":{"stringValue":"12345678901234567890123"}},
      {"key":"x:,[12345678901234567890","value":{"doubleValue":12345678901234567890}},
      {"key":"esc\\"aped","value":{"arrayValue":{"values":[{"intValue":18014398509481985},{"doubleValue":1.5e300}]}}}]},
    "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
      "startTimeUnixNano":1700000000000000001,"endTimeUnixNano":18446744073709551615}]}]}]}`);
  const attrs = traces.resourceSpans[0].resource.attributes;
  const value = (key: string) => attrs.find((a) => a.key === key)!.value;
  assert.deepEqual(value('just.above'), { intValue: 9007199254740993n });
  assert.deepEqual(value('int64.min'), { intValue: -9223372036854775808n });
  assert.deepEqual(value('int64.max'), { intValue: 9223372036854775807n });
  assert.deepEqual(value('digits in a string stay a string'), { stringValue: '12345678901234567890123' });
  // a double field takes the number as JSON.parse would have
  assert.deepEqual(value('x:,[12345678901234567890'), { doubleValue: 12345678901234567890 });
  assert.deepEqual(value('esc"aped'), {
    arrayValue: { values: [{ intValue: 18014398509481985n }, { doubleValue: 1.5e300 }] },
  });
  const span = traces.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.startTimeUnixNano, 1700000000000000001n);
  assert.equal(span.endTimeUnixNano, 18446744073709551615n);

  const metrics = metricsFromJson(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
    {"name":"h","histogram":{"dataPoints":[{"count":9007199254740993,"bucketCounts":[9007199254740995,1],"explicitBounds":[1]}]}},
    {"name":"s","sum":{"dataPoints":[{"asInt":-9007199254740993,"timeUnixNano":1700000000000000003}]}},
    {"name":"e","exponentialHistogram":{"dataPoints":[{"zeroCount":9007199254740997,"positive":{"bucketCounts":[9007199254740999]}}]}}]}]}]}`);
  const [h, s, e] = metrics.resourceMetrics[0].scopeMetrics[0].metrics;
  assert.equal(h.histogram!.dataPoints[0].count, 9007199254740993n);
  assert.deepEqual(h.histogram!.dataPoints[0].bucketCounts, [9007199254740995n, 1n]);
  assert.equal(s.sum!.dataPoints[0].asInt, -9007199254740993n);
  assert.equal(s.sum!.dataPoints[0].timeUnixNano, 1700000000000000003n);
  assert.equal(e.exponentialHistogram!.dataPoints[0].zeroCount, 9007199254740997n);
  assert.deepEqual(e.exponentialHistogram!.dataPoints[0].positive.bucketCounts, [9007199254740999n]);

  const log = logsFromJson(
    '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"observedTimeUnixNano":1700000000000000005}]}]}]}',
  );
  assert.equal(log.resourceLogs[0].scopeLogs[0].logRecords[0].observedTimeUnixNano, 1700000000000000005n);
  assert.equal(
    exportResponseFromJson('traces', '{"partialSuccess":{"rejectedSpans":9007199254740993}}').partialSuccess!.rejected,
    9007199254740993n,
  );
});

test('json: a big number is still refused where a string, a bool or a small integer belongs, and out-of-range int64s are refused', () => {
  const bad: [string, RegExp][] = [
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":12345678901234567890}]}]}]}',
      /name: expected a string, got the number 12345678901234567890/,
    ],
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":12345678901234567890}]}]}]}',
      /droppedAttributesCount: expected an integer in \[0, 4294967295\]/,
    ],
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"endTimeUnixNano":18446744073709551616}]}]}]}',
      /endTimeUnixNano: expected a uint64/,
    ],
    [
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":9223372036854775808}}]}}]}',
      /intValue: expected an int64/,
    ],
    [
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"boolValue":10000000000000000}}]}}]}',
      /boolValue: expected a boolean/,
    ],
  ];
  for (const [input, message] of bad) {
    assert.throws(
      () => tracesFromJson(input),
      (e: unknown) => e instanceof DecodeError && message.test(e.message),
      input,
    );
    // the receiver's decoder to protobuf (to-proto.ts) refuses with the very same message
    assert.throws(
      () => decodeTracesJsonPassThrough(input),
      sameError(() => tracesFromJson(input)),
      input,
    );
  }
});
