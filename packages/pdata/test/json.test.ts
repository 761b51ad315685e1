import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import {
  attr,
  DecodeError,
  decodeLogs,
  decodeLogsJsonPassThrough,
  decodeTracesJsonPassThrough,
  decodeMetrics,
  decodeTraces,
  encodeTracesJson,
  exportResponseFromJson,
  exportResponseToJson,
  fromAnyValue,
  logsFromJson,
  logsToJson,
  metricsFromJson,
  metricsToJson,
  sharedAttr,
  tracesFromJson,
  tracesToJson,
} from '../src/index.ts';
import { MAX_U64, sampleLogs, sampleMetrics, sampleTraces, SPAN_ID, TRACE_ID } from './support/sample.ts';
import { sameError } from './support/same-error.ts';
import { sdkSpans } from './support/sdk-traces.ts';
import { sdkMetrics } from './support/sdk-metrics.ts';
import { sdkLogRecords } from './support/sdk-logs.ts';

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** JSON numbers have no negative zero: -0 comes back as 0, every other value as it was. */
function positiveZeros<T>(value: T): T {
  if (typeof value === 'number') return (Object.is(value, -0) ? 0 : value) as T;
  if (Array.isArray(value)) return value.map(positiveZeros) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, positiveZeros(v)])) as T;
  return value;
}

test('json: traces, metrics and logs round-trip through OTLP/JSON with every value kept', () => {
  assert.deepEqual(tracesFromJson(tracesToJson(sampleTraces())), positiveZeros(sampleTraces()));
  assert.deepEqual(metricsFromJson(metricsToJson(sampleMetrics())), positiveZeros(sampleMetrics()));
  assert.deepEqual(logsFromJson(logsToJson(sampleLogs())), positiveZeros(sampleLogs()));
});

test('json: output follows the OTLP/JSON rules', () => {
  const json = JSON.parse(tracesToJson(sampleTraces()));
  const span = json.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.traceId, Buffer.from(TRACE_ID).toString('hex'));
  assert.equal(span.spanId, Buffer.from(SPAN_ID).toString('hex'));
  assert.equal(span.endTimeUnixNano, MAX_U64.toString(), 'fixed64 as a decimal string');
  assert.equal(span.kind, 2, 'enums as integers');
  assert.equal(span.status.code, 2);
  const attr = (key: string) => span.attributes.find((a: { key: string }) => a.key === key).value;
  assert.deepEqual(attr('int.min'), { intValue: '-9223372036854775808' });
  assert.deepEqual(attr('double.nan'), { doubleValue: 'NaN' });
  assert.deepEqual(attr('double.neginf'), { doubleValue: '-Infinity' });
  assert.deepEqual(attr('bytes'), { bytesValue: Buffer.from([0, 255, 128, 7]).toString('base64') });
  assert.ok(!('droppedAttributesCount' in json.resourceSpans[0].scopeSpans[0].spans[1]), 'defaults are left out');
  const metrics = JSON.parse(metricsToJson(sampleMetrics())).resourceMetrics[0].scopeMetrics[0].metrics;
  assert.equal(metrics[3].histogram.dataPoints[0].sum, 0, 'an optional field set to 0 is written');
  assert.deepEqual(metrics[7], { name: 'gauge.empty', gauge: {} }, 'an empty oneof member is written');
  assert.equal(
    JSON.parse(logsToJson(sampleLogs())).resourceLogs[0].scopeLogs[0].logRecords[0].eventName,
    'browser.page_view',
  );
});

