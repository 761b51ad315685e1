import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { SharedState, type CreateSettings } from '@flowtel/core';
import { factory, type HealthCheckExtension } from '../src/index.ts';
import { goDuration } from '../src/go-format.ts';

const settings: CreateSettings = {
  id: 'health_check',
  kind: 'extension',
  logger: pino({ level: 'silent' }),
  meter: createNoopMeter(),
  metricsLevel: 'basic',
  configDir: process.cwd(),
};

function create(config: Record<string, unknown> = {}): HealthCheckExtension {
  const parsed = factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...config });
  return factory.createExtension(settings, parsed) as HealthCheckExtension;
}

async function get(ext: HealthCheckExtension, path = '/') {
  const res = await fetch(`http://127.0.0.1:${ext.port}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

test('defaults are otelcol’s: localhost:13133 and /', () => {
  const config = factory.configSchema.parse({});
  assert.equal(config.endpoint, 'localhost:13133');
  assert.equal(config.path, '/');
  assert.equal(config.response_body, undefined);
});

test('503 before ready, 200 with uptime once ready, 503 again when not ready', async (t) => {
  const ext = create();
  t.after(() => ext.shutdown());
  await ext.start({ getExtension: () => undefined, shared: new SharedState() });

  const before = await get(ext);
  assert.equal(before.status, 503);
  assert.equal(before.type, 'application/json');
  assert.deepEqual(JSON.parse(before.body), {
    status: 'Server not available',
    upSince: '0001-01-01T00:00:00Z',
    uptime: '',
  });

  const readyAt = Date.now();
  ext.ready();
  await new Promise((r) => setTimeout(r, 30));
  const ready = await get(ext);
  assert.equal(ready.status, 200);
  const body = JSON.parse(ready.body);
  assert.equal(body.status, 'Server available');
  assert.ok(Math.abs(Date.parse(body.upSince) - readyAt) < 1000, `upSince ${body.upSince} is when ready() was called`);
  assert.match(body.uptime, /^\d+(\.\d+)?ms$/);
  assert.ok(parseFloat(body.uptime) >= 30, `uptime ${body.uptime} counts from ready()`);

  ext.notReady();
  assert.equal((await get(ext)).status, 503);
});

test('shutdown stops answering, is idempotent, and is safe before start', async () => {
  const never = create();
  await never.shutdown();

  const ext = create();
  await ext.start({ getExtension: () => undefined, shared: new SharedState() });
  const port = ext.port;
  ext.ready();
  assert.equal((await get(ext)).status, 200);
  await ext.shutdown();
  assert.equal(ext.isReady, false);
  await ext.shutdown();
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});

test('a path without a trailing slash matches only itself; one with a slash matches its subtree', async (t) => {
  const exact = create({ path: '/health/status' });
  const subtree = create({ path: '/health/' });
  t.after(() => Promise.all([exact.shutdown(), subtree.shutdown()]));
  await exact.start({ getExtension: () => undefined, shared: new SharedState() });
  await subtree.start({ getExtension: () => undefined, shared: new SharedState() });
  exact.ready();
  subtree.ready();
  assert.equal((await get(exact, '/health/status')).status, 200);
  assert.equal((await get(exact, '/health/status?verbose=1')).status, 200);
  const miss = await get(exact, '/');
  assert.equal(miss.status, 404);
  assert.equal(miss.body, '404 page not found\n');
  assert.equal((await get(subtree, '/health/anything')).status, 200);
  assert.equal((await get(subtree, '/other')).status, 404);
});

test('response_body replaces the JSON document', async (t) => {
  const ext = create({ response_body: { healthy: 'I am fine', unhealthy: 'I am not' } });
  t.after(() => ext.shutdown());
  await ext.start({ getExtension: () => undefined, shared: new SharedState() });
  assert.deepEqual(await get(ext).then((r) => [r.status, r.body]), [503, 'I am not']);
  ext.ready();
  assert.deepEqual(await get(ext).then((r) => [r.status, r.body]), [200, 'I am fine']);
});

test('a busy port fails start with the endpoint in the message', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const ext = create({ endpoint: `127.0.0.1:${port}` });
  await assert.rejects(
    ext.start({ getExtension: () => undefined, shared: new SharedState() }),
    new RegExp(`failed to bind to address 127.0.0.1:${port}`),
  );
});

test('bad config is rejected with what would be valid', () => {
  const path = factory.configSchema.safeParse({ path: 'health' });
  assert.equal(path.success, false);
  assert.match(JSON.stringify(path.error?.issues), /path must start with \//);
  const unknown = factory.configSchema.safeParse({ endpiont: 'localhost:1' });
  assert.equal(unknown.success, false);
  assert.match(JSON.stringify(unknown.error?.issues), /endpiont/);
  assert.equal(factory.configSchema.safeParse({ endpoint: 'localhost' }).success, false);
});

test('uptime is printed as Go prints a duration', () => {
  assert.equal(goDuration(0n), '0s');
  assert.equal(goDuration(999n), '999ns');
  assert.equal(goDuration(1_500n), '1.5µs');
  assert.equal(goDuration(350_200_000n), '350.2ms');
  assert.equal(goDuration(8_418_674_300n), '8.4186743s');
  assert.equal(goDuration(62_500_000_000n), '1m2.5s');
  assert.equal(goDuration(3_600_000_000_000n), '1h0m0s');
});

test('tls serves the same answers over HTTPS, with paths relative to the config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-hc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
    ],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  );
  const parsed = factory.configSchema.parse({
    endpoint: '127.0.0.1:0',
    tls: { cert_file: 'cert.pem', key_file: 'key.pem' },
  });
  const ext = factory.createExtension({ ...settings, configDir: dir }, parsed) as HealthCheckExtension;
  t.after(() => ext.shutdown());
  await ext.start({ getExtension: () => undefined, shared: new SharedState() });
  ext.ready();
  const { status, body } = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port: ext.port, path: '/', rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 200);
  assert.equal(JSON.parse(body).status, 'Server available');
  const half = factory.configSchema.safeParse({ tls: { cert_file: 'cert.pem' } });
  assert.equal(half.success, false);
  assert.match(half.error!.issues[0].message, /cert_file and key_file/);
});

test('transport: unix serves the status on a socket file (curl --unix-socket), removed at shutdown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-health-unix-'));
  const socket = join(dir, 'health.sock');
  const ext = create({ endpoint: socket, transport: 'unix' });
  await ext.start();
  try {
    ext.ready();
    // curl in a child process: a synchronous exec would block the server it asks
    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '--unix-socket',
      socket,
      '-w',
      '\n%{http_code}',
      'http://localhost/',
    ]);
    assert.match(stdout, /"status":"Server available"[\s\S]*\n200$/);
  } finally {
    await ext.shutdown();
  }
  assert.equal(existsSync(socket), false);
  rmSync(dir, { recursive: true, force: true });
});
