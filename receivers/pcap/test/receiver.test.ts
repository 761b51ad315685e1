// The `pcap` receiver replaying files into a pipeline's consumer: config, batching, pacing,
// acknowledgements, refusals, and exit_on_eof.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { permanent, retryable, type BatchInput, type Consumer } from '@flowtel/core';
import type { SocketEvent, SocketEventBatch } from '@flowtel/pdata';
import { testHost, testSettings } from '@flowtel/testkit';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { CaptureParser, factory, PcapReceiver, readCaptureFile } from '../src/index.ts';
import { writePcapng } from './support/capture-writer.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const FIXTURE = join(FIXTURES, 'http-lo.pcapng');
const dir = mkdtempSync(join(tmpdir(), 'pcap-receiver-'));

function receiver(
  config: Record<string, unknown>,
  consumer: Consumer,
  requestShutdown?: (reason: string) => void,
): PcapReceiver {
  const parsed = factory.configSchema.parse(config);
  return new PcapReceiver(
    testSettings('pcap', 'receiver', FIXTURES),
    parsed,
    { traces: consumer },
    { requestShutdown },
  );
}

const plain = (events: Iterable<SocketEvent>) =>
  [...events].map((e) => ({ ...e, payload: Buffer.from(e.payload).toString('hex') }));

test('config: defaults, and the combinations that make no sense are refused with a reason', () => {
  const defaults = factory.configSchema.parse({ file: 'x.pcap' });
  assert.equal(defaults.pacing, 'fast');
  assert.equal(defaults.perspective, 'both');
  assert.equal(defaults.batch_size, 1024);
  assert.equal(defaults.exit_on_eof, false);
  const reason = (config: unknown) => {
    const r = factory.configSchema.safeParse(config);
    assert.equal(r.success, false, JSON.stringify(config));
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };
  assert.match(reason({}), /file: set `file`.*or `interface`/);
  assert.match(reason({ file: 'a', interface: 'lo' }), /exclude each other/);
  assert.match(reason({ interface: 'lo', exit_on_eof: true }), /exit_on_eof applies to `file`/);
  assert.match(reason({ file: 'a', bpf_filter: 'tcp' }), /bpf_filter applies to live capture/);
  assert.match(reason({ file: 'a', pacing: 'slow' }), /pacing/);
  assert.match(reason({ file: 'a', snaplen: 10 }), /snaplen/);
  assert.match(reason({ file: 'a', unknown_key: 1 }), /unknown_key/);
  assert.equal(factory.emits, 'socket');
});

test('a file replayed fast: the events of the reader, in batches of batch_size, path relative to the config', async () => {
  const batches: SocketEventBatch[] = [];
  const r = receiver(
    { file: 'http-lo.pcapng', batch_size: 5 },
    { consume: async (b: BatchInput) => void batches.push(b.data as SocketEventBatch) },
  );
  await r.start(testHost());
  const summary = await r.finished;
  await r.shutdown();
  const expected = readCaptureFile(FIXTURE);
  assert.deepEqual(plain(batches.flatMap((b) => [...b])), plain(expected));
  assert.ok(batches.slice(0, -1).every((b) => b.count === 5));
  assert.equal(summary.sentEvents, expected.length);
  assert.equal(summary.stats.frames, 22);
  assert.equal(summary.error, undefined);
});

test('exit_on_eof asks for shutdown only after the pipeline acknowledged every batch', async () => {
  let acknowledged = 0;
  let total = 0;
  let shutdownAfter = -1;
  const r = receiver(
    { file: FIXTURE, batch_size: 4, exit_on_eof: true },
    {
      consume: async (b: BatchInput) => {
        total += b.items;
        await new Promise((resolve) => setTimeout(resolve, 30));
        acknowledged += b.items;
      },
    },
    () => (shutdownAfter = acknowledged),
  );
  await r.start(testHost());
  await r.finished;
  await r.shutdown();
  assert.ok(total > 0);
  assert.equal(shutdownAfter, total);
});

test("exit_on_eof uses the host's requestShutdown when it has one", async () => {
  const reasons: string[] = [];
  const parsed = factory.configSchema.parse({ file: FIXTURE, exit_on_eof: true });
  const r = factory.createReceiver(testSettings('pcap', 'receiver'), parsed, {
    logs: { consume: async () => {} },
  }) as PcapReceiver;
  await r.start({ ...testHost(), requestShutdown: (reason: string) => reasons.push(reason) } as ReturnType<
    typeof testHost
  >);
  await r.finished;
  await r.shutdown();
  assert.deepEqual(reasons, [`pcap file ${FIXTURE} replayed`]);
});

test('a retryable refusal is retried, a permanent one drops the batch and counts it', async () => {
  let attempts = 0;
  const flaky = receiver(
    { file: FIXTURE, batch_size: 1000 },
    {
      consume: async () => {
        if (++attempts < 3) throw retryable('memory limit');
      },
    },
  );
  await flaky.start(testHost());
  const ok = await flaky.finished;
  await flaky.shutdown();
  assert.equal(attempts, 3);
  assert.equal(ok.refusedEvents, 0);
  assert.ok(ok.sentEvents > 0);

  const refusing = receiver(
    { file: FIXTURE, batch_size: 1000 },
    { consume: async () => Promise.reject(permanent('bad data')) },
  );
  await refusing.start(testHost());
  const refused = await refusing.finished;
  await refusing.shutdown();
  assert.equal(refused.sentEvents, 0);
  assert.equal(refused.refusedEvents, ok.sentEvents);
});

