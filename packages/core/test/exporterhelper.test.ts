import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import {
  Ack,
  SharedState,
  createLogger,
  createQueuedExporter,
  exporterHelperShape,
  permanent,
  retryable,
  z,
  type Batch,
  type Push,
} from '../src/index.ts';

const configSchema = z.object(exporterHelperShape).strict();
const settings = {
  id: 'test',
  kind: 'exporter' as const,
  logger: createLogger('silent'),
  meter: metrics.getMeter('test'),
  metricsLevel: 'normal' as const,
  configDir: '.',
};
const batch = (items = 1): Batch => ({ signal: 'logs', items, data: { resourceLogs: [] }, ack: Ack.none() });

function exporter(config: unknown, push: Push) {
  return createQueuedExporter({ settings, config: configSchema.parse(config), signals: ['logs'], push });
}

test('otelcol defaults: queue on, 10 consumers, 1000 requests, retries from 5s up to 30s for 5m, timeout 5s', () => {
  const c = configSchema.parse({});
  assert.equal(c.timeout, 5000);
  assert.deepEqual(
    [c.sending_queue.enabled, c.sending_queue.num_consumers, c.sending_queue.queue_size, c.sending_queue.sizer],
    [true, 10, 1000, 'requests'],
  );
  assert.deepEqual(
    [
      c.retry_on_failure.initial_interval,
      c.retry_on_failure.max_interval,
      c.retry_on_failure.max_elapsed_time,
      c.retry_on_failure.multiplier,
    ],
    [5000, 30000, 300000, 1.5],
  );
});

test("retryable failures are retried with backoff, honouring the server's retry-after, until sent", async () => {
  const attempts: number[] = [];
  const e = exporter(
    { sending_queue: { enabled: false }, retry_on_failure: { initial_interval: '10ms', randomization_factor: 0 } },
    async () => {
      attempts.push(Date.now());
      if (attempts.length === 1) throw retryable('busy', { retryAfterMs: 150 });
      if (attempts.length === 2) throw retryable('still busy');
    },
  );
  await e.start({ getExtension: () => undefined, shared: new SharedState() });
  await e.consume(batch());
  assert.equal(attempts.length, 3);
  assert.ok(attempts[1] - attempts[0] >= 140, `waited ${attempts[1] - attempts[0]}ms, retry-after said 150`);
  await e.shutdown();
});

test('permanent failures are not retried and reach the caller when there is no queue', async () => {
  let attempts = 0;
  const e = exporter({ sending_queue: { enabled: false }, retry_on_failure: { initial_interval: '1ms' } }, async () => {
    attempts++;
    throw permanent('400 bad request');
  });
  await e.start({ getExtension: () => undefined, shared: new SharedState() });
  await assert.rejects(e.consume(batch()), /400 bad request/);
  assert.equal(attempts, 1);
  await e.shutdown();
});

test('a full queue refuses with a retryable error; block_on_overflow waits instead', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const sent: number[] = [];
  const push: Push = async (b) => {
    await gate;
    sent.push(b.items);
  };
  // otelcol counts a request against queue_size until it is exported, not just while it waits
  const e = exporter({ sending_queue: { num_consumers: 1, queue_size: 3 } }, push);
  await e.start({ getExtension: () => undefined, shared: new SharedState() });
  await e.consume(batch(1)); // taken by the consumer, blocked on the gate
  await e.consume(batch(2));
  await e.consume(batch(3));
  await assert.rejects(e.consume(batch(4)), (err: any) => err.retryable && /sending queue is full/.test(err.message));
  release();
  await e.shutdown();
  assert.deepEqual(sent, [1, 2, 3]);

  let open!: () => void;
  const slow = new Promise<void>((r) => (open = r));
  const blocking = exporter(
    { sending_queue: { num_consumers: 1, queue_size: 2, block_on_overflow: true } },
    async () => slow,
  );
  await blocking.start({ getExtension: () => undefined, shared: new SharedState() });
  await blocking.consume(batch());
  await blocking.consume(batch());
  let accepted = false;
  const third = blocking.consume(batch()).then(() => (accepted = true));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(accepted, false);
  open();
  await third;
  await blocking.shutdown();
});

test('shutdown drains the in-memory queue before returning', async () => {
  const sent: number[] = [];
  const e = exporter({ sending_queue: { num_consumers: 2 } }, async (b) => {
    await new Promise((r) => setTimeout(r, 5));
    sent.push(b.items);
  });
  await e.start({ getExtension: () => undefined, shared: new SharedState() });
  for (let i = 1; i <= 20; i++) await e.consume(batch(i));
  await e.shutdown();
  assert.equal(sent.length, 20);
  assert.equal(
    sent.reduce((a, b) => a + b, 0),
    210,
  );
});

test('each attempt is cut off at the timeout and retried', async () => {
  let attempts = 0;
  const e = exporter(
    { timeout: '30ms', sending_queue: { enabled: false }, retry_on_failure: { initial_interval: '1ms' } },
    (_b, signal) => {
      attempts++;
      if (attempts > 1) return Promise.resolve();
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(retryable('deadline exceeded'))));
    },
  );
  await e.start({ getExtension: () => undefined, shared: new SharedState() });
  await e.consume(batch());
  assert.equal(attempts, 2);
  await e.shutdown();
});