test('json: snake_case names, enum names, numbers for int64, nulls and unknown fields are accepted', () => {
  const traces = tracesFromJson({
    resource_spans: [
      {
        resource: { attributes: [{ key: 'k', value: { int_value: 12 } }], dropped_attributes_count: '2' },
        scope_spans: [
          {
            scope: null,
            spans: [
              {
                trace_id: '0AF7651916CD43DD8448EB211C80319C',
                span_id: 'b7ad6b7169203331',
                parent_span_id: '',
                name: 'x',
                kind: 'SPAN_KIND_CLIENT',
                start_time_unix_nano: 1700000000000000000,
                end_time_unix_nano: '18446744073709551615',
                status: { code: 'STATUS_CODE_ERROR' },
                some_future_field: { anything: [1, 2] },
                events: null,
              },
            ],
          },
        ],
      },
    ],
    extra: true,
  });
  const rs = traces.resourceSpans[0];
  assert.deepEqual(rs.resource.attributes, [{ key: 'k', value: { intValue: 12n } }]);
  assert.equal(rs.resource.droppedAttributesCount, 2);
  assert.deepEqual(rs.scopeSpans[0].scope, { name: '', version: '', attributes: [], droppedAttributesCount: 0 });
  const span = rs.scopeSpans[0].spans[0];
  assert.equal(Buffer.from(span.traceId).toString('hex'), '0af7651916cd43dd8448eb211c80319c');
  assert.equal(span.kind, 3);
  assert.equal(span.startTimeUnixNano, 1700000000000000000n);
  assert.equal(span.endTimeUnixNano, MAX_U64);
  assert.deepEqual(span.status, { message: '', code: 2 });
  assert.deepEqual(span.events, []);
  assert.equal(span.parentSpanId.length, 0);

  const metrics = metricsFromJson(
    '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"s","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","isMonotonic":true,"dataPoints":[{"asInt":"-5","timeUnixNano":"1"}]}}]}]}]}',
  );
  const sum = metrics.resourceMetrics[0].scopeMetrics[0].metrics[0].sum!;
  assert.equal(sum.aggregationTemporality, 1);
  assert.equal(sum.dataPoints[0].asInt, -5n);
  assert.equal(
    logsFromJson({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'SEVERITY_NUMBER_WARN2' }] }] }] })
      .resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber,
    14,
  );
  assert.deepEqual(logsFromJson('{}'), { resourceLogs: [] });
});

test('json: export responses name the rejected items per signal', () => {
  const response = { partialSuccess: { rejected: 3n, errorMessage: 'bad' } };
  assert.equal(
    exportResponseToJson('traces', response),
    '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad"}}',
  );
  assert.equal(
    exportResponseToJson('metrics', response),
    '{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"bad"}}',
  );
  assert.deepEqual(
    exportResponseFromJson('logs', '{"partialSuccess":{"rejected_log_records":3,"errorMessage":"bad"}}'),
    response,
  );
  assert.deepEqual(exportResponseFromJson('traces', '{}'), {});
  assert.equal(exportResponseToJson('logs', {}), '{}');
});

test('json: bad input is a DecodeError that names the field', () => {
  const bad: [string, RegExp][] = [
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}',
      /\$\.resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected 32 hex digits/,
    ],
    ['{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"0011"}]}]}]}', /spanId: expected 16 hex digits/],
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"12x"}]}]}]}',
      /startTimeUnixNano: expected a uint64/,
    ],
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"endTimeUnixNano":"18446744073709551616"}]}]}]}',
      /endTimeUnixNano: expected a uint64/,
    ],
    ['{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_NOPE"}]}]}]}', /kind: expected one of/],
    [
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"d","value":{"doubleValue":"constructor"}}]}}]}',
      /doubleValue: expected a number, got "constructor"/,
    ],
    ['{"resourceSpans":{}}', /resourceSpans: expected an array/],
    ['{"resourceSpans":[1]}', /resourceSpans\[0\]: expected an object/],
    ['{"resourceSpans":', /invalid JSON/],
    ['[]', /expected an object/],
    [
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"b","value":{"bytesValue":"@@"}}]}}]}',
      /bytesValue: expected base64/,
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

  let deep: object = { stringValue: 'leaf' };
  for (let i = 0; i < 100; i++) deep = { arrayValue: { values: [deep] } };
  const nested = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: deep }] }] }] };
  assert.throws(
    () => logsFromJson(nested),
    (e: unknown) => e instanceof DecodeError && /nest deeper than 64/.test(e.message),
  );
  assert.throws(
    () => decodeLogsJsonPassThrough(nested),
    sameError(() => logsFromJson(nested)),
  );
});

