// confighttp's client pool keys, seen from a real HTTP server (Node's) that counts the
// exporter's connections: how many at once, how many stay idle, when the exporter closes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Ack, type Batch } from '@flowtel/core';
import { attr, newResource, newScope, newSpan, tracesOf } from '@flowtel/pdata';
import { testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const batch = (): Batch => ({
  signal: 'traces',
  data: tracesOf([newSpan({ name: 'op' })], newResource([attr('service.name', 'svc')]), newScope('s')),
  items: 1,
  ack: Ack.none(),
});

/** A backend that answers 200 after `delayMs`, and counts the connections open to it. */
async function backend(delayMs = 0) {
  const open = new Set<Socket>();
  let connections = 0;
  let mostAtOnce = 0;
  const headers: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    headers.push(req.headers);
    req.resume();
    setTimeout(() => res.writeHead(200).end(), delayMs);
  });
  // as Go's server, keep idle connections as long as the client wants them
  server.keepAliveTimeout = 0;
  server.on('connection', (s: Socket) => {
    connections++;
    open.add(s);
    mostAtOnce = Math.max(mostAtOnce, open.size);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => open.size,
    connections: () => connections,
    mostAtOnce: () => mostAtOnce,
    headers,
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function exporterTo(url: string, extra: Record<string, unknown>) {
  const exp = factory.createExporter(
    testSettings('otlphttp', 'exporter'),
    factory.configSchema.parse({ endpoint: url, compression: 'none', sending_queue: { enabled: false }, ...extra }),
    ['traces'],
  );
  await exp.start(testHost());
  return exp;
}

test('max_conns_per_host caps the connections open at once; max_idle_conns_per_host (2 when 0, as Go) caps those kept', async () => {
  const capped = await backend(300);
  const free = await backend(300);
  const a = await exporterTo(capped.url, { max_conns_per_host: 2, max_idle_conns_per_host: 1 });
  const b = await exporterTo(free.url, {});
  try {
    await Promise.all([
      ...Array.from({ length: 6 }, () => a.consume(batch())),
      ...Array.from({ length: 6 }, () => b.consume(batch())),
    ]);
    assert.equal(capped.mostAtOnce(), 2);
    assert.equal(free.mostAtOnce(), 6);
    // what stays open afterwards: one idle connection for a, Go's two for b
    await waitFor(
      'the idle connections beyond the caps to close',
      async () => capped.open() === 1 && free.open() === 2,
    );
  } finally {
    await Promise.all([a.shutdown(), b.shutdown()]);
    await Promise.all([capped.stop(), free.stop()]);
  }
});

test('disable_keep_alives: a connection per request, each asking to be closed', async () => {
  const s = await backend();
  const exp = await exporterTo(s.url, { disable_keep_alives: true });
  try {
    for (let i = 0; i < 3; i++) await exp.consume(batch());
    assert.equal(s.connections(), 3);
    assert.deepEqual(
      s.headers.map((h) => h.connection),
      ['close', 'close', 'close'],
    );
  } finally {
    await exp.shutdown();
    await s.stop();
  }
});

test('idle_conn_timeout: the exporter closes a connection idle that long (the default 90s keeps it)', async () => {
  const quick = await backend();
  const slow = await backend();
  const a = await exporterTo(quick.url, { idle_conn_timeout: '300ms' });
  const b = await exporterTo(slow.url, {});
  try {
    await Promise.all([a.consume(batch()), b.consume(batch())]);
    const start = Date.now();
    await waitFor('the idle connection to close', async () => quick.open() === 0);
    assert.ok(Date.now() - start >= 200, `closed after ${Date.now() - start} ms`);
    assert.equal(slow.open(), 1);
    // the next export opens a new connection
    await a.consume(batch());
    assert.equal(quick.connections(), 2);
  } finally {
    await Promise.all([a.shutdown(), b.shutdown()]);
    await Promise.all([quick.stop(), slow.stop()]);
  }
});

test('confighttp client keys Node cannot honour are refused with the reason; otelcol defaults for the pool', () => {
  const parsed = factory.configSchema.parse({ endpoint: 'http://backend:4318' });
  assert.equal(parsed.max_idle_conns, 100);
  assert.equal(parsed.max_idle_conns_per_host, 0);
  assert.equal(parsed.idle_conn_timeout, 90_000);
  const refusal = (extra: Record<string, unknown>) =>
    factory.configSchema.safeParse({ endpoint: 'http://backend:4318', ...extra }).error?.issues[0].message ?? '';
  assert.match(refusal({ http2_read_idle_timeout: '10s' }), /http2_read_idle_timeout is not in flowtel: .*HTTP\/1\.1/);
  assert.match(refusal({ http2_ping_timeout: '10s' }), /http2_ping_timeout is not in flowtel/);
  assert.equal(
    factory.configSchema.safeParse({ endpoint: 'http://b:4318', proxy_url: 'http://proxy:3128' }).success,
    true,
  );
  assert.match(refusal({ proxy_url: 'socks5://proxy:1080' }), /SOCKS5 proxies are not in flowtel/);
  assert.match(refusal({ cookies: { enabled: true } }), /cookies is not in flowtel yet/);
  assert.match(refusal({ middlewares: [{ id: 'm' }] }), /middlewares is not in flowtel/);
  assert.match(refusal({ force_attempt_http2: true }), /force_attempt_http2: true is not in flowtel/);
  assert.equal(factory.configSchema.safeParse({ endpoint: 'http://b:4318', force_attempt_http2: false }).success, true);
});
