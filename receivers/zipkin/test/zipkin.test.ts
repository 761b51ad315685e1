// The zipkin receiver against clients no one here wrote: zipkin-js with zipkin-transport-http
// (v2 JSON), the OpenTelemetry JS SDK's zipkin exporter, protobufjs encoding zipkin-api's
// published zipkin.proto (gzip'd); contrib's translation rules on hand-written v2 JSON; and the
// answers to bad requests.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SpanKind as ApiSpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { permanent, retryable, type BatchInput, type Consumer } from '@flowtel/core';
import { SpanKind, StatusCode, type Span, type Traces } from '@flowtel/pdata';
import { testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import type { ZipkinReceiver } from '../src/zipkin.ts';

const require = createRequire(import.meta.url);
const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

class TestConsumer implements Consumer {
  received: BatchInput[] = [];
  answer: () => Promise<void> = async () => {};
  consume(batch: BatchInput): Promise<void> {
    this.received.push(batch);
    return this.answer();
  }
  get traces(): Traces[] {
    return this.received.map((b) => b.data as Traces);
  }
  get spans(): Span[] {
    return this.traces.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
  }
}

async function startZipkin(extra: Record<string, unknown> = {}) {
  const config = factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...extra });
  const consumer = new TestConsumer();
  const receiver = factory.createReceiver(testSettings('zipkin', 'receiver'), config, {
    traces: consumer,
  }) as ZipkinReceiver;
  await receiver.start();
  stops.push(() => receiver.shutdown());
  return { receiver, consumer, url: (path = '/api/v2/spans') => `http://127.0.0.1:${receiver.port}${path}` };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const attrs = (kvs: { key: string; value: Record<string, unknown> }[]) =>
  Object.fromEntries(kvs.map((kv) => [kv.key, Object.values(kv.value)[0]]));

test('zipkin-js over zipkin-transport-http (v2 JSON): ids, kind, endpoints, tags, annotations', async () => {
  const { consumer, url } = await startZipkin();
  const { Tracer, BatchRecorder, ExplicitContext, jsonEncoder, Annotation, InetAddress } = require('zipkin');
  const { HttpLogger } = require('zipkin-transport-http');
  const logger = new HttpLogger({
    endpoint: url(),
    jsonEncoder: jsonEncoder.JSON_V2,
    httpInterval: 50,
    fetchImplementation: fetch,
  });
  const tracer = new Tracer({
    ctxImpl: new ExplicitContext(),
    recorder: new BatchRecorder({ logger }),
    localServiceName: 'frontend',
  });
  const root = tracer.createRootId();
  tracer.setId(root);
  tracer.recordServiceName('frontend');
  tracer.recordRpc('get /cart');
  tracer.recordAnnotation(new Annotation.ClientSend());
  tracer.recordAnnotation(new Annotation.LocalAddr({ host: new InetAddress('10.0.0.1'), port: 3000 }));
  tracer.recordAnnotation(
    new Annotation.ServerAddr({ serviceName: 'cart', host: new InetAddress('10.0.0.2'), port: 8080 }),
  );
  tracer.recordBinary('http.path', '/cart');
  tracer.recordBinary('error', 'true');
  tracer.recordMessage('retrying');
  tracer.recordAnnotation(new Annotation.ClientRecv());
  await waitFor('the span', async () => consumer.spans.length >= 1, 60_000);
  assert.equal(consumer.received[0].transport, 'http_v2_json');
  const rs = consumer.traces[0].resourceSpans[0];
  assert.deepEqual(attrs(rs.resource.attributes as never), { 'service.name': 'frontend' });
  const span = consumer.spans[0];
  assert.equal(hex(span.traceId), root.traceId.padStart(32, '0'));
  assert.equal(hex(span.spanId), root.spanId);
  assert.equal(hex(span.parentSpanId), '');
  assert.equal(span.name, 'get /cart');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.status.code, StatusCode.ERROR);
  assert.deepEqual(attrs(span.attributes as never), {
    'http.path': '/cart',
    'net.host.ip': '10.0.0.1',
    'net.host.port': 3000n,
    'peer.service': 'cart',
    'net.peer.ip': '10.0.0.2',
    'net.peer.port': 8080n,
  });
  assert.deepEqual(
    span.events.map((e) => e.name),
    ['retrying'],
  );
  assert.ok(span.endTimeUnixNano >= span.startTimeUnixNano && span.startTimeUnixNano > 1_600_000_000_000_000_000n);
});