test('json: the OpenTelemetry JS SDK JSON serializer output equals its protobuf output, decoded', async () => {
  const spans = await sdkSpans();
  assert.deepEqual(
    tracesFromJson(text(JsonTraceSerializer.serializeRequest(spans))),
    decodeTraces(ProtobufTraceSerializer.serializeRequest(spans)!),
  );
  const metrics = await sdkMetrics();
  assert.deepEqual(
    metricsFromJson(text(JsonMetricsSerializer.serializeRequest(metrics))),
    decodeMetrics(ProtobufMetricsSerializer.serializeRequest(metrics)!),
  );
  const logs = await sdkLogRecords();
  assert.deepEqual(
    logsFromJson(text(JsonLogsSerializer.serializeRequest(logs))),
    decodeLogs(ProtobufLogsSerializer.serializeRequest(logs)!),
  );
});

test('json: strings are escaped as JSON.stringify escapes them, bytes are UTF-8, and large requests grow the buffer intact', () => {
  const tricky = [
    'plain',
    '',
    'quote " and \\ backslash',
    'tab\tnew\nline\u0000nul\u001f',
    'ünïcødé',
    '日本語',
    'emoji 😀',
    'lone \ud800 surrogate',
    '\u007f del',
    '</script>',
  ];
  const traces = sampleTraces();
  const spans = traces.resourceSpans[0].scopeSpans[0].spans;
  const template = spans[0];
  spans.length = 0;
  // enough spans to pass the writer's first buffer many times over
  for (let i = 0; i < 3000; i++)
    spans.push({
      ...template,
      name: tricky[i % tricky.length],
      attributes: tricky.map((s, j) => ({ key: `k${j}`, value: { stringValue: s } })),
    });
  const text = tracesToJson(traces);
  const bytes = encodeTracesJson(traces);
  assert.equal(Buffer.from(bytes).toString('utf8'), text);
  assert.equal(Buffer.byteLength(text), bytes.length);
  const parsed = JSON.parse(text).resourceSpans[0].scopeSpans[0].spans;
  assert.equal(parsed.length, 3000);
  for (let i = 0; i < tricky.length; i++) {
    if (tricky[i] !== '')
      assert.ok(
        text.includes(`"name":${JSON.stringify(tricky[i])}`),
        `${JSON.stringify(tricky[i])} written as JSON.stringify writes it`,
      );
    assert.equal(parsed[i].attributes[i].value.stringValue, tricky[i]);
  }
  assert.deepEqual(tracesFromJson(text).resourceSpans[0].scopeSpans[0].spans[2999].attributes[3], {
    key: 'k3',
    value: { stringValue: tricky[3] },
  });
});

test('json: shared attributes are one object per pair, written as any other attribute, and a copy of one is an ordinary attribute', () => {
  assert.equal(sharedAttr('http.request.method', 'GET'), sharedAttr('http.request.method', 'GET'));
  assert.notEqual(sharedAttr('server.port', 80), sharedAttr('server.port', 81));
  const traces = sampleTraces();
  const span = traces.resourceSpans[0].scopeSpans[0].spans[0];
  const plain = [attr('url.path', '/a "quoted" ü'), attr('server.port', 8080), attr('ok', true), attr('ratio', 0.5)];
  span.attributes = plain;
  const expected = tracesToJson(traces);
  span.attributes = plain.map((kv) => sharedAttr(kv.key, fromAnyValue(kv.value) as string));
  span.attributes[1] = sharedAttr('server.port', 8080);
  span.attributes[2] = sharedAttr('ok', true);
  span.attributes[3] = sharedAttr('ratio', 0.5);
  assert.equal(tracesToJson(traces), expected);
  const copy = structuredClone(traces);
  copy.resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value = { stringValue: 'changed' };
  assert.match(tracesToJson(copy), /"stringValue":"changed"/);
  assert.equal(tracesToJson(traces), expected, 'the shared object is untouched');
});
