// The zipkin exporter: spans through exporter -> zipkin receiver (JSON and protobuf) keep what
// contrib's translation keeps; a non-2xx answer is retried; default_service_name names spans
// whose resource has no service.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ack, type BatchInput, type Consumer, type Exporter } from '@flowtel/core';
import { SpanKind, StatusCode, attr, newResource, newScope, newSpan, type Span, type Traces } from '@flowtel/pdata';
import { factory as receiverFactory } from '@flowtel/receiver-zipkin';
import { decodeSpansJson } from '@flowtel/zipkin';
import { startTestProxy, testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');

function sample(): Traces {
  const span = newSpan({
    traceId,
    spanId: Buffer.from('b7ad6b7169203331', 'hex'),
    parentSpanId: Buffer.from('00f067aa0ba902b7', 'hex'),
    traceState: 'rojo=00f067aa0ba902b7',
    name: 'GET /cart',
    kind: SpanKind.SERVER,
    startTimeUnixNano: 1_700_000_000_123_456_000n,
    endTimeUnixNano: 1_700_000_000_223_456_000n,
    attributes: [
      attr('http.status_code', 503n),
      attr('cache.hit', false),
      attr('ratio', 0.75),
      attr('net.peer.ip', '10.1.2.3'),
      attr('net.peer.port', 5432n),
      attr('peer.service', 'postgres'),
    ],
    events: [
      {
        timeUnixNano: 1_700_000_000_150_000_000n,
        name: 'retry',
        attributes: [attr('attempt', 2n)],
        droppedAttributesCount: 1,
      },
      { timeUnixNano: 1_700_000_000_160_000_000n, name: 'plain', attributes: [], droppedAttributesCount: 0 },
    ],
    links: [
      {
        traceId,
        spanId: Buffer.from('1111111111111111', 'hex'),
        traceState: 'k=v',
        attributes: [attr('link.kind', 'batch')],
        droppedAttributesCount: 0,
        flags: 0,
      },
    ],
    status: { code: StatusCode.ERROR, message: 'upstream failed' },
  });
  const internal = newSpan({
    traceId,
    spanId: Buffer.from('c7ad6b7169203331', 'hex'),
    name: 'compute',
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: 1_700_000_000_130_000_000n,
    endTimeUnixNano: 1_700_000_000_140_000_000n,
    status: { code: StatusCode.OK, message: '' },
  });
  return {
    resourceSpans: [
      {
        resource: newResource([attr('service.name', 'cart'), attr('host.name', 'web-1')]),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope('cart-lib', '1.2.0'), schemaUrl: '', spans: [span, internal] }],
      },
    ],
  };
}

class Collecting implements Consumer {
  received: BatchInput[] = [];
  async consume(batch: BatchInput): Promise<void> {
    this.received.push(batch);
  }
}

async function startExporter(config: Record<string, unknown>): Promise<Exporter> {
  const exporter = factory.createExporter(
    testSettings('zipkin', 'exporter'),
    factory.configSchema.parse({ retry_on_failure: { initial_interval: '10ms' }, ...config }),
    ['traces'],
  );
  await exporter.start(testHost());
  stops.push(() => exporter.shutdown());
  return exporter;
}

async function send(exporter: Exporter, data: Traces): Promise<void> {
  await exporter.consume({ signal: 'traces', data, items: 2, ack: Ack.none() });
}

const attrs = (kvs: { key: string; value: Record<string, unknown> }[]) =>
  Object.fromEntries(kvs.map((kv) => [kv.key, Object.values(kv.value)[0]]));

