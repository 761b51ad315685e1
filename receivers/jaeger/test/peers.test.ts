// The jaeger receiver against clients no one here wrote: jaeger-client (Thrift binary over UDP
// to the agent port, Thrift over HTTP to the collector), Apache Thrift's compact protocol
// encoder (the agent's 6831 protocol), and a grpc-js client built from the published api_v2
// proto. Expected values are contrib's translation rules applied to what the client says it sent.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { SpanKind, StatusCode } from '@flowtel/pdata';
import { waitFor } from '@flowtel/testkit';
import { attrs, emitBatch, hex, require, startJaeger, type ThriftBatch } from './helpers.ts';

const { initTracer } = require('jaeger-client');
const silent = { info() {}, error() {} };
const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops) await stop();
});

interface JaegerClientSpan {
  context(): { traceIdStr?: string; spanIdStr?: string; parentIdStr?: string; toTraceId(): string; toSpanId(): string };
  setTag(k: string, v: unknown): void;
  log(fields: Record<string, unknown>): void;
  finish(): void;
}

/** A parent and a failed client child, made and reported by jaeger-client through `reporter`. */
async function reportWithJaegerClient(reporter: Record<string, unknown>) {
  const tracer = initTracer(
    {
      serviceName: 'checkout',
      sampler: { type: 'const', param: 1 },
      reporter: { flushIntervalMs: 50, ...reporter },
    },
    { logger: silent, tags: { 'deployment.environment': 'test' }, traceId128bit: true },
  );
  const parent: JaegerClientSpan = tracer.startSpan('GET /cart');
  const child: JaegerClientSpan = tracer.startSpan('POST /pay', { childOf: parent.context() });
  child.setTag('span.kind', 'client');
  child.setTag('http.status_code', 503);
  child.setTag('error', true);
  child.setTag('retry.ratio', 0.5);
  child.log({ event: 'retry', attempt: 2 });
  child.finish();
  parent.finish();
  await new Promise<void>((resolve) => tracer.close(resolve));
  return { parent: parent.context(), child: child.context() };
}

for (const [name, protocol] of [
  ['Thrift binary over UDP (the agent port)', 'thrift_binary'],
  ['Thrift over HTTP (POST /api/traces)', 'thrift_http'],
] as const) {
  test(`jaeger-client's spans over ${name} arrive as contrib translates them`, async () => {
    const { receiver, consumer } = await startJaeger({ [protocol]: { endpoint: '127.0.0.1:0' } });
    stops.push(() => receiver.shutdown());
    const port = (protocol === 'thrift_binary' ? receiver.thriftBinary : receiver.thriftHttp)!.port!;
    const sent = await reportWithJaegerClient(
      protocol === 'thrift_binary'
        ? { agentHost: '127.0.0.1', agentPort: port }
        : { collectorEndpoint: `http://127.0.0.1:${port}/api/traces` },
    );
    await waitFor('both spans', async () => consumer.spans.length >= 2, 60_000);
    const batch = consumer.received[0];
    assert.equal(batch.transport, protocol === 'thrift_binary' ? 'udp_thrift_binary' : 'collector_http');
    const resource = attrs(consumer.traces[0].resourceSpans[0].resource.attributes as never);
    assert.equal(resource['service.name'], 'checkout');
    assert.equal(resource['deployment.environment'], 'test');
    // contrib: jaeger.version -> opencensus.exporterversion "Jaeger-<version>", hostname -> host.name
    assert.match(String(resource['opencensus.exporterversion']), /^Jaeger-Node-3\./);
    assert.equal(resource['jaeger.version'], undefined);
    assert.equal(typeof resource['host.name'], 'string');
    assert.equal(resource.hostname, undefined);

    const byName = new Map(consumer.spans.map((s) => [s.name, s]));
    const child = byName.get('POST /pay')!;
    const parent = byName.get('GET /cart')!;
    assert.equal(hex(child.traceId), sent.child.toTraceId().padStart(32, '0'));
    assert.equal(hex(child.spanId), sent.child.toSpanId().padStart(16, '0'));
    assert.equal(hex(child.parentSpanId), sent.parent.toSpanId().padStart(16, '0'));
    assert.equal(hex(parent.parentSpanId), '');
    assert.equal(hex(parent.traceId), hex(child.traceId));
    assert.equal(child.kind, SpanKind.CLIENT);
    assert.equal(parent.kind, SpanKind.UNSPECIFIED);
    // error=true is the status and leaves the attributes; the CHILD_OF parent is no link
    assert.deepEqual(child.status, { code: StatusCode.ERROR, message: '' });
    const a = attrs(child.attributes as never);
    // jaeger-client sends every JS number as a DOUBLE tag
    assert.equal(a['http.status_code'], 503);
    assert.equal(a['retry.ratio'], 0.5);
    assert.equal(a.error, undefined);
    assert.equal(a['span.kind'], undefined);
    assert.equal(child.links.length, 0);
    assert.equal(child.events.length, 1);
    assert.equal(child.events[0].name, 'retry');
    assert.deepEqual(attrs(child.events[0].attributes as never), { attempt: 2 });
    assert.equal(child.flags & 1, 1, 'sampled');
    const now = BigInt(Date.now()) * 1_000_000n;
    assert.ok(child.startTimeUnixNano > now - 120_000_000_000n && child.startTimeUnixNano <= now);
    assert.ok(child.endTimeUnixNano >= child.startTimeUnixNano);
  });
}

