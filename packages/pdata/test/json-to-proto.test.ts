// OTLP/JSON straight to protobuf (to-proto.ts), as the OTLP receiver keeps JSON requests: the
// bytes must be the request the JSON decoders read. Each input is decoded both ways: the bytes
// decode to the decoders' model, equal the model's own encoding byte for byte, and carry its
// item count. Refusals are the decoders' (json.test.ts and json-exact.test.ts check both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  dataPointCount,
  decodeLogs,
  decodeLogsJsonPassThrough,
  decodeMetrics,
  decodeMetricsJsonPassThrough,
  decodeTraces,
  decodeTracesJsonPassThrough,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  logRecordCount,
  logsFromJson,
  logsToJson,
  metricsFromJson,
  metricsToJson,
  passThroughBytes,
  spanCount,
  tracesFromJson,
  tracesToJson,
} from '../src/index.ts';
import { sampleLogs, sampleMetrics, sampleTraces } from './support/sample.ts';
import { sdkSpans } from './support/sdk-traces.ts';
import { sdkMetrics } from './support/sdk-metrics.ts';
import { sdkLogRecords } from './support/sdk-logs.ts';

interface Signal {
  fromJson(input: string): object;
  passThrough(input: string | Uint8Array): object;
  decode(bytes: Uint8Array): object;
  encode(data: never): Uint8Array;
  count(data: never): number;
}

const SIGNALS: Record<'traces' | 'metrics' | 'logs', Signal> = {
  traces: {
    fromJson: tracesFromJson,
    passThrough: decodeTracesJsonPassThrough,
    decode: decodeTraces,
    encode: encodeTraces,
    count: spanCount,
  },
  metrics: {
    fromJson: metricsFromJson,
    passThrough: decodeMetricsJsonPassThrough,
    decode: decodeMetrics,
    encode: encodeMetrics,
    count: dataPointCount,
  },
  logs: {
    fromJson: logsFromJson,
    passThrough: decodeLogsJsonPassThrough,
    decode: decodeLogs,
    encode: encodeLogs,
    count: logRecordCount,
  },
};

function sameRequest(signal: keyof typeof SIGNALS, json: string): void {
  const s = SIGNALS[signal];
  const model = s.fromJson(json);
  const data = s.passThrough(json);
  const bytes = passThroughBytes(data);
  assert.ok(bytes, 'kept as protobuf bytes');
  assert.deepEqual(s.decode(bytes), model, json.slice(0, 200));
  assert.deepEqual(Buffer.from(bytes), Buffer.from(s.encode(model as never)), json.slice(0, 200));
  assert.equal(s.count(data as never), s.count(model as never));
  // a request body's bytes, as the receiver hands them over (bytes-to-proto.ts when it takes them)
  const fromBody = s.passThrough(Buffer.from(json));
  assert.deepEqual(Buffer.from(passThroughBytes(fromBody)!), Buffer.from(bytes), json.slice(0, 200));
  assert.equal(s.count(fromBody as never), s.count(model as never));
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

test('json to protobuf: every value kind, as our writer and the OpenTelemetry JS SDK write them', async () => {
  sameRequest('traces', tracesToJson(sampleTraces()));
  sameRequest('metrics', metricsToJson(sampleMetrics()));
  sameRequest('logs', logsToJson(sampleLogs()));
  sameRequest('traces', text(JsonTraceSerializer.serializeRequest(await sdkSpans())));
  sameRequest('metrics', text(JsonMetricsSerializer.serializeRequest(await sdkMetrics())));
  sameRequest('logs', text(JsonLogsSerializer.serializeRequest(await sdkLogRecords())));
});

test('json to protobuf: snake_case, enum names, numbers beyond 2^53, nulls, unknown fields, empty messages', () => {
  sameRequest(
    'traces',
    `{"resource_spans":[{"resource":{"attributes":[{"key":"k","value":{"int_value":12}},
      {"key":"big","value":{"intValue":9007199254740993}},{"key":"none","value":{}},{"key":"null","value":null},
      {"key":"kv","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"boolValue":true},{}]}}}]}}}],
      "dropped_attributes_count":"2"},
    "scope_spans":[{"scope":null,"spans":[{"trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331",
      "parent_span_id":"","name":"x","kind":"SPAN_KIND_CLIENT","start_time_unix_nano":1700000000000000001,
      "end_time_unix_nano":"18446744073709551615","status":{"code":"STATUS_CODE_ERROR"},"some_future_field":{"anything":[1,2]},
      "events":null,"links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","flags":"256"}]},
      {"status":{}},{}]}]}],"extra":true}`,
  );
  sameRequest(
    'metrics',
    `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"h","histogram":{"dataPoints":[{"count":9007199254740993,"bucketCounts":[9007199254740995,1],"explicitBounds":[1,"2.5"],"sum":0}]}},
      {"name":"s","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","isMonotonic":true,
        "dataPoints":[{"asInt":-9007199254740993,"timeUnixNano":1700000000000000003,"exemplars":[{"asDouble":-0.5,"spanId":"eee19b7ec3c1b174"}]}]}},
      {"name":"e","exponentialHistogram":{"dataPoints":[{"zeroCount":9007199254740997,"scale":-3,"min":-1,
        "positive":{"offset":-2,"bucketCounts":[9007199254740999]},"negative":{}}]}},
      {"name":"q","summary":{"dataPoints":[{"quantileValues":[{"quantile":0.5,"value":"NaN"},{}]}]}},
      {"name":"g","gauge":{}},{"name":"nothing"}]}]}]}`,
  );
  sameRequest(
    'logs',
    '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN2","body":{"stringValue":""},"observedTimeUnixNano":1700000000000000005},{"body":{}}]}]}]}',
  );
  sameRequest('logs', '{}');
});

test('json to protobuf: a oneof given twice is the member the decoders take', () => {
  sameRequest(
    'traces',
    '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"kvlistValue":{},"intValue":"3","stringValue":"s"}},{"key":"b","value":{"bytesValue":"AA==","arrayValue":{}}}]}}]}',
  );
  sameRequest(
    'metrics',
    '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"two","summary":{},"sum":{"dataPoints":[{"asDouble":1.5,"asInt":"2"}]},"gauge":{"dataPoints":[{"asDouble":2.5}]}}]}]}]}',
  );
});