test("pacing: realtime keeps the capture's own gaps", async () => {
  // the fixture's frames spread over 600 ms
  const parser = new CaptureParser();
  const frames = parser.push(readFileSync(FIXTURE));
  const start = frames[0].timestampNs;
  const spread = frames.map((f, i) => ({
    data: f.data,
    timestampNs: start + BigInt(Math.round((i / (frames.length - 1)) * 600e6)),
  }));
  const path = join(dir, 'spread.pcapng');
  writeFileSync(path, writePcapng(spread, { interfaces: [{ linkType: 1, tsresol: 9 }] }));
  const arrivals: number[] = [];
  const began = performance.now();
  const r = receiver(
    { file: path, pacing: 'realtime' },
    { consume: async (_b: BatchInput) => void arrivals.push(performance.now() - began) },
  );
  await r.start(testHost());
  await r.finished;
  await r.shutdown();
  const took = performance.now() - began;
  assert.ok(took >= 550, `replay took ${took} ms`);
  assert.ok(arrivals.length > 3, 'events leave as they come due, not in one batch at the end');
  assert.ok(arrivals[0] < arrivals[arrivals.length - 1], `first batch after ${arrivals[0]} ms, before the last`);
});

test('shutdown during a paced replay stops it promptly', async () => {
  const parser = new CaptureParser();
  const frames = parser.push(readFileSync(FIXTURE));
  const slow = frames.map((f, i) => ({ data: f.data, timestampNs: f.timestampNs + BigInt(i) * 1_000_000_000n }));
  const path = join(dir, 'slow.pcapng');
  writeFileSync(path, writePcapng(slow, { interfaces: [{ linkType: 1, tsresol: 9 }] }));
  const r = receiver({ file: path, pacing: 'realtime' }, { consume: async () => {} });
  await r.start(testHost());
  await new Promise((resolve) => setTimeout(resolve, 300));
  const began = performance.now();
  await r.shutdown();
  // the capture lasts one second per frame: a shutdown that waited it out would take that long
  const took = performance.now() - began;
  assert.ok(took < (frames.length * 1000) / 2, `shutdown took ${took} ms, the capture lasts ${frames.length} s`);
  const summary = await r.finished;
  assert.ok(summary.sentEvents < readCaptureFile(FIXTURE).length);
});

test('start fails clearly on a missing file and on a file that is no capture', async () => {
  const missing = receiver({ file: join(dir, 'nope.pcap') }, { consume: async () => {} });
  await assert.rejects(missing.start(testHost()), /cannot read .*nope\.pcap: ENOENT/);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'these are not packets\n');
  const garbage = receiver({ file: text }, { consume: async () => {} });
  await assert.rejects(garbage.start(testHost()), /notes\.txt is not a readable capture: not a pcap or pcapng capture/);
  await missing.shutdown();
  await garbage.shutdown();
});

test('a truncated file: the events before the damage are delivered, the summary names the error', async () => {
  const bytes = readFileSync(FIXTURE);
  const path = join(dir, 'cut.pcapng');
  writeFileSync(path, bytes.subarray(0, bytes.length - 200));
  let events = 0;
  const r = receiver({ file: path }, { consume: async (b: BatchInput) => void (events += b.items) });
  await r.start(testHost());
  const summary = await r.finished;
  await r.shutdown();
  assert.match(String(summary.error), /truncated/);
  assert.ok(events > 0);
  assert.equal(summary.sentEvents, events);
});

test('shutdown twice and before start is safe', async () => {
  const r = receiver({ file: FIXTURE }, { consume: async () => {} });
  await r.shutdown();
  await r.shutdown();
});

test("the capture's own metrics: frames, skipped frames by reason, connections, TCP bytes missing or repeated", async () => {
  class Collect extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  const reader = new Collect();
  const provider = new MeterProvider({ readers: [reader] });
  const settings = {
    ...testSettings('pcap/metrics', 'receiver', FIXTURES),
    meter: provider.getMeter('test'),
    metricsLevel: 'normal' as const,
  };
  const r = new PcapReceiver(settings, factory.configSchema.parse({ file: 'http-lo.pcapng' }), {
    traces: { consume: async () => {} },
  });
  await r.start(testHost());
  await r.finished;
  await r.shutdown();
  const { resourceMetrics } = await reader.collect();
  const points = new Map<string, { value: unknown; attributes: Record<string, unknown> }[]>();
  for (const m of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
    points.set(
      m.descriptor.name,
      m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })),
    );
  }
  assert.deepEqual(points.get('flowtel_pcap_frames'), [{ value: 22, attributes: { receiver: 'pcap/metrics' } }]);
  assert.equal(points.get('flowtel_pcap_connections')?.[0].value, 1);
  assert.equal(points.get('flowtel_pcap_tcp_missing_bytes')?.[0].value, 0);
  assert.deepEqual(
    points
      .get('flowtel_pcap_skipped_frames')
      ?.map((p) => p.attributes.reason)
      .sort(),
    ['fragment_incomplete', 'malformed', 'not_ip', 'not_tcp_or_udp', 'unsupported_link_type'],
  );
  await provider.shutdown();
});