test("Thrift compact over UDP (6831) from Apache Thrift's encoder: the same batch as binary", async () => {
  const { receiver, consumer } = await startJaeger({
    thrift_compact: { endpoint: '127.0.0.1:0' },
    thrift_binary: { endpoint: '127.0.0.1:0' },
  });
  stops.push(() => receiver.shutdown());
  const batch: ThriftBatch = {
    process: { serviceName: 'inventory', tags: [{ key: 'ip', vType: 0, vStr: '10.0.0.7' }] },
    spans: [
      {
        traceIdHigh: '8000000000000001',
        traceIdLow: 'ffffffffffffffff',
        spanId: 'a000000000000002',
        parentSpanId: '0',
        operationName: 'reserve',
        references: [
          // the parent comes from the same trace's CHILD_OF; the FOLLOWS_FROM stays a link
          { refType: 1, traceIdHigh: '0', traceIdLow: '99', spanId: '98' },
          { refType: 0, traceIdHigh: '8000000000000001', traceIdLow: 'ffffffffffffffff', spanId: '77' },
        ],
        flags: 0,
        startTime: 1_700_000_000_123_456,
        duration: 1500,
        tags: [
          { key: 'span.kind', vType: 0, vStr: 'consumer' },
          { key: 'otel.status_code', vType: 0, vStr: 'ok' },
          { key: 'otel.status_description', vType: 0, vStr: 'fine' },
          { key: 'count', vType: 3, vLong: -5 },
          { key: 'blob', vType: 4, vBinary: Buffer.from([0, 1, 2, 255]) },
          { key: 'ok', vType: 2, vBool: false },
        ],
        logs: [{ timestamp: 1_700_000_000_123_999, fields: [{ key: 'message', vType: 0, vStr: 'no event field' }] }],
      },
    ],
  };
  const socket = createSocket('udp4');
  stops.push(() => new Promise((r) => socket.close(() => r())));
  for (const [protocol, port] of [
    ['compact', receiver.thriftCompact!.port!],
    ['binary', receiver.thriftBinary!.port!],
  ] as const)
    socket.send(emitBatch(batch, protocol), port, '127.0.0.1');
  await waitFor('two batches', async () => consumer.received.length >= 2, 60_000);
  const [compact, binary] = ['udp_thrift_compact', 'udp_thrift_binary'].map(
    (t) => consumer.received.find((b) => b.transport === t)!.data,
  );
  assert.deepEqual(compact, binary);
  const span = consumer.spans[0];
  assert.equal(hex(span.traceId), '8000000000000001ffffffffffffffff');
  assert.equal(hex(span.spanId), 'a000000000000002');
  assert.equal(hex(span.parentSpanId), '0000000000000077');
  assert.equal(span.kind, SpanKind.CONSUMER);
  assert.deepEqual(span.status, { code: StatusCode.OK, message: 'fine' });
  assert.equal(span.startTimeUnixNano, 1_700_000_000_123_456_000n);
  assert.equal(span.endTimeUnixNano, 1_700_000_000_124_956_000n);
  assert.equal(span.flags, 0);
  assert.deepEqual(attrs(span.attributes as never), {
    count: -5n,
    blob: Uint8Array.from([0, 1, 2, 255]),
    ok: false,
  });
  assert.equal(span.links.length, 1);
  assert.equal(hex(span.links[0].traceId), '00000000000000000000000000000099');
  assert.equal(hex(span.links[0].spanId), '0000000000000098');
  assert.deepEqual(attrs(span.links[0].attributes as never), { 'opentracing.ref_type': 'follows_from' });
  assert.equal(span.events[0].name, '');
  assert.equal(span.events[0].timeUnixNano, 1_700_000_000_123_999_000n);
  assert.deepEqual(attrs(span.events[0].attributes as never), { message: 'no event field' });
});

const protoPath = fileURLToPath(new URL('../../../third_party/jaeger-idl/api_v2.proto', import.meta.url));

