// The otlp_http exporter against real HTTP servers: our otlp receiver, and a scripted server
// answering with the statuses otelcol's retry rules distinguish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Ack, ConsumerError, type Batch, type BatchInput } from '@flowtel/core';
import { attr, newResource, newScope, newSpan, tracesOf, type Traces } from '@flowtel/pdata';
import { encodeRpcStatus, GrpcCode, type OtlpStatusError } from '@flowtel/otlp';
import { factory as receiverFactory } from '@flowtel/receiver-otlp';
import { factory as basic } from '@flowtel/extension-basicauth';
import { makeTestCerts, startTestProxy, testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import { signalUrl } from '../src/otlp_http.ts';

function traces(n: number): Traces {
  return tracesOf(
    Array.from({ length: n }, (_, i) => newSpan({ name: `op${i}`, endTimeUnixNano: 1_700_000_000_000_000_009n })),
    newResource([attr('service.name', 'svc')]),
    newScope('s'),
  );
}
const batch = (n = 2): Batch => ({ signal: 'traces', data: traces(n), items: n, ack: Ack.none() });
const exporter = (config: Record<string, unknown>) =>
  factory.createExporter(testSettings('otlphttp', 'exporter'), factory.configSchema.parse(config), ['traces']);

async function receiver(http: Record<string, unknown> = {}, extensions = {}) {
  const got: BatchInput[] = [];
  const r = receiverFactory.createReceiver(
    testSettings('otlp', 'receiver'),
    receiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', ...http } } }),
    {
      traces: { consume: async (b) => void got.push(b) },
    },
  );
  await r.start(testHost(extensions));
  return { got, port: (r as unknown as { http: { port: number } }).http.port, stop: () => r.shutdown() };
}

/** A server answering each request with the next scripted status, headers and body. */
async function scripted(
  outcomes: Array<{ status: number; headers?: Record<string, string>; body?: Uint8Array | string }>,
) {
  const seen: Array<{ at: number; req: IncomingMessage }> = [];
  const server = createServer((req, res) => {
    req.resume();
    seen.push({ at: Date.now(), req });
    const o = outcomes.shift() ?? { status: 200 };
    res.writeHead(o.status, o.headers).end(o.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    seen,
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

test('sends to an otlp receiver as protobuf and JSON with every compression, basic auth and headers; data intact', async () => {
  const auth = basic.createExtension(
    testSettings('basicauth', 'extension'),
    basic.configSchema.parse({ htpasswd: { inline: 'u:p' }, client_auth: { username: 'u', password: 'p' } }),
  );
  await auth.start(testHost());
  const r = await receiver({ include_metadata: true, auth: { authenticator: 'basicauth' } }, { basicauth: auth });
  try {
    for (const [compression, encoding] of [
      ['gzip', 'proto'],
      ['deflate', 'proto'],
      ['zstd', 'proto'],
      ['snappy', 'proto'],
      ['x-snappy-framed', 'proto'],
      ['lz4', 'proto'],
      ['zlib', 'proto'],
      ['none', 'proto'],
      ['gzip', 'json'],
      ['none', 'json'],
    ]) {
      const exp = exporter({
        endpoint: `http://127.0.0.1:${r.port}/`,
        compression,
        encoding,
        headers: { 'X-Tenant': 't1' },
        auth: { authenticator: 'basicauth' },
        sending_queue: { enabled: false },
      });
      await exp.start(testHost({ basicauth: auth }));
      await exp.consume(batch(3));
      await exp.shutdown();
      const got = r.got.at(-1)!;
      assert.deepEqual(got.data, traces(3), compression);
      assert.deepEqual(got.client?.metadata?.['content-encoding'], compression === 'none' ? undefined : [compression]);
      assert.deepEqual(got.client?.metadata?.['x-tenant'], ['t1']);
      assert.deepEqual(got.client?.metadata?.['content-type'], [
        encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      ]);
      assert.equal(got.client?.auth?.username, 'u');
    }
    assert.equal(r.got.length, 10);
  } finally {
    await r.stop();
  }
});

test('retries 503 honouring Retry-After, 429 and 502; 400 is permanent and carries the rpc.Status message', async () => {
  const bad = encodeRpcStatus({ code: GrpcCode.INVALID_ARGUMENT, message: 'span name too long' });
  const s = await scripted([
    { status: 503, headers: { 'retry-after': '1' } },
    { status: 200 },
    { status: 429 },
    { status: 502 },
    { status: 200 },
    { status: 400, headers: { 'content-type': 'application/x-protobuf' }, body: bad },
  ]);
  const exp = exporter({
    endpoint: `http://127.0.0.1:${s.port}`,
    retry_on_failure: { initial_interval: '10ms', max_interval: '20ms' },
    sending_queue: { enabled: false },
  });
  await exp.start(testHost());
  try {
    await exp.consume(batch());
    assert.equal(s.seen.length, 2);
    assert.ok(s.seen[1].at - s.seen[0].at >= 950, `waited ${s.seen[1].at - s.seen[0].at}ms for Retry-After: 1`);
    assert.equal(s.seen[0].req.url, '/v1/traces');
    assert.equal(s.seen[0].req.headers['content-type'], 'application/x-protobuf');
    await exp.consume(batch());
    assert.equal(s.seen.length, 5);
    const err = await exp.consume(batch()).catch((e: ConsumerError) => e);
    assert.ok(err instanceof ConsumerError && !err.retryable);
    assert.match(err.message, /HTTP 400.*span name too long/);
    assert.equal((err.cause as OtlpStatusError).status.code, GrpcCode.INVALID_ARGUMENT);
    assert.equal(s.seen.length, 6);
  } finally {
    await exp.shutdown();
    await s.stop();
  }
});

test('compression_params.level is validated as configcompression does', () => {
  const ENDPOINT = { endpoint: 'http://backend:4318' }; // required, as in otelcol
  assert.equal(
    factory.configSchema.parse({ ...ENDPOINT, compression: 'gzip', compression_params: { level: 9 } })
      .compression_params.level,
    9,
  );
  assert.equal(factory.configSchema.parse(ENDPOINT).compression_params.level, 0);
  assert.ok(
    factory.configSchema.safeParse({ ...ENDPOINT, compression: 'zstd', compression_params: { level: 19 } }).success,
  );
  assert.ok(
    factory.configSchema.safeParse({ ...ENDPOINT, compression: 'none', compression_params: { level: 42 } }).success,
  );
  const bad = factory.configSchema.safeParse({ ...ENDPOINT, compression: 'lz4', compression_params: { level: 3 } });
  assert.equal(bad.error?.issues[0].message, 'unsupported parameters {Level:3} for compression type "lz4"');
  assert.deepEqual(bad.error?.issues[0].path, ['compression_params', 'level']);
});

test('per-signal endpoints replace endpoint + /v1/<signal>', () => {
  const c = factory.configSchema.parse({
    endpoint: 'https://otlp.example.com/base/',
    logs_endpoint: 'https://logs.example.com/ingest',
  });
  assert.equal(signalUrl(c, 'traces').href, 'https://otlp.example.com/base/v1/traces');
  assert.equal(signalUrl(c, 'logs').href, 'https://logs.example.com/ingest');
});

test('a JSON partial success is logged as a warning', async () => {
  const s = await scripted([
    {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"too old"}}',
    },
  ]);
  const logs: string[] = [];
  const settings = testSettings('otlphttp', 'exporter');
  settings.logger = pino({ level: 'warn' }, new Writable({ write: (c, _e, cb) => (logs.push(c.toString()), cb()) }));
  const exp = factory.createExporter(
    settings,
    factory.configSchema.parse({
      endpoint: `http://127.0.0.1:${s.port}`,
      encoding: 'json',
      sending_queue: { enabled: false },
    }),
    ['traces'],
  );
  await exp.start(testHost());
  try {
    await exp.consume(batch());
    assert.equal(s.seen[0].req.headers['content-type'], 'application/json');
    const warning = JSON.parse(logs.find((l) => l.includes('Partial success'))!);
    assert.equal(warning.rejected_spans, 3);
    assert.equal(warning.message, 'too old');
  } finally {
    await exp.shutdown();
    await s.stop();
  }
});

test('https: verifies the receiver against tls.ca_file; an unknown CA is a retryable failure', async (t) => {
  const certs = makeTestCerts();
  if (!certs) {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    return t.skip('openssl is not installed');
  }
  const r = await receiver({ tls: { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile } });
  const trusted = exporter({
    endpoint: `https://localhost:${r.port}`,
    tls: { ca_file: certs.caFile },
    sending_queue: { enabled: false },
  });
  const untrusted = exporter({
    endpoint: `https://localhost:${r.port}`,
    retry_on_failure: { enabled: false },
    sending_queue: { enabled: false },
  });
  await trusted.start(testHost());
  await untrusted.start(testHost());
  try {
    await trusted.consume(batch(2));
    assert.equal(r.got.length, 1);
    const err = await untrusted.consume(batch(2)).catch((e: ConsumerError) => e);
    assert.ok(err instanceof ConsumerError && err.retryable, String(err));
    assert.match(err.message, /certificate/);
    assert.equal(r.got.length, 1);
  } finally {
    await trusted.shutdown();
    await untrusted.shutdown();
    await r.stop();
  }
});

test('https: tls min_version, curve_preferences and include_system_ca_certs_pool reach the handshake', async (t) => {
  const certs = makeTestCerts();
  if (!certs) {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    return t.skip('openssl is not installed');
  }
  const tls = { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile };
  // one server stops at TLS 1.2; the other (TLS 1.3, where the curves are the key exchange) takes only X25519
  const tls12 = await receiver({ tls: { ...tls, max_version: '1.2' } });
  const x25519 = await receiver({ tls: { ...tls, curve_preferences: ['X25519'] } });
  const make = (port: number, tls: Record<string, unknown>) =>
    exporter({
      endpoint: `https://localhost:${port}`,
      tls: { ca_file: certs.caFile, ...tls },
      retry_on_failure: { enabled: false },
      sending_queue: { enabled: false },
    });
  const exporters = {
    withSystemRoots: make(tls12.port, { include_system_ca_certs_pool: true }),
    tls13Only: make(tls12.port, { min_version: '1.3' }),
    x25519: make(x25519.port, { curve_preferences: ['X25519', 'P256'] }),
    p384Only: make(x25519.port, { curve_preferences: ['P384'] }),
  };
  for (const e of Object.values(exporters)) await e.start(testHost());
  try {
    // the system's roots are added to ca_file, not put in its place
    await exporters.withSystemRoots.consume(batch(1));
    assert.equal(tls12.got.length, 1);
    await exporters.x25519.consume(batch(1));
    assert.equal(x25519.got.length, 1);
    for (const name of ['tls13Only', 'p384Only'] as const) {
      const err = await exporters[name].consume(batch(1)).catch((e: ConsumerError) => e);
      assert.ok(err instanceof ConsumerError, `${name}: ${String(err)}`);
    }
    assert.equal(tls12.got.length + x25519.got.length, 2);
  } finally {
    for (const e of Object.values(exporters)) await e.shutdown();
    await tls12.stop();
    await x25519.stop();
  }
});

test('proxy_url: OTLP over https through a CONNECT tunnel to the receiver; HTTPS_PROXY does the same when proxy_url is unset', async (t) => {
  const certs = makeTestCerts(['otlp.flowtel.test']);
  if (!certs) {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    return t.skip('openssl is not installed');
  }
  const r = await receiver({ tls: { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile } });
  const proxy = await startTestProxy();
  // a name no resolver knows: only the proxy (which reaches it on loopback) can get there
  const endpoint = `https://otlp.flowtel.test:${r.port}`;
  const viaConfig = exporter({
    endpoint,
    proxy_url: proxy.url,
    tls: { ca_file: certs.caFile },
    sending_queue: { enabled: false },
  });
  const saved = process.env.HTTPS_PROXY;
  process.env.HTTPS_PROXY = proxy.url;
  const viaEnv = exporter({ endpoint, tls: { ca_file: certs.caFile }, sending_queue: { enabled: false } });
  try {
    await viaConfig.start(testHost());
    await viaEnv.start(testHost());
    await viaConfig.consume(batch(2));
    await viaEnv.consume(batch(3));
    assert.deepEqual(
      r.got.map((b) => b.items),
      [2, 3],
    );
    assert.deepEqual(proxy.tunnels, [`otlp.flowtel.test:${r.port}`, `otlp.flowtel.test:${r.port}`]);
  } finally {
    if (saved === undefined) delete process.env.HTTPS_PROXY;
    else process.env.HTTPS_PROXY = saved;
    await viaConfig.shutdown();
    await viaEnv.shutdown();
    await proxy.stop();
    await r.stop();
  }
});