test("the OpenTelemetry JS SDK's zipkin exporter: kind, status, events, resource", async () => {
  const { consumer, url } = await startZipkin();
  const exporter = new ZipkinExporter({ url: url() });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.4.0' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  stops.push(() => provider.shutdown());
  const tracer = provider.getTracer('checkout-lib', '2.0.0');
  const parent = tracer.startSpan('checkout', { kind: ApiSpanKind.SERVER });
  const ctx = (await import('@opentelemetry/api')).trace.setSpan(
    (await import('@opentelemetry/api')).context.active(),
    parent,
  );
  const child = tracer.startSpan(
    'charge',
    { kind: ApiSpanKind.PRODUCER, attributes: { amount: 42, 'card.valid': false } },
    ctx,
  );
  child.addEvent('declined', { code: 'E51' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  child.end();
  parent.end();
  await provider.forceFlush();
  await waitFor('two spans', async () => consumer.spans.length >= 2, 60_000);
  const byName = new Map(consumer.spans.map((s) => [s.name, s]));
  const c = byName.get('charge')!;
  const p = byName.get('checkout')!;
  assert.equal(hex(c.traceId), child.spanContext().traceId);
  assert.equal(hex(c.spanId), child.spanContext().spanId);
  assert.equal(hex(c.parentSpanId), parent.spanContext().spanId);
  assert.equal(p.kind, SpanKind.SERVER);
  assert.equal(c.kind, SpanKind.PRODUCER);
  // the SDK writes otel.status_code=ERROR and error=<message>: contrib's table knows no "ERROR"
  // (its names are STATUS_CODE_ERROR and Error), so the code is unset, and an error tag that is not
  // "true" stays an attribute
  assert.equal(c.status.code, StatusCode.UNSET);
  const a = attrs(c.attributes as never);
  assert.equal(a.error, 'card declined');
  assert.equal(a['otel.status_code'], undefined);
  assert.equal(a.amount, '42');
  assert.equal(a['card.valid'], 'false');
  assert.equal(c.events[0].name.startsWith('declined'), true);
  const resource = consumer.traces.flatMap((t) => t.resourceSpans).map((rs) => attrs(rs.resource.attributes as never));
  assert.equal(resource[0]['service.name'], 'checkout');
});

const protoRoot = protobuf.loadSync(
  fileURLToPath(new URL('../../../third_party/zipkin-api/zipkin.proto', import.meta.url)),
);
const ListOfSpans = protoRoot.lookupType('zipkin.proto3.ListOfSpans');

test('v2 protobuf (protobufjs, zipkin-api proto), gzip: 64-bit trace id, IPv6, debug, shared, parse_string_tags', async () => {
  const { consumer, url } = await startZipkin({ parse_string_tags: true });
  const message = ListOfSpans.fromObject({
    spans: [
      {
        traceId: Buffer.from('00000000000000aa', 'hex'),
        id: Buffer.from('00000000000000bb', 'hex'),
        parentId: Buffer.from('00000000000000cc', 'hex'),
        kind: 2,
        name: 'recv',
        timestamp: 1_700_000_000_000_123,
        duration: 250,
        localEndpoint: { serviceName: 'api', ipv6: Buffer.from('20010db8000000000000000000000001', 'hex'), port: 443 },
        remoteEndpoint: { ipv4: Buffer.from([192, 168, 1, 9]) },
        annotations: [{ timestamp: 1_700_000_000_000_200, value: 'cache.miss' }],
        tags: {
          'http.status_code': '200',
          ratio: '0.25',
          ok: 'true',
          big: '99999999999999999999',
          'otel.library.name': 'lib',
          'otel.library.version': '3',
        },
        shared: true,
      },
    ],
  });
  const body = gzipSync(ListOfSpans.encode(message).finish());
  const res = await fetch(url(), {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
  });
  assert.equal(res.status, 202);
  assert.equal(consumer.received[0].transport, 'http_v2_proto');
  const ss = consumer.traces[0].resourceSpans[0].scopeSpans[0];
  assert.deepEqual([ss.scope.name, ss.scope.version], ['lib', '3']);
  const span = ss.spans[0];
  assert.equal(hex(span.traceId), '000000000000000000000000000000aa');
  assert.equal(hex(span.parentSpanId), '00000000000000cc');
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.startTimeUnixNano, 1_700_000_000_000_123_000n);
  assert.equal(span.endTimeUnixNano, 1_700_000_000_000_373_000n);
  assert.deepEqual(attrs(span.attributes as never), {
    'http.status_code': 200n,
    ratio: 0.25,
    ok: true,
    // strconv.ParseInt's answer out of range: the largest int64
    big: 9223372036854775807n,
    'net.host.ip': '2001:db8::1',
    'net.host.port': 443n,
    'net.peer.ip': '192.168.1.9',
  });
  assert.equal(span.events[0].timeUnixNano, 1_700_000_000_000_200_000n);
});

test("contrib's rules on v2 JSON: resource tags, status, links, encoded annotations, absent timestamp", async () => {
  const { consumer, url } = await startZipkin();
  const spans = [
    {
      traceId: '5af7183fb1d4cf5f5af7183fb1d4cf5f',
      id: '6b221d5bc9e6496c',
      name: 'b',
      localEndpoint: { serviceName: 'svc-b' },
      duration: 10,
      tags: {
        'k8s.pod.name': 'pod-1',
        'otel.status_code': 'STATUS_CODE_OK',
        'otel.status_description': 'fine',
        'w3c.tracestate': 'a=b',
        'span.kind': 'internal',
        'otlp.link.0': '5af7183fb1d4cf5f5af7183fb1d4cf5f|1111111111111111|x=y|{"n":3,"s":"t|u"}|2',
        keep: 'me',
      },
      annotations: [{ timestamp: 1_700_000_000_000_001, value: 'evt|{"a":1.5,"b":true}|4' }],
    },
    {
      traceId: '5af7183fb1d4cf5f',
      id: '6b221d5bc9e6496d',
      name: 'a',
      timestamp: 1_700_000_000_000_000,
      localEndpoint: { serviceName: 'svc-a' },
    },
  ];
  const res = await fetch(url(), {
    method: 'POST',
    body: JSON.stringify(spans),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 202);
  const rss = consumer.traces[0].resourceSpans;
  // sorted by local service name: svc-a first
  assert.deepEqual(
    rss.map((rs) => attrs(rs.resource.attributes as never)),
    [{ 'service.name': 'svc-a' }, { 'service.name': 'svc-b', 'k8s.pod.name': 'pod-1' }],
  );
  const b = rss[1].scopeSpans[0].spans[0];
  assert.deepEqual(b.status, { code: StatusCode.OK, message: 'fine' });
  assert.equal(b.traceState, 'a=b');
  assert.equal(b.kind, SpanKind.INTERNAL);
  assert.deepEqual(attrs(b.attributes as never), { keep: 'me', 'otel.zipkin.absentField.startTime': true });
  assert.equal(b.startTimeUnixNano, 0n);
  assert.equal(b.endTimeUnixNano, 10_000n);
  assert.equal(hex(b.links[0].spanId), '1111111111111111');
  assert.equal(b.links[0].traceState, 'x=y');
  assert.deepEqual(attrs(b.links[0].attributes as never), { n: 3n, s: 't|u' });
  assert.equal(b.links[0].droppedAttributesCount, 2);
  assert.equal(b.events[0].name, 'evt');
  assert.deepEqual(attrs(b.events[0].attributes as never), { a: 1.5, b: true });
  assert.equal(b.events[0].droppedAttributesCount, 4);
  const a = rss[0].scopeSpans[0].spans[0];
  assert.equal(hex(a.traceId), '00000000000000005af7183fb1d4cf5f');
});

test('bad requests are 400 with the reason, refusals 500 or 400, zipkin v1 is refused as not yet in flowtel', async () => {
  const { consumer, url } = await startZipkin();
  const post = (body: string, path?: string) =>
    fetch(url(path), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  let res = await post('{not json');
  assert.equal(res.status, 400);
  assert.match(await res.text(), /not JSON/);
  res = await post('[{"traceId":"xyz","id":"1"}]');
  assert.equal(res.status, 400);
  assert.match(await res.text(), /\[0\]\.traceId: "xyz" is not a hex id/);
  res = await post('[{"traceId":"1","id":"2","annotations":[{"timestamp":1,"value":"e|{bad|0"}]}]');
  assert.equal(res.status, 400);
  res = await post('[]', '/api/v1/spans');
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Zipkin v1 is not in flowtel yet/);
  const ok = '[{"traceId":"1","id":"2","name":"n"}]';
  consumer.answer = async () => {
    throw retryable('queue is full');
  };
  res = await post(ok);
  assert.equal(res.status, 500);
  assert.equal((await res.text()).trim(), '"Internal Server Error"');
  consumer.answer = async () => {
    throw permanent('bad');
  };
  res = await post(ok);
  assert.equal(res.status, 400);
  consumer.answer = async () => {};
  res = await post(ok);
  assert.equal(res.status, 202);
});