test('api_v2 PostSpans from a grpc-js client: processes regrouped, scope, trace state, links', async () => {
  const { receiver, consumer } = await startJaeger({ grpc: { endpoint: '127.0.0.1:0' } });
  stops.push(() => receiver.shutdown());
  const def = loadSync(protoPath, { keepCase: true, longs: String, enums: String, defaults: false });
  const api = (loadPackageDefinition(def).jaeger as Record<string, Record<string, unknown>>).api_v2;
  const Client = api.CollectorService as new (
    a: string,
    c: unknown,
  ) => {
    PostSpans(req: unknown, cb: (err: ServiceError | null, res: unknown) => void): void;
    close(): void;
  };
  const client = new Client(`127.0.0.1:${receiver.grpc!.port}`, credentials.createInsecure());
  stops.push(async () => client.close());
  const traceId = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
  const ts = { seconds: '1700000000', nanos: 500 };
  const span = (id: string, extra: Record<string, unknown>) => ({
    trace_id: traceId,
    span_id: Buffer.from(id, 'hex'),
    operation_name: `op-${id.slice(-1)}`,
    start_time: ts,
    duration: { seconds: '1', nanos: 5 },
    flags: 1,
    ...extra,
  });
  const str = (key: string, v: string) => ({ key, v_type: 'STRING', v_str: v });
  const request = {
    batch: {
      process: { service_name: 'frontend', tags: [str('hostname', 'web-1')] },
      spans: [
        span('0000000000000001', {
          tags: [
            str('otel.scope.name', 'io.opentelemetry.http'),
            str('otel.scope.version', '1.2.3'),
            str('w3c.tracestate', 'vendor=value'),
            str('span.kind', 'server'),
            { key: 'http.status_code', v_type: 'INT64', v_int64: '404' },
            { key: 'latency', v_type: 'FLOAT64', v_float64: 1.25 },
          ],
          logs: [{ timestamp: ts, fields: [str('event', 'exception'), str('exception.type', 'E')] }],
        }),
        span('0000000000000002', {
          references: [{ trace_id: traceId, span_id: Buffer.from('0000000000000001', 'hex'), ref_type: 'CHILD_OF' }],
          tags: [str('span.kind', 'client'), { key: 'http.status_code', v_type: 'INT64', v_int64: '404' }],
          // a span's own process wins over its batch's
          process: { service_name: 'backend', tags: [] },
        }),
      ],
    },
  };
  const response = await new Promise((resolve, reject) =>
    client.PostSpans(request, (err, res) => (err ? reject(err) : resolve(res))),
  );
  assert.deepEqual(response, {});
  assert.equal(consumer.received[0].transport, 'grpc');
  const rss = consumer.traces[0].resourceSpans;
  assert.deepEqual(
    rss.map((rs) => attrs(rs.resource.attributes as never)),
    [{ 'service.name': 'frontend', 'host.name': 'web-1' }, { 'service.name': 'backend' }],
  );
  const server = rss[0].scopeSpans[0];
  assert.deepEqual([server.scope.name, server.scope.version], ['io.opentelemetry.http', '1.2.3']);
  const s1 = server.spans[0];
  assert.equal(s1.traceState, 'vendor=value');
  assert.equal(s1.kind, SpanKind.SERVER);
  // a 4xx is no error on a server span, an error on a client span (contrib's http.status_code fallback)
  assert.equal(s1.status.code, StatusCode.UNSET);
  assert.equal(s1.startTimeUnixNano, 1_700_000_000_000_000_500n);
  assert.equal(s1.endTimeUnixNano, 1_700_000_001_000_000_505n);
  assert.deepEqual(attrs(s1.attributes as never), { 'http.status_code': 404n, latency: 1.25 });
  assert.equal(s1.events[0].name, 'exception');
  assert.deepEqual(attrs(s1.events[0].attributes as never), { 'exception.type': 'E' });
  const s2 = rss[1].scopeSpans[0].spans[0];
  assert.equal(s2.kind, SpanKind.CLIENT);
  assert.equal(s2.status.code, StatusCode.ERROR);
  assert.equal(hex(s2.parentSpanId), '0000000000000001');
  assert.equal(s2.links.length, 0);

  // what does not decode is INVALID_ARGUMENT; the receiver keeps serving
  const bad = { batch: { spans: [{ trace_id: Buffer.from('0102', 'hex'), span_id: Buffer.alloc(8, 1) }] } };
  const err = await new Promise<ServiceError>((resolve) => client.PostSpans(bad, (e) => resolve(e!)));
  assert.equal(err.code, 3);
  assert.match(err.details, /trace_id is 2 bytes, expected 16/);
});
