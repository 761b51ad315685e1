// OTLP/JSON written straight from pass-through protobuf must say what the model's writer says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import {
  decodeLogs,
  decodeLogsPassThrough,
  decodeMetrics,
  decodeMetricsPassThrough,
  decodeTraces,
  decodeTracesPassThrough,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  encodeTracesJson,
  logsFromJson,
  logsToJson,
  metricsFromJson,
  metricsToJson,
  passThroughBytes,
  tracesFromJson,
  tracesToJson,
} from '../src/index.ts';
import { sampleLogs, sampleMetrics, sampleTraces } from './support/sample.ts';
import { sdkSpans } from './support/sdk-traces.ts';
import { sdkMetrics } from './support/sdk-metrics.ts';
import { sdkLogRecords } from './support/sdk-logs.ts';

/** Both ways to JSON for the same bytes: from the pass-through bytes, and from the decoded model. */
function bothWays<T extends object>(
  bytes: Uint8Array,
  passThrough: (b: Uint8Array) => T,
  decode: (b: Uint8Array) => T,
  toJson: (d: T) => string,
) {
  const data = passThrough(bytes);
  const transcoded = toJson(data);
  assert.ok(passThroughBytes(data), 'writing JSON did not decode the pass-through model');
  return { transcoded, fromModel: toJson(decode(bytes)) };
}

test('transcode: every field of the samples and of the SDK serializers, as the model writer writes it', async () => {
  const traces = [encodeTraces(sampleTraces()), ProtobufTraceSerializer.serializeRequest(await sdkSpans())!];
  for (const bytes of traces) {
    const { transcoded, fromModel } = bothWays(bytes, decodeTracesPassThrough, decodeTraces, tracesToJson);
    assert.deepEqual(JSON.parse(transcoded), JSON.parse(fromModel));
    assert.deepEqual(tracesFromJson(transcoded), decodeTraces(bytes));
  }
  for (const bytes of [
    encodeMetrics(sampleMetrics()),
    ProtobufMetricsSerializer.serializeRequest(await sdkMetrics())!,
  ]) {
    const { transcoded, fromModel } = bothWays(bytes, decodeMetricsPassThrough, decodeMetrics, metricsToJson);
    assert.deepEqual(JSON.parse(transcoded), JSON.parse(fromModel));
    assert.deepEqual(metricsFromJson(transcoded), metricsFromJson(fromModel));
  }
  for (const bytes of [encodeLogs(sampleLogs()), ProtobufLogsSerializer.serializeRequest(await sdkLogRecords())!]) {
    const { transcoded, fromModel } = bothWays(bytes, decodeLogsPassThrough, decodeLogs, logsToJson);
    assert.deepEqual(JSON.parse(transcoded), JSON.parse(fromModel));
    assert.deepEqual(logsFromJson(transcoded), logsFromJson(fromModel));
  }
});

const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
const field = (number: number, body: number[]): number[] => [
  ...varint((number << 3) | 2),
  ...varint(body.length),
  ...body,
];
const text = (s: string) => [...Buffer.from(s)];

test('transcode: a field that comes twice apart (not canonical) falls back to the model, nothing lost', () => {
  const attribute = (key: string) => field(9, field(1, text(key)));
  // a span whose attributes are split by its name: protobuf appends the second run to the first
  const span = [...attribute('a'), ...field(5, text('the name')), ...attribute('b')];
  const bytes = new Uint8Array(field(1, field(2, field(2, span))));
  const json = JSON.parse(tracesToJson(decodeTracesPassThrough(bytes)));
  const written = json.resourceSpans[0].scopeSpans[0].spans[0];
  assert.deepEqual(
    written.attributes.map((a: { key: string }) => a.key),
    ['a', 'b'],
  );
  assert.equal(written.name, 'the name');
  // and a oneof set twice: the last member wins, as when decoding
  const twice = new Uint8Array(
    field(
      1,
      field(2, field(2, field(9, [...field(1, text('k')), ...field(2, [...field(1, text('first')), 0x10, 0x01])]))),
    ),
  );
  const value = JSON.parse(tracesToJson(decodeTracesPassThrough(twice))).resourceSpans[0].scopeSpans[0].spans[0]
    .attributes[0].value;
  assert.deepEqual(
    value,
    JSON.parse(tracesToJson(decodeTraces(twice))).resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value,
  );
});

test('transcode: non-ASCII and escaped strings, and bytes equal to the text', () => {
  const traces = sampleTraces();
  const span = traces.resourceSpans[0].scopeSpans[0].spans[0];
  span.name = 'ünïcødé "quoted" \\ tab\t日本 😀';
  span.attributes = [{ key: 'ctl\u0001', value: { stringValue: 'line\nbreak' } }];
  const data = decodeTracesPassThrough(encodeTraces(traces));
  const written = JSON.parse(Buffer.from(encodeTracesJson(data)).toString('utf8')).resourceSpans[0].scopeSpans[0]
    .spans[0];
  assert.equal(written.name, span.name);
  assert.deepEqual(written.attributes, [{ key: 'ctl\u0001', value: { stringValue: 'line\nbreak' } }]);
});
