import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { HrTime } from '@opentelemetry/api';
import { decodeTraces, encodeTraces, decodeExportResponse, encodeExportResponse, type KeyValue } from '../src/index.ts';
import { loadOtlpTypes } from './support/otlp-proto.ts';
import { normalize, pbjsDecode, pbjsEncode } from './support/pbjs.ts';
import { MAX_U64, sampleTraces } from './support/sample.ts';
import { sdkSpans } from './support/sdk-traces.ts';

const types = loadOtlpTypes();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const nanos = ([s, ns]: HrTime) => BigInt(s) * 1_000_000_000n + BigInt(ns);

test('traces: model → proto → model keeps every value, and re-encoding is byte-identical', () => {
  const model = sampleTraces();
  const bytes = encodeTraces(model);
  const decoded = decodeTraces(bytes);
  assert.deepEqual(decoded, model);
  assert.equal(decoded.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano, MAX_U64);
  assert.deepEqual(encodeTraces(decoded), bytes);
});

test("traces: a request far larger than the encoder's first buffer round-trips", () => {
  const model = sampleTraces();
  const spans = model.resourceSpans[0].scopeSpans[0].spans;
  for (let i = 0; i < 8; i++) spans.push(...spans);
  const bytes = encodeTraces(model);
  assert.ok(bytes.length > 32 * 8192, `${bytes.length} bytes, 32 times the first buffer`);
  assert.deepEqual(decodeTraces(bytes), model);
  assert.deepEqual(normalize(pbjsDecode(types.traceRequest, bytes)), normalize(model));
});

test('traces: protobufjs reads our bytes as we wrote them', () => {
  const model = sampleTraces();
  assert.deepEqual(normalize(pbjsDecode(types.traceRequest, encodeTraces(model))), normalize(model));
});

test('traces: we read protobufjs bytes, explicit defaults and empty messages included', () => {
  const model = sampleTraces();
  assert.deepEqual(decodeTraces(pbjsEncode(types.traceRequest, model)), model);
});

test('traces: the OpenTelemetry JS SDK serializer output decodes field by field', async () => {
  const spans = await sdkSpans();
  assert.equal(spans.length, 3);
  const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
  const traces = decodeTraces(bytes);
  assert.deepEqual(normalize(traces), normalize(pbjsDecode(types.traceRequest, bytes)));

  const decoded = traces.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ rs, ss, span }))),
  );
  assert.equal(decoded.length, spans.length);
  for (const sdk of spans) {
    const ctx = sdk.spanContext();
    const found = decoded.find((d) => hex(d.span.spanId) === ctx.spanId);
    assert.ok(found, `span ${sdk.name} decoded`);
    const { rs, ss, span } = found;
    assert.equal(hex(span.traceId), ctx.traceId);
    assert.equal(hex(span.parentSpanId), sdk.parentSpanContext?.spanId ?? '');
    assert.equal(span.name, sdk.name);
    assert.equal(span.kind, sdk.kind + 1);
    assert.equal(span.startTimeUnixNano, nanos(sdk.startTime));
    assert.equal(span.endTimeUnixNano, nanos(sdk.endTime));
    assert.equal(span.flags & 0xff, ctx.traceFlags);
    assert.equal(span.status.code, sdk.status.code);
    assert.equal(span.status.message, sdk.status.message ?? '');
    assert.deepEqual(plainAttributes(span.attributes), sdk.attributes);
    assert.deepEqual(
      span.events.map((e) => ({ name: e.name, time: e.timeUnixNano, attributes: plainAttributes(e.attributes) })),
      sdk.events.map((e) => ({ name: e.name, time: nanos(e.time), attributes: e.attributes ?? {} })),
    );
    assert.deepEqual(
      span.links.map((l) => ({
        traceId: hex(l.traceId),
        spanId: hex(l.spanId),
        traceState: l.traceState,
        flags: l.flags,
        attributes: plainAttributes(l.attributes),
      })),
      sdk.links.map((l) => ({
        traceId: l.context.traceId,
        spanId: l.context.spanId,
        traceState: l.context.traceState?.serialize() ?? '',
        flags: l.context.traceFlags | 0x100 | (l.context.isRemote ? 0x200 : 0),
        attributes: l.attributes ?? {},
      })),
    );
    assert.equal(ss.scope.name, sdk.instrumentationScope.name);
    assert.equal(ss.scope.version, sdk.instrumentationScope.version ?? '');
    assert.equal(ss.schemaUrl, sdk.instrumentationScope.schemaUrl ?? '');
    assert.deepEqual(plainAttributes(rs.resource.attributes), sdk.resource.attributes);
  }
});

test('export responses: partial success round-trips and matches protobufjs', () => {
  const response = { partialSuccess: { rejected: 2n ** 40n + 3n, errorMessage: 'spans without trace id' } };
  const bytes = encodeExportResponse(response);
  assert.deepEqual(decodeExportResponse(bytes), response);
  assert.deepEqual(normalize(pbjsDecode(types.traceResponse, bytes)), {
    partialSuccess: { rejectedSpans: String(2n ** 40n + 3n), errorMessage: 'spans without trace id' },
  });
  assert.deepEqual(decodeExportResponse(new Uint8Array(0)), {});
  assert.deepEqual(encodeExportResponse({}), new Uint8Array(0));
  assert.deepEqual(decodeExportResponse(encodeExportResponse({ partialSuccess: { rejected: 0n, errorMessage: '' } })), {
    partialSuccess: { rejected: 0n, errorMessage: '' },
  });
});

test('traces: input that is a view into a larger buffer (a Buffer slice) decodes the same', () => {
  const model = sampleTraces();
  const bytes = encodeTraces(model);
  const larger = Buffer.alloc(bytes.length + 64, 0xee);
  larger.set(bytes, 29);
  assert.deepEqual(decodeTraces(larger.subarray(29, 29 + bytes.length)), model);
  assert.deepEqual(decodeTraces(new Uint8Array(larger.buffer, larger.byteOffset + 29, bytes.length)), model);
});

test('unknown fields of every wire type are skipped', () => {
  const model = sampleTraces();
  const known = encodeTraces(model);
  // field 99 varint, field 98 fixed64, field 97 length-delimited, field 96 fixed32, then the data
  const unknown = Uint8Array.from([
    0x98, 0x06, 0xff, 0x01, 0x91, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x8a, 0x06, 2, 0xaa, 0xbb, 0x85, 0x06, 1, 2, 3, 4,
  ]);
  const withUnknown = new Uint8Array(unknown.length + known.length);
  withUnknown.set(unknown);
  withUnknown.set(known, unknown.length);
  assert.deepEqual(decodeTraces(withUnknown), model);
});

/** Attributes as the SDK holds them: plain JS values, ints as numbers. */
function plainAttributes(attributes: KeyValue[]): Record<string, unknown> {
  const plain = (v: KeyValue['value']): unknown => {
    if ('intValue' in v) return Number(v.intValue);
    if ('arrayValue' in v) return v.arrayValue.values.map(plain);
    return Object.values(v)[0];
  };
  return Object.fromEntries(attributes.map((kv) => [kv.key, plain(kv.value)]));
}
