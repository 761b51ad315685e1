// Redis on live traffic: redis-cli and redis-benchmark against redis-server, and a Node HTTP
// server that calls Redis while it serves a request: with no trace context anywhere, the
// thread that read the HTTP request and then wrote the Redis command links the two spans
// (zero-code tracing), so curl → node → redis-server is one trace.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { freePort, startRedis, waitForPort } from '@flowtel/testkit';
import { SpanKind, parentOf, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

test('redis-cli and redis-benchmark: commands on both ends, every benchmark request a span, AUTH redacted', async (t) => {
  if (skipUnlessLive(t, ['redis-server', 'redis-cli', 'redis-benchmark'])) return;
  const redis = await startRedis();
  t.after(() => redis.stop());
  const capture = await startCapture(t, [redis.port]);

  const cli = await runClient(
    'redis-cli',
    ['-p', String(redis.port)],
    'SET greeting hello\nGET greeting\nHSET user:1 name ada\nGET absent\nAUTH live-redis-secret\n',
  );
  assert.equal(cli.code, 0, cli.stderr);
  const requests = 300;
  const bench = await runClient('redis-benchmark', [
    '-p',
    String(redis.port),
    '-n',
    String(requests),
    '-c',
    '3',
    '-t',
    'set,get',
    '-q',
  ]);
  assert.equal(bench.code, 0, bench.stderr);

  const serverSpans = (all: LiveSpan[]) => spansOf(all, 'redis-server', SpanKind.SERVER);
  const count = (spans: LiveSpan[], op: string) => spans.filter((s) => s.attributes['db.operation.name'] === op).length;
  // redis-cli adds one SET and two GETs
  const spans = await capture.waitForSpans(
    `${requests} SET and ${requests} GET server spans from redis-benchmark`,
    (all) => count(serverSpans(all), 'SET') >= requests + 1 && count(serverSpans(all), 'GET') >= requests + 2 && all,
  );

  const cliClient = spansOf(spans, 'redis-cli', SpanKind.CLIENT);
  const names = cliClient.map((s) => s.attributes['db.operation.name']);
  for (const op of ['SET', 'GET', 'HSET', 'AUTH'])
    assert.ok(names.includes(op), `redis-cli's ${op} is a client span (saw ${names.join(', ')})`);
  for (const s of cliClient) {
    assert.equal(s.attributes['db.system.name'], 'redis');
    assert.equal(s.attributes['server.port'], redis.port);
    const server = spans.find((o) => o.parentSpanId === s.spanId);
    assert.ok(server, `redis-server's span for ${s.name} is the child of redis-cli's`);
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.service, 'redis-server');
  }
  const auth = cliClient.find((s) => s.attributes['db.operation.name'] === 'AUTH')!;
  assert.equal(auth.status.code, 2, 'AUTH without a configured password is an error reply');
  assert.doesNotMatch(readFileSync(capture.path, 'utf8'), /live-redis-secret/);

  // redis-benchmark: not one request lost between the kernel and the exporter
  const benchServer = serverSpans(spans).filter((s) => !cliClient.some((c) => c.spanId === s.parentSpanId));
  const benchClient = spansOf(spans, 'redis-benchmark', SpanKind.CLIENT);
  for (const op of ['SET', 'GET']) {
    assert.equal(count(benchServer, op), requests, `redis-server's ${op} spans`);
    assert.equal(count(benchClient, op), requests, `redis-benchmark's ${op} spans`);
  }
  assert.equal(await capture.collector.stop(), 0);
});

/** A Node HTTP server that answers each request with a value it GETs from Redis on a new connection. */
async function startHttpCallingRedis(redisPort: number) {
  const port = await freePort();
  const script = `
const net = require('node:net');
require('node:http').createServer((req, res) => {
  const redis = net.connect(${redisPort}, '127.0.0.1', () => redis.write('*2\\r\\n$3\\r\\nGET\\r\\n$8\\r\\ngreeting\\r\\n'));
  redis.once('data', (reply) => { redis.end(); res.end(String(reply).split('\\r\\n')[1] ?? ''); });
  redis.once('error', (err) => { res.statusCode = 502; res.end(String(err)); });
}).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill())) };
}

test('zero-code tracing: curl → a Node server → redis-server is one trace, each span the parent of the next', async (t) => {
  if (skipUnlessLive(t, ['redis-server', 'redis-cli', 'curl'])) return;
  const redis = await startRedis();
  t.after(() => redis.stop());
  assert.equal((await runClient('redis-cli', ['-p', String(redis.port), 'SET', 'greeting', 'hello'])).code, 0);
  const app = await startHttpCallingRedis(redis.port);
  t.after(() => app.stop());
  const capture = await startCapture(t, [app.port, redis.port]);

  const curl = await runClient('curl', ['-sS', `http://127.0.0.1:${app.port}/greet`]);
  assert.equal(curl.stdout.toString(), 'hello');

  const spans = await capture.waitForSpans('the curl, node and redis spans', (all) => {
    const redisServer = spansOf(all, 'redis-server', SpanKind.SERVER).find(
      (s) => s.attributes['db.operation.name'] === 'GET',
    );
    return redisServer &&
      spansOf(all, 'node', SpanKind.SERVER).length > 0 &&
      spansOf(all, 'curl', SpanKind.CLIENT).length > 0
      ? all
      : undefined;
  });
  const redisServer = spansOf(spans, 'redis-server', SpanKind.SERVER).find(
    (s) => s.attributes['db.operation.name'] === 'GET',
  )!;
  const nodeRedisClient = parentOf(redisServer, spans);
  assert.ok(nodeRedisClient, "redis-server's span has node's Redis call as parent");
  assert.equal(nodeRedisClient.service, 'node');
  assert.equal(nodeRedisClient.kind, SpanKind.CLIENT);
  assert.equal(nodeRedisClient.attributes['db.system.name'], 'redis');
  const nodeServer = parentOf(nodeRedisClient, spans);
  assert.ok(nodeServer, "node's Redis call has the HTTP request node was serving as parent");
  assert.equal(nodeServer.kind, SpanKind.SERVER);
  assert.equal(nodeServer.name, 'GET /greet');
  const curlClient = parentOf(nodeServer, spans);
  assert.ok(curlClient, "node's server span has curl's request as parent");
  assert.equal(curlClient.service, 'curl');
  assert.equal(curlClient.parentSpanId, '', 'curl started the trace');
  assert.equal(new Set([curlClient, nodeServer, nodeRedisClient, redisServer].map((s) => s.traceId)).size, 1);
  assert.equal(await capture.collector.stop(), 0);
});
