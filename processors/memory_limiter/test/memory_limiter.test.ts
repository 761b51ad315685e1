import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Subject } from 'rxjs';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Ack, ConsumerError } from '@flowtel/core';
import type { Batch, CreateSettings } from '@flowtel/core';
import { waitFor } from '@flowtel/testkit';
import { DATA_REFUSED, type MemoryLimiterProcessor, MemoryMonitor, factory, totalMemory } from '../src/index.ts';

const MIB = 1024 * 1024;
const logs: Array<{ msg: string }> = [];
const settings: CreateSettings = {
  id: 'memory_limiter',
  kind: 'processor',
  logger: pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
  meter: createNoopMeter(),
  metricsLevel: 'basic',
  configDir: process.cwd(),
};

const rssMib = () => Math.floor(process.memoryUsage.rss() / MIB);

function create(config: Record<string, unknown>): MemoryLimiterProcessor {
  return factory.createProcessor(
    settings,
    factory.configSchema.parse(config),
    'traces',
    'traces',
  ) as MemoryLimiterProcessor;
}

function send(processor: MemoryLimiterProcessor): { passed: Batch[]; done: Promise<void> } {
  const { ack, done } = Ack.withPromise();
  done.catch(() => {});
  const input = new Subject<Batch>();
  const passed: Batch[] = [];
  input.pipe(processor.operator()).subscribe((b) => passed.push(b));
  input.next({ signal: 'traces', data: { resourceSpans: [] }, items: 1, ack });
  input.complete();
  return { passed, done };
}

function issue(config: Record<string, unknown>): string {
  const r = factory.configSchema.safeParse(config);
  assert.equal(r.success, false, `${JSON.stringify(config)} should be rejected`);
  return r.error!.issues[0].message;
}

test('config is validated with otelcol’s rules and messages', () => {
  assert.equal(issue({}), "'check_interval' must be greater than zero");
  assert.equal(issue({ check_interval: '1s' }), "'limit_mib' or 'limit_percentage' must be greater than zero");
  assert.equal(
    issue({ check_interval: '1s', limit_mib: 100, spike_limit_mib: 100 }),
    "'spike_limit_mib' must be smaller than 'limit_mib'",
  );
  assert.equal(
    issue({ check_interval: '1s', limit_percentage: 101 }),
    "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred",
  );
  assert.equal(
    issue({ check_interval: '1s', limit_percentage: 50, spike_limit_percentage: 60 }),
    "'spike_limit_percentage' must be smaller than 'limit_percentage'",
  );
  assert.equal(
    issue({
      check_interval: '1s',
      limit_mib: 100,
      min_gc_interval_when_soft_limited: '1s',
      min_gc_interval_when_hard_limited: '5s',
    }),
    "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'",
  );
  assert.match(issue({ check_interval: '1s', limit_mib: 100, limit_mb: 1 }), /limit_mb/);
  const ok = factory.configSchema.parse({ check_interval: '1s', limit_mib: 4000 });
  assert.equal(ok.check_interval, 1000);
  assert.equal(ok.min_gc_interval_when_soft_limited, 10_000);
});

test('spike defaults to 20% of the limit; percentages are of the cgroup or machine memory', () => {
  const fixed = create({ check_interval: '1s', limit_mib: 1000 });
  assert.deepEqual(fixed.monitor.limits, { limit: 1000 * MIB, spike: 200 * MIB });
  const total = totalMemory();
  assert.ok(total > 0 && total <= totalmem(), `total memory ${total} is at most the machine's`);
  const pct = create({ check_interval: '1s', limit_percentage: 50, spike_limit_percentage: 10 });
  assert.equal(pct.monitor.limits.limit, Math.floor(total / 2));
  assert.equal(pct.monitor.limits.spike, Math.floor(total / 10));
});

test('a limit below the process’s real memory refuses data with a retryable error', async (t) => {
  const limit = Math.max(2, Math.floor(rssMib() / 4));
  const processor = create({ check_interval: '50ms', limit_mib: limit });
  t.after(() => processor.shutdown());
  await processor.start();
  assert.equal(processor.monitor.mustRefuse, true, `RSS ${rssMib()} MiB is above the ${limit} MiB limit`);
  const { passed, done } = send(processor);
  assert.equal(passed.length, 0, 'nothing is forwarded');
  await assert.rejects(
    done,
    (err: unknown) => err instanceof ConsumerError && err.retryable && err.message === DATA_REFUSED,
  );
  assert.ok(logs.some((l) => l.msg === 'Memory usage is above soft limit. Refusing data.'));
});

test('a limit above the process’s real memory lets data through untouched', async (t) => {
  const processor = create({ check_interval: '50ms', limit_mib: rssMib() + 4096 });
  t.after(() => processor.shutdown());
  await processor.start();
  assert.equal(processor.monitor.mustRefuse, false);
  const { passed, done } = send(processor);
  assert.equal(passed.length, 1, 'the batch is forwarded');
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(settled, false, 'its Ack is left for downstream to settle');
});

test('growing past the soft limit starts refusals and shrinking back ends them, on the periodic check', async (t) => {
  const baseline = rssMib();
  const processor = create({ check_interval: '50ms', limit_mib: baseline + 200, spike_limit_mib: 50 });
  t.after(() => processor.shutdown());
  await processor.start();
  assert.equal(processor.monitor.mustRefuse, false);

  let ballast: Buffer | undefined = Buffer.allocUnsafe(256 * MIB).fill(1);
  await waitFor(
    `refusals once RSS passes the soft limit ${baseline + 150} MiB`,
    async () => processor.monitor.mustRefuse,
  );

  ballast = undefined;
  setFlagsFromString('--expose-gc');
  runInNewContext('gc')();
  assert.equal(ballast, undefined);
  await waitFor(`no refusals once RSS is back under ${baseline + 150} MiB`, async () => !processor.monitor.mustRefuse);
  assert.ok(logs.some((l) => l.msg === 'Memory usage back within limits. Resuming normal operation.'));
});

test('above the hard limit a GC is forced when node exposes it', () => {
  setFlagsFromString('--expose-gc');
  const realGc = runInNewContext('gc') as () => void;
  let calls = 0;
  const global = globalThis as { gc?: () => void };
  const previous = global.gc;
  global.gc = () => {
    calls++;
    realGc();
  };
  try {
    const monitor = new MemoryMonitor(
      factory.configSchema.parse({ check_interval: '1s', limit_mib: 2 }),
      settings.logger,
    );
    monitor.check();
    assert.equal(calls, 1, 'one GC for the hard limit; the soft-limit GC waits min_gc_interval_when_soft_limited');
    assert.equal(monitor.mustRefuse, true);
    assert.ok(logs.some((l) => l.msg === 'Memory usage is above hard limit. Forcing a GC.'));
  } finally {
    global.gc = previous;
  }
});
