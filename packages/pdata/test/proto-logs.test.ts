import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { HrTime } from '@opentelemetry/api';
import { decodeLogs, encodeLogs, fromAnyValue } from '../src/index.ts';
import { loadOtlpTypes } from './support/otlp-proto.ts';
import { normalize, pbjsDecode, pbjsEncode } from './support/pbjs.ts';
import { MAX_U64, sampleLogs } from './support/sample.ts';
import { sdkLogRecords } from './support/sdk-logs.ts';

const types = loadOtlpTypes();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const nanos = ([s, ns]: HrTime) => BigInt(s) * 1_000_000_000n + BigInt(ns);

test('logs: model → proto → model keeps every value, and re-encoding is byte-identical', () => {
  const model = sampleLogs();
  const bytes = encodeLogs(model);
  const decoded = decodeLogs(bytes);
  assert.deepEqual(decoded, model);
  const records = decoded.resourceLogs[0].scopeLogs[0].logRecords;
  assert.equal(records[0].timeUnixNano, MAX_U64);
  assert.equal(records[0].eventName, 'browser.page_view');
  assert.deepEqual(records[1].body, {}, 'an unset body stays unset');
  assert.deepEqual(records[2].body, { stringValue: '' }, 'an empty string body is not an unset body');
  assert.deepEqual(encodeLogs(decoded), bytes);
});

test('logs: protobufjs reads our bytes as we wrote them', () => {
  const model = sampleLogs();
  assert.deepEqual(normalize(pbjsDecode(types.logsRequest, encodeLogs(model))), normalize(model));
});

test('logs: we read protobufjs bytes', () => {
  const model = sampleLogs();
  assert.deepEqual(decodeLogs(pbjsEncode(types.logsRequest, model)), model);
});

test('logs: the OpenTelemetry JS SDK serializer output decodes field by field', async () => {
  const sdkRecords = await sdkLogRecords();
  assert.equal(sdkRecords.length, 3);
  const bytes = ProtobufLogsSerializer.serializeRequest(sdkRecords)!;
  const logs = decodeLogs(bytes);
  assert.deepEqual(normalize(logs), normalize(pbjsDecode(types.logsRequest, bytes)));

  const records = logs.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
  assert.equal(records.length, sdkRecords.length);
  sdkRecords.forEach((sdk, i) => {
    const ours = records[i];
    assert.equal(ours.timeUnixNano, nanos(sdk.hrTime));
    assert.equal(ours.observedTimeUnixNano, nanos(sdk.hrTimeObserved));
    assert.equal(ours.severityNumber, sdk.severityNumber ?? 0);
    assert.equal(ours.severityText, sdk.severityText ?? '');
    assert.equal(ours.eventName, sdk.eventName ?? '');
    assert.equal(hex(ours.traceId), sdk.spanContext?.traceId ?? '');
    assert.equal(hex(ours.spanId), sdk.spanContext?.spanId ?? '');
    assert.equal(ours.flags, sdk.spanContext?.traceFlags ?? 0);
    assert.deepEqual(
      ours.attributes.map((kv) => [kv.key, fromAnyValue(kv.value)]),
      Object.entries(sdk.attributes).map(([k, v]) => [k, typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v]),
    );
    assert.deepEqual(fromAnyValue(ours.body), sdkBody(sdk.body));
  });
  assert.equal(logs.resourceLogs[0].scopeLogs[0].scope.name, 'cross-check');
  assert.equal(logs.resourceLogs[0].scopeLogs[0].schemaUrl, 'https://opentelemetry.io/schemas/1.30.0');
});

/** The SDK's body as fromAnyValue renders ours: integers as bigint, bytes as Uint8Array. */
function sdkBody(body: unknown): unknown {
  if (typeof body === 'number' && Number.isInteger(body)) return BigInt(body);
  if (body instanceof Uint8Array || body === undefined) return body;
  if (Array.isArray(body)) return body.map(sdkBody);
  if (body !== null && typeof body === 'object')
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, sdkBody(v)]));
  return body;
}
