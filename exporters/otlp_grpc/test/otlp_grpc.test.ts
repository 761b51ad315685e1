// The otlp_grpc exporter against real gRPC servers: our otlp receiver, and a scripted server
// that answers with the codes otelcol's retry rules distinguish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import http2 from 'node:http2';
import {
  Server,
  ServerCredentials,
  Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { pino } from 'pino';
import { Ack, ConsumerError, type Batch, type BatchInput } from '@flowtel/core';
import {
  attr,
  decodeTraces,
  encodeExportResponse,
  newResource,
  newScope,
  newSpan,
  tracesOf,
  type Traces,
} from '@flowtel/pdata';
import { GrpcCode, encodeRpcStatus, exportMethod } from '@flowtel/otlp';
import { factory as receiverFactory } from '@flowtel/receiver-otlp';
import { factory as bearer } from '@flowtel/extension-bearertokenauth';
import {
  makeTestCerts,
  codecToolsOr,
  freePort,
  pythonSnappy,
  testHost,
  testSettings,
  waitFor,
  zstdTool,
} from '@flowtel/testkit';
import { factory } from '../src/index.ts';

function traces(n: number): Traces {
  return tracesOf(
    Array.from({ length: n }, (_, i) => newSpan({ name: `op${i}`, startTimeUnixNano: 1_700_000_000_000_000_001n })),
    newResource([attr('service.name', 'svc')]),
    newScope('s'),
  );
}
const batch = (n = 2): Batch => ({ signal: 'traces', data: traces(n), items: n, ack: Ack.none() });

/** A receiver that records batches, on a free port, with optional config. */
async function receiver(grpc: Record<string, unknown> = {}, extensions = {}) {
  const got: BatchInput[] = [];
  const r = receiverFactory.createReceiver(
    testSettings('otlp', 'receiver'),
    receiverFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0', ...grpc } } }),
    {
      traces: { consume: async (b) => void got.push(b) },
    },
  );
  await r.start(testHost(extensions));
  return { got, port: (r as unknown as { grpc: { port: number } }).grpc.port, stop: () => r.shutdown() };
}

/** A gRPC server answering each call with the next scripted outcome. */
async function scripted(
  outcomes: Array<{ code: number; retryDelayMs?: number } | { partial: [bigint, string] } | 'ok'>,
) {
  const server = new Server();
  const calls: number[] = [];
  server.addService({ Export: exportMethod('traces') } as ServiceDefinition, {
    Export: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Uint8Array>): void => {
      calls.push(Date.now());
      const o = outcomes.shift() ?? 'ok';
      if (o === 'ok') return cb(null, new Uint8Array());
      if ('partial' in o)
        return cb(
          null,
          encodeExportResponse({ partialSuccess: { rejected: o.partial[0], errorMessage: o.partial[1] } }),
        );
      const md = new Metadata();
      if (o.retryDelayMs !== undefined)
        md.set(
          'grpc-status-details-bin',
          Buffer.from(encodeRpcStatus({ code: o.code, message: 'x', retryDelayMs: o.retryDelayMs })),
        );
      cb({ code: o.code, details: `scripted ${o.code}`, metadata: md, name: 'scripted', message: 'scripted' });
    },
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return { calls, port, stop: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

function exporter(config: Record<string, unknown>, logs?: string[]) {
  const settings = testSettings('otlp', 'exporter');
  if (logs)
    settings.logger = pino({ level: 'warn' }, new Writable({ write: (c, _e, cb) => (logs.push(c.toString()), cb()) }));
  return factory.createExporter(settings, factory.configSchema.parse(config), ['traces']);
}

test('sends batches to an otlp receiver: data intact, headers and bearer auth carried', async () => {
  const auth = bearer.createExtension(
    testSettings('bearertokenauth', 'extension'),
    bearer.configSchema.parse({ token: 'tok' }),
  );
  await auth.start(testHost());
  const r = await receiver(
    { include_metadata: true, auth: { authenticator: 'bearertokenauth' } },
    { bearertokenauth: auth },
  );
  const exp = exporter({
    endpoint: `127.0.0.1:${r.port}`,
    tls: { insecure: true },
    headers: { 'X-Scope-OrgID': 'acme' },
    auth: { authenticator: 'bearertokenauth' },
    sending_queue: { enabled: false },
  });
  await exp.start(testHost({ bearertokenauth: auth }));
  try {
    await exp.consume(batch(3));
    assert.equal(r.got.length, 1);
    assert.deepEqual(r.got[0].data, traces(3));
    assert.deepEqual(r.got[0].client?.metadata?.['x-scope-orgid'], ['acme']);
  } finally {
    await exp.shutdown();
    await r.stop();
  }
});

test('retries UNAVAILABLE, honours RetryInfo on RESOURCE_EXHAUSTED, gives up at once on INVALID_ARGUMENT and on RESOURCE_EXHAUSTED without RetryInfo', async () => {
  const retry = { initial_interval: '10ms', max_interval: '20ms', max_elapsed_time: '5s' };
  const s = await scripted([
    { code: GrpcCode.UNAVAILABLE },
    'ok',
    { code: GrpcCode.RESOURCE_EXHAUSTED, retryDelayMs: 300 },
    'ok',
    { code: GrpcCode.INVALID_ARGUMENT },
    { code: GrpcCode.RESOURCE_EXHAUSTED },
  ]);
  const exp = exporter({
    endpoint: `http://127.0.0.1:${s.port}`,
    retry_on_failure: retry,
    sending_queue: { enabled: false },
  });
  await exp.start(testHost());
  try {
    await exp.consume(batch());
    assert.equal(s.calls.length, 2);
    await exp.consume(batch());
    assert.equal(s.calls.length, 4);
    assert.ok(s.calls[3] - s.calls[2] >= 280, `waited ${s.calls[3] - s.calls[2]}ms for a 300ms RetryInfo`);
    const invalid = await exp.consume(batch()).catch((e: ConsumerError) => e);
    assert.ok(invalid instanceof ConsumerError && !invalid.retryable);
    assert.match(invalid.message, /INVALID_ARGUMENT/);
    const exhausted = await exp.consume(batch()).catch((e: ConsumerError) => e);
    assert.ok(exhausted instanceof ConsumerError && !exhausted.retryable);
    assert.equal(s.calls.length, 6);
  } finally {
    await exp.shutdown();
    await s.stop();
  }
});

test('a partial success is logged as a warning; an unreachable endpoint is a retryable error', async () => {
  const s = await scripted([{ partial: [2n, 'two spans too old'] }]);
  const logs: string[] = [];
  const exp = exporter({ endpoint: `http://127.0.0.1:${s.port}`, sending_queue: { enabled: false } }, logs);
  await exp.start(testHost());
  await exp.consume(batch());
  await exp.shutdown();
  await s.stop();
  const warning = JSON.parse(logs.find((l) => l.includes('Partial success'))!);
  assert.equal(warning.rejected_spans, 2);
  assert.equal(warning.message, 'two spans too old');

  const down = exporter({
    endpoint: `http://127.0.0.1:${s.port}`,
    timeout: '500ms',
    retry_on_failure: { enabled: false },
    sending_queue: { enabled: false },
  });
  await down.start(testHost());
  const err = await down.consume(batch()).catch((e: ConsumerError) => e);
  await down.shutdown();
  assert.ok(err instanceof ConsumerError && err.retryable, String(err));
});

test('TLS: verifies the server against ca_file', async (t) => {
  const certs = makeTestCerts();
  if (!certs) {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    return t.skip('openssl is not installed');
  }
  const r = await receiver({ tls: { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile } });
  const exp = exporter({
    endpoint: `localhost:${r.port}`,
    tls: { ca_file: certs.caFile },
    sending_queue: { enabled: false },
  });
  await exp.start(testHost());
  const untrusted = exporter({
    endpoint: `localhost:${r.port}`,
    timeout: '1s',
    retry_on_failure: { enabled: false },
    sending_queue: { enabled: false },
  });
  await untrusted.start(testHost());
  try {
    await exp.consume(batch(1));
    assert.equal(r.got.length, 1);
    await assert.rejects(untrusted.consume(batch(1)));
    assert.equal(r.got.length, 1);
  } finally {
    await exp.shutdown();
    await untrusted.shutdown();
    await r.stop();
  }
});

test('TLS: min_version and include_system_ca_certs_pool reach the handshake', async (t) => {
  const certs = makeTestCerts();
  if (!certs) {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    return t.skip('openssl is not installed');
  }
  const r = await receiver({
    tls: { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile, max_version: '1.2' },
  });
  const make = (tls: Record<string, unknown>) =>
    exporter({
      endpoint: `localhost:${r.port}`,
      timeout: '1s',
      tls: { ca_file: certs.caFile, ...tls },
      retry_on_failure: { enabled: false },
      sending_queue: { enabled: false },
    });
  const withSystemRoots = make({ include_system_ca_certs_pool: true });
  const tls13Only = make({ min_version: '1.3' });
  await withSystemRoots.start(testHost());
  await tls13Only.start(testHost());
  try {
    await withSystemRoots.consume(batch(1));
    assert.equal(r.got.length, 1);
    await assert.rejects(tls13Only.consume(batch(1)));
    assert.equal(r.got.length, 1);
  } finally {
    await withSystemRoots.shutdown();
    await tls13Only.shutdown();
    await r.stop();
  }
});

/**
 * A bare HTTP/2 gRPC server (Node's) that records each call's :authority, grpc-encoding and
 * message bytes and answers OK, and counts the PING frames its clients send.
 */
async function capturingServer(host = '127.0.0.1') {
  const calls: { authority?: string; encoding?: string; flag: number; message: Buffer }[] = [];
  const pings = { count: 0 };
  const server = http2.createServer();
  server.on('session', (session) => session.on('ping', () => pings.count++));
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const frame = Buffer.concat(chunks);
      calls.push({
        authority: headers[':authority'],
        encoding: headers['grpc-encoding'] as string | undefined,
        flag: frame[0],
        message: frame.subarray(5, 5 + frame.readUInt32BE(1)),
      });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    calls,
    pings,
    port: (server.address() as { port: number }).port,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('compression snappy and zstd: what otelcol sends (framed snappy, a zstd frame), read by other implementations and by our receiver', async (t) => {
  if (!codecToolsOr(t)) return;
  const s = await capturingServer();
  const r = await receiver();
  try {
    for (const compression of ['snappy', 'zstd'] as const) {
      const raw = exporter({
        endpoint: `http://127.0.0.1:${s.port}`,
        compression,
        sending_queue: { enabled: false },
        retry_on_failure: { enabled: false },
      });
      await raw.start(testHost());
      await raw.consume(batch(3));
      await raw.shutdown();
      const call = s.calls.at(-1)!;
      assert.equal(call.encoding, compression);
      assert.equal(call.flag, 1, 'the message is flagged compressed');
      const message =
        compression === 'snappy' ? pythonSnappy('unframe', call.message) : zstdTool(['-d', '-c', '-q'], call.message);
      assert.deepEqual(
        decodeTraces(message).resourceSpans[0].scopeSpans[0].spans.map((sp) => sp.name),
        ['op0', 'op1', 'op2'],
      );

      const toReceiver = exporter({
        endpoint: `http://127.0.0.1:${r.port}`,
        compression,
        sending_queue: { enabled: false },
      });
      await toReceiver.start(testHost());
      await toReceiver.consume(batch(2));
      await toReceiver.consume(batch(1));
      await toReceiver.shutdown();
    }
    assert.deepEqual(
      r.got.map((b) => b.items),
      [2, 1, 2, 1],
    );
  } finally {
    await r.stop();
    await s.stop();
  }
  for (const c of ['zlib', 'lz4', 'x-snappy-framed']) {
    const parsed = factory.configSchema.safeParse({ endpoint: 'backend:4317', compression: c });
    assert.equal(
      parsed.error?.issues[0].message,
      `unsupported compression type "${c}" (gRPC takes gzip, snappy, zstd or none)`,
    );
  }
});

test('balancer_name sets the channel policy; read_buffer_size and write_buffer_size are refused, not ignored', async () => {
  const refusal = (extra: Record<string, unknown>) =>
    factory.configSchema.safeParse({ endpoint: '127.0.0.1:4317', ...extra }).error?.issues[0].message ?? '';
  assert.match(refusal({ read_buffer_size: 524288 }), /read_buffer_size is not in flowtel/);
  assert.match(refusal({ write_buffer_size: 524288 }), /write_buffer_size is not in flowtel/);
  assert.match(refusal({ balancer_name: 'weighted' }), /round_robin or pick_first/);
  const r = await receiver();
  const exp = exporter({
    endpoint: `127.0.0.1:${r.port}`,
    tls: { insecure: true },
    balancer_name: 'round_robin',
    sending_queue: { enabled: false },
  });
  await exp.start(testHost());
  try {
    await exp.consume(batch(2));
    assert.deepEqual(r.got[0].data, traces(2));
  } finally {
    await exp.shutdown();
    await r.stop();
  }
});

test('authority, balancer_name and keepalive reach the wire: the :authority a server reads, calls spread over two addresses, PING frames', async () => {
  const refusal = (extra: Record<string, unknown>) =>
    factory.configSchema.safeParse({ endpoint: '127.0.0.1:4317', ...extra }).error?.issues[0].message ?? '';
  assert.match(refusal({ keepalive: { time: 'ten seconds' } }), /'ten seconds' is not a duration/);
  assert.match(refusal({ keepalive: { timeout: '5' } }), /'5' is not a duration/);
  const a = await capturingServer('127.0.0.1');
  const b = await capturingServer('127.0.0.2');
  const send = async (config: Record<string, unknown>, calls: number, until?: () => boolean) => {
    const exp = exporter({ tls: { insecure: true }, sending_queue: { enabled: false }, ...config });
    await exp.start(testHost());
    try {
      for (let i = 0; i < calls; i++) await exp.consume(batch(1));
      if (until) await waitFor('the exporter to reach the server', async () => until(), 90_000);
    } finally {
      await exp.shutdown();
    }
  };
  try {
    await send({ endpoint: `127.0.0.1:${a.port}` }, 1);
    assert.equal(a.calls.at(-1)!.authority, `127.0.0.1:${a.port}`);
    await send({ endpoint: `127.0.0.1:${a.port}`, authority: 'collector.example:4317' }, 1);
    assert.equal(a.calls.at(-1)!.authority, 'collector.example:4317');

    // grpc's ipv4: target names both servers; pick_first keeps to the first, round_robin spreads
    const both = `ipv4:127.0.0.1:${a.port},127.0.0.2:${b.port}`;
    const before = a.calls.length;
    await send({ endpoint: both, balancer_name: 'pick_first' }, 6);
    assert.deepEqual([a.calls.length - before, b.calls.length], [6, 0]);
    await send({ endpoint: both, balancer_name: 'round_robin' }, 6, () => b.calls.length > 0);
    assert.ok(b.calls.length >= 2 && a.calls.length - before > 6, `${a.calls.length - before} and ${b.calls.length}`);

    // an idle connection (permit_without_stream) is pinged every `time` (grpc-go's floor: 10 s)
    const pingsBefore = a.pings.count;
    await send(
      { endpoint: `127.0.0.1:${a.port}`, keepalive: { time: '1s', timeout: '5s', permit_without_stream: true } },
      1,
      () => a.pings.count > pingsBefore,
    );
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('wait_for_ready: an export to a backend not up yet waits for it; without, it fails at once', async () => {
  const port = await freePort();
  const config = {
    endpoint: `127.0.0.1:${port}`,
    tls: { insecure: true },
    sending_queue: { enabled: false },
    retry_on_failure: { enabled: false },
    timeout: '60s',
  };
  const eager = exporter(config);
  const patient = exporter({ ...config, wait_for_ready: true });
  await Promise.all([eager.start(testHost()), patient.start(testHost())]);
  let r: Awaited<ReturnType<typeof receiver>> | undefined;
  try {
    await assert.rejects(eager.consume(batch(1)), /UNAVAILABLE|ECONNREFUSED|No connection established/);
    let done = false;
    const waiting = patient.consume(batch(2)).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(done, false);
    r = await receiver({ endpoint: `127.0.0.1:${port}` });
    await waiting;
    assert.equal(r.got[0].items, 2);
  } finally {
    await Promise.all([eager.shutdown(), patient.shutdown()]);
    await r?.stop();
  }
});