for (const format of ['json', 'proto'] as const) {
  test(`exporter (${format}) -> zipkin receiver keeps what contrib's translation keeps`, async () => {
    const consumer = new Collecting();
    const receiver = receiverFactory.createReceiver(
      testSettings('zipkin', 'receiver'),
      receiverFactory.configSchema.parse({ endpoint: '127.0.0.1:0', parse_string_tags: true }),
      { traces: consumer },
    ) as unknown as { start(): Promise<void>; shutdown(): Promise<void>; port: number };
    await receiver.start();
    stops.push(() => receiver.shutdown());
    const exporter = await startExporter({ endpoint: `http://127.0.0.1:${receiver.port}/api/v2/spans`, format });
    await send(exporter, sample());
    await waitFor('the spans', async () => consumer.received.length > 0, 60_000);
    const rs = (consumer.received[0].data as Traces).resourceSpans;
    assert.equal(rs.length, 1);
    assert.deepEqual(attrs(rs[0].resource.attributes as never), { 'service.name': 'cart', 'host.name': 'web-1' });
    assert.deepEqual([rs[0].scopeSpans[0].scope.name, rs[0].scopeSpans[0].scope.version], ['cart-lib', '1.2.0']);
    const spans = new Map<string, Span>(rs[0].scopeSpans[0].spans.map((s) => [s.name, s]));
    const s = spans.get('GET /cart')!;
    const want = sample().resourceSpans[0].scopeSpans[0].spans[0];
    for (const key of [
      'traceId',
      'spanId',
      'parentSpanId',
      'traceState',
      'kind',
      'startTimeUnixNano',
      'endTimeUnixNano',
    ] as const)
      assert.deepEqual(Buffer.isBuffer(want[key]) ? Buffer.from(s[key] as Uint8Array) : s[key], want[key], key);
    assert.equal(s.status.code, StatusCode.ERROR);
    assert.equal(s.status.message, 'upstream failed');
    const a = attrs(s.attributes as never);
    // attributes travel as strings; parse_string_tags gives the numbers and booleans back
    assert.equal(a['http.status_code'], 503n);
    assert.equal(a['cache.hit'], false);
    assert.equal(a.ratio, 0.75);
    assert.equal(a['peer.service'], 'postgres');
    assert.equal(a['net.peer.ip'], '10.1.2.3');
    assert.equal(a['net.peer.port'], 5432n);
    // zipkin-go writes a failed span's status message as its error tag (JSON only)
    if (format === 'json') assert.equal(a.error, 'upstream failed');
    assert.deepEqual(
      s.events.map((e) => [e.name, e.timeUnixNano, attrs(e.attributes as never), e.droppedAttributesCount]),
      [
        ['retry', 1_700_000_000_150_000_000n, { attempt: 2n }, 1],
        ['plain', 1_700_000_000_160_000_000n, {}, 0],
      ],
    );
    assert.equal(s.links.length, 1);
    assert.equal(Buffer.from(s.links[0].spanId).toString('hex'), '1111111111111111');
    assert.equal(s.links[0].traceState, 'k=v');
    assert.deepEqual(attrs(s.links[0].attributes as never), { 'link.kind': 'batch' });
    const internal = spans.get('compute')!;
    assert.equal(internal.kind, SpanKind.INTERNAL);
    assert.equal(internal.status.code, StatusCode.OK);
  });
}

test('a non-2xx answer is retried; default_service_name names a resource without a service', async () => {
  const bodies: string[] = [];
  let answers = [503, 500, 202];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answers.shift() ?? 202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  stops.push(() => new Promise((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const exporter = await startExporter({
    endpoint: `http://127.0.0.1:${port}/api/v2/spans`,
    default_service_name: 'unnamed',
  });
  const traces = sample();
  traces.resourceSpans[0].resource = newResource();
  await send(exporter, traces);
  await waitFor('three attempts', async () => bodies.length === 3, 60_000);
  assert.equal(bodies[0], bodies[2]);
  const spans = decodeSpansJson(bodies[2]);
  assert.equal(spans[0].localEndpoint?.serviceName, 'unnamed');
  assert.equal(spans[0].remoteEndpoint?.serviceName, 'postgres');
  answers = [];
});

test('HTTP_PROXY: spans reach the zipkin receiver through a forward proxy; proxy_url does the same', async () => {
  const consumer = new Collecting();
  const receiver = receiverFactory.createReceiver(
    testSettings('zipkin', 'receiver'),
    receiverFactory.configSchema.parse({ endpoint: '127.0.0.1:0' }),
    { traces: consumer },
  ) as unknown as { start(): Promise<void>; shutdown(): Promise<void>; port: number };
  await receiver.start();
  stops.push(() => receiver.shutdown());
  const proxy = await startTestProxy();
  stops.push(() => proxy.stop());
  // a name no resolver knows: only the proxy (which reaches it on loopback) can get there
  const endpoint = `http://zipkin.flowtel.test:${receiver.port}/api/v2/spans`;
  const saved = process.env.HTTP_PROXY;
  process.env.HTTP_PROXY = proxy.url;
  let viaEnv: Exporter;
  try {
    viaEnv = await startExporter({ endpoint });
  } finally {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
  }
  await send(viaEnv, sample());
  const viaConfig = await startExporter({ endpoint, proxy_url: proxy.url });
  await send(viaConfig, sample());
  await waitFor('both batches', async () => consumer.received.length === 2, 60_000);
  assert.deepEqual(proxy.forwarded, [endpoint, endpoint]);
});
