import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  concatLogsPassThrough,
  concatTracesPassThrough,
  copyData,
  dataPointCount,
  isReadOnly,
  markReadOnly,
  decodeLogs,
  decodeLogsPassThrough,
  decodeMetrics,
  decodeMetricsPassThrough,
  decodeTraces,
  decodeTracesPassThrough,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  logRecordCount,
  passThroughBytes,
  spanCount,
} from '../src/index.ts';
import { sampleLogs, sampleMetrics, sampleTraces } from './support/sample.ts';

test('pass-through: counts and encodes without decoding, and reads as the decoded model', () => {
  const bytes = encodeTraces(sampleTraces());
  const data = decodeTracesPassThrough(bytes);
  assert.equal(spanCount(data), spanCount(decodeTraces(bytes)));
  assert.equal(encodeTraces(data), bytes, 'the request bytes themselves go out');
  assert.deepEqual(data, decodeTraces(bytes));
  assert.equal(passThroughBytes(data), undefined, 'once looked at, the bytes are forgotten');
});

test('pass-through: a change after a look is what gets encoded', () => {
  const data = decodeTracesPassThrough(encodeTraces(sampleTraces()));
  data.resourceSpans[0].scopeSpans[0].spans[0].name = 'renamed';
  assert.equal(decodeTraces(encodeTraces(data)).resourceSpans[0].scopeSpans[0].spans[0].name, 'renamed');
  const replaced = decodeTracesPassThrough(encodeTraces(sampleTraces()));
  replaced.resourceSpans = [];
  assert.equal(spanCount(replaced), 0);
  assert.equal(encodeTraces(replaced).length, 0);
});

test('pass-through: joined requests are the concatenated lists, as bytes while nothing looked', () => {
  const a = encodeTraces(sampleTraces());
  const b = encodeTraces(sampleTraces());
  const joined = concatTracesPassThrough([decodeTracesPassThrough(a), decodeTracesPassThrough(b)])!;
  assert.equal(spanCount(joined), 2 * spanCount(decodeTraces(a)));
  assert.deepEqual(joined.resourceSpans, [...decodeTraces(a).resourceSpans, ...decodeTraces(b).resourceSpans]);
  const looked = decodeTracesPassThrough(a);
  void looked.resourceSpans;
  assert.equal(concatTracesPassThrough([looked, decodeTracesPassThrough(b)]), undefined);

  const logs = encodeLogs(sampleLogs());
  const joinedLogs = concatLogsPassThrough([decodeLogsPassThrough(logs), decodeLogsPassThrough(logs)])!;
  assert.equal(logRecordCount(joinedLogs), 2 * logRecordCount(decodeLogs(logs)));
  assert.deepEqual(encodeLogs(joinedLogs), new Uint8Array(Buffer.concat([logs, logs])));
});

test('pass-through: metrics count data points; bad bytes are refused as by decode', () => {
  const bytes = encodeMetrics(sampleMetrics());
  assert.equal(dataPointCount(decodeMetricsPassThrough(bytes)), dataPointCount(decodeMetrics(bytes)));
  assert.throws(() => decodeTracesPassThrough(bytes.subarray(0, bytes.length - 3)));
  assert.throws(() => decodeTracesPassThrough(Uint8Array.of(0x0a, 0x05, 0x01)));
});

test('pass-through: shared read-only data keeps its bytes after a look; a copy is a new model over the same bytes', () => {
  const bytes = encodeTraces(sampleTraces());
  const shared = decodeTracesPassThrough(bytes);
  markReadOnly(shared);
  assert.deepEqual(shared.resourceSpans, decodeTraces(bytes).resourceSpans);
  assert.equal(encodeTraces(shared), bytes, 'nobody may change it, so its bytes still say what it holds');
  const copy = copyData(shared);
  assert.notEqual(copy, shared);
  assert.equal(isReadOnly(copy), false);
  assert.equal(passThroughBytes(copy), bytes);
  copy.resourceSpans = [];
  assert.equal(passThroughBytes(copy), undefined, 'the copy is its owner’s to change');
  assert.equal(encodeTraces(shared), bytes);
  const deep = copyData(decodeTraces(bytes));
  assert.deepEqual(deep, decodeTraces(bytes), 'decoded data is deep-copied');
});
