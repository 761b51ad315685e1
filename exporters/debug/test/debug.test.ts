import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Ack, SharedState } from '@flowtel/core';
import type { Batch, CreateSettings, Exporter } from '@flowtel/core';
import { SocketEventBatch } from '@flowtel/pdata';
import { createDebugExporter, factory } from '../src/index.ts';
import { Sampler } from '../src/sampler.ts';
import { oneLog, twoSpans } from './fixtures.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const settings: CreateSettings = {
    id: 'debug',
    kind: 'exporter',
    logger: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }),
    meter: createNoopMeter(),
    metricsLevel: 'basic',
    configDir: process.cwd(),
  };
  return { settings, lines };
}

const host = { getExtension: () => undefined, shared: new SharedState() };
const traces = (): Batch => ({ signal: 'traces', data: twoSpans(), items: 2, ack: Ack.none() });

async function run(exporter: Exporter, batches: Batch[]): Promise<void> {
  await exporter.start(host);
  for (const b of batches) await exporter.consume(b);
  await exporter.shutdown();
  await exporter.shutdown();
}

test('defaults are otelcol’s and unknown verbosities are refused', () => {
  assert.deepEqual(factory.configSchema.parse({}), {
    verbosity: 'basic',
    sampling_initial: 2,
    sampling_thereafter: 1,
    use_internal_logger: true,
  });
  const bad = factory.configSchema.safeParse({ verbosity: 'verbose' });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error!.issues), /basic.*normal.*detailed/);
  assert.equal(factory.configSchema.safeParse({ loglevel: 'debug' }).success, false);
});

test('basic: one summary line per batch through the collector logger', async () => {
  const { settings, lines } = capture();
  const exporter = factory.createExporter(settings, factory.configSchema.parse({}), ['traces', 'logs']);
  await run(exporter, [traces(), { signal: 'logs', data: oneLog(), items: 1, ack: Ack.none() }]);
  const printed = lines.filter((l) => l.msg === 'Traces' || l.msg === 'Logs');
  assert.equal(printed.length, 2);
  assert.equal(printed[0]['resource spans'], 1);
  assert.equal(printed[0].spans, 2);
  assert.equal(printed[1]['resource logs'], 1);
  assert.equal(printed[1]['log records'], 1);
});

test('detailed through the logger: the summary, then the dump as the message', async () => {
  const { settings, lines } = capture();
  const exporter = factory.createExporter(settings, factory.configSchema.parse({ verbosity: 'detailed' }), ['traces']);
  await run(exporter, [traces()]);
  const dump = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('ResourceSpans #0'));
  assert.ok(dump, 'the dump is logged');
  assert.match(dump.msg as string, /Span #1\n    Trace ID       : 0102030405060708090a0b0c0d0e0f10/);
});

test('use_internal_logger: false writes zap-console text to stdout', async () => {
  const { settings, lines } = capture();
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => (text += chunk));
  const config = factory.configSchema.parse({ verbosity: 'normal', use_internal_logger: false });
  const socket: Batch = { signal: 'socket', data: new SocketEventBatch('pcap'), items: 0, ack: Ack.none() };
  await run(createDebugExporter(settings, config, ['traces'], { stdout: out }), [traces(), socket]);
  assert.equal(
    text,
    'Traces\t{"resource spans": 1, "spans": 2}\n' +
      'ResourceTraces #0 [https://opentelemetry.io/schemas/1.4.0] service.name=checkout\n' +
      'ScopeTraces #0 telemetrygen@1.2\n' +
      'okey-dokey 0102030405060708090a0b0c0d0e0f10 1112131415161718 net.peer.ip=1.2.3.4 retries=3\n' +
      'lets-go 0102030405060708090a0b0c0d0e0f10 0101010101010101\n\n' +
      'SocketEvents\t{"source": "pcap", "socket events": 0}\n\n',
  );
  assert.equal(lines.filter((l) => l.msg === 'Traces').length, 0, 'nothing went to the logger');
});

test('sampling: the first sampling_initial per second, then every sampling_thereafter-th', async () => {
  const sampler = new Sampler(2, 3);
  const second = 1_000_000;
  const passed = Array.from({ length: 8 }, (_, i) => sampler.allow('Traces', second + i))
    .map((ok, i) => (ok ? i + 1 : 0))
    .filter(Boolean);
  assert.deepEqual(passed, [1, 2, 5, 8]);
  assert.equal(sampler.allow('Traces', second + 1000), true, 'a new second starts over');
  assert.equal(sampler.allow('Logs', second + 1000), true, 'each message has its own count');

  const dropAll = new Sampler(1, 0);
  assert.deepEqual(
    [1, 2, 3].map(() => dropAll.allow('x', second)),
    [true, false, false],
  );

  const { settings, lines } = capture();
  const exporter = factory.createExporter(
    settings,
    factory.configSchema.parse({ sampling_initial: 1, sampling_thereafter: 0 }),
    ['traces'],
  );
  await run(exporter, [traces(), traces(), traces()]);
  assert.equal(lines.filter((l) => l.msg === 'Traces').length, 1, 'the exporter applies it');
});

test('consume before start is refused as retryable, as every exporter is', async () => {
  const { settings } = capture();
  const exporter = factory.createExporter(settings, factory.configSchema.parse({}), ['traces']);
  await assert.rejects(exporter.consume(traces()), (e: Error & { retryable: boolean }) => e.retryable);
});
