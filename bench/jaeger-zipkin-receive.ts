// Issue 18's receive figures: Jaeger Thrift spans (agent UDP compact, collector HTTP binary)
// and Zipkin v2 JSON spans received per CPU second of the receiving process, with its peak RSS.
// The receivers run in this process with a consumer that takes every batch at once (the
// pipeline's cost is not theirs); the load comes from its own process (bench/lib/*-load.ts) at
// BENCH_RATE requests or datagrams per second of BENCH_SPANS spans each, for BENCH_SECONDS.
// Spans: 8 tags (strings, ints, a bool), 1 log, a parent, 128-bit trace ids; what was sent and
// received is reported beside the figure (UDP may drop when the receiver falls behind).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BatchInput, Consumer } from '@flowtel/core';
import { REPO_ROOT, testSettings, waitFor } from '../packages/testkit/src/index.ts';
import { factory as jaegerFactory } from '../receivers/jaeger/src/index.ts';
import type { JaegerReceiver } from '../receivers/jaeger/src/jaeger.ts';
import { emitBatch, thriftBatch, type ThriftBatch } from '../receivers/jaeger/test/helpers.ts';
import { factory as zipkinFactory } from '../receivers/zipkin/src/index.ts';
import type { ZipkinReceiver } from '../receivers/zipkin/src/zipkin.ts';
import { report, selfUsage, usageFigures } from './lib/report.ts';

const SPANS = Number(process.env.BENCH_SPANS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 400);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

class Counting implements Consumer {
  spans = 0;
  async consume(batch: BatchInput): Promise<void> {
    this.spans += batch.items;
  }
}

const hex = (n: number, width = 16) => n.toString(16).padStart(width, '0');

function jaegerBatch(): ThriftBatch {
  return {
    process: {
      serviceName: 'checkout',
      tags: [
        { key: 'hostname', vType: 0, vStr: 'web-1' },
        { key: 'jaeger.version', vType: 0, vStr: 'Node-3.19.0' },
        { key: 'ip', vType: 0, vStr: '10.0.0.7' },
      ],
    },
    spans: Array.from({ length: SPANS }, (_, i) => ({
      traceIdHigh: '5af7183fb1d4cf5f',
      traceIdLow: hex(0x1000 + i),
      spanId: hex(0x2000 + i),
      parentSpanId: hex(0x3000 + i),
      operationName: `GET /api/items/{id}`,
      flags: 1,
      startTime: 1_700_000_000_000_000 + i,
      duration: 1234,
      tags: [
        { key: 'span.kind', vType: 0, vStr: 'server' },
        { key: 'http.method', vType: 0, vStr: 'GET' },
        { key: 'http.url', vType: 0, vStr: `http://shop.example/api/items/${i}` },
        { key: 'http.status_code', vType: 3, vLong: 200 },
        { key: 'component', vType: 0, vStr: 'express' },
        { key: 'peer.port', vType: 3, vLong: 51234 },
        { key: 'sampler.type', vType: 0, vStr: 'const' },
        { key: 'cache.hit', vType: 2, vBool: true },
      ],
      logs: [{ timestamp: 1_700_000_000_000_500 + i, fields: [{ key: 'event', vType: 0, vStr: 'db.query' }] }],
    })),
  };
}

function zipkinJson(): string {
  return JSON.stringify(
    Array.from({ length: SPANS }, (_, i) => ({
      traceId: `5af7183fb1d4cf5f${hex(0x1000 + i)}`,
      id: hex(0x2000 + i),
      parentId: hex(0x3000 + i),
      kind: 'SERVER',
      name: 'get /api/items/{id}',
      timestamp: 1_700_000_000_000_000 + i,
      duration: 1234,
      localEndpoint: { serviceName: 'checkout', ipv4: '10.0.0.7', port: 8080 },
      remoteEndpoint: { ipv4: '10.0.0.9', port: 51234 },
      annotations: [{ timestamp: 1_700_000_000_000_500 + i, value: 'db.query' }],
      tags: {
        'http.method': 'GET',
        'http.path': `/api/items/${i}`,
        'http.status_code': '200',
        component: 'express',
        'cache.hit': 'true',
        region: 'eu-west-1',
        'sampler.type': 'const',
        'user.tier': 'gold',
      },
    })),
  );
}

async function run(
  name: string,
  consumer: Counting,
  loader: 'udp-load' | 'http-load',
  options: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  consumer.spans = 0;
  const before = selfUsage();
  const started = performance.now();
  const load = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, `bench/lib/${loader}.ts`), JSON.stringify({ ...options, seconds: SECONDS })],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  load.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => load.on('exit', resolve));
  const sent = (JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { sent?: number }).sent ?? 0;
  // the last datagrams or requests are still being handled when the sender exits
  await waitFor('the receiver to go quiet', async () => {
    const n = consumer.spans;
    await new Promise((r) => setTimeout(r, 300));
    return consumer.spans === n;
  }).catch(() => undefined);
  const after = selfUsage();
  const usage = usageFigures(before, after, (performance.now() - started) / 1000);
  return {
    case: name,
    spans_sent: sent * SPANS,
    spans_received: consumer.spans,
    spans_per_cpu_second: Math.round(consumer.spans / Math.max(after.cpu_seconds - before.cpu_seconds, 1e-9)),
    ...usage,
  };
}

const consumer = new Counting();
const jaeger = jaegerFactory.createReceiver(
  testSettings('jaeger', 'receiver'),
  jaegerFactory.configSchema.parse({
    protocols: {
      thrift_compact: { endpoint: '127.0.0.1:0', socket_buffer_size: 8 * 1024 * 1024 },
      thrift_http: { endpoint: '127.0.0.1:0' },
    },
  }),
  { traces: consumer },
) as JaegerReceiver;
await jaeger.start();
const zipkin = zipkinFactory.createReceiver(
  testSettings('zipkin', 'receiver'),
  zipkinFactory.configSchema.parse({ endpoint: '127.0.0.1:0' }),
  { traces: consumer },
) as ZipkinReceiver;
await zipkin.start();

const batch = jaegerBatch();
const cases = [
  await run('jaeger thrift_compact (UDP)', consumer, 'udp-load', {
    port: jaeger.thriftCompact!.port,
    datagram: emitBatch(batch, 'compact').toString('base64'),
    rate: RATE,
  }),
  await run('jaeger thrift_http', consumer, 'http-load', {
    url: `http://127.0.0.1:${jaeger.thriftHttp!.port}/api/traces`,
    headers: { 'content-type': 'application/x-thrift' },
    body: '',
    bodyBase64: thriftBatch(batch).toString('base64'),
    rate: RATE,
  }),
  await run('zipkin v2 JSON', consumer, 'http-load', {
    url: `http://127.0.0.1:${zipkin.port}/api/v2/spans`,
    headers: { 'content-type': 'application/json' },
    body: zipkinJson(),
    rate: RATE,
  }),
];
await jaeger.shutdown();
await zipkin.shutdown();
report('jaeger-zipkin-receive', {
  spans_per_request: SPANS,
  requests_per_second: RATE,
  seconds_per_case: SECONDS,
  cases,
  ...selfUsage(),
});
