// How events reach the pipelines: early wake-ups of a filling ring, and what happens when the
// pipelines fall behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchInput } from '@flowtel/core';
import { testSettings, waitFor } from '@flowtel/testkit';
import { factory, type EbpfReceiver } from '../src/index.ts';
import { collectingReceiver, skipUnlessCapture } from './capture-support.ts';
import { runClient, startNodeHttp } from './servers.ts';

async function requests(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const run = await runClient('curl', ['-sS', '-o', '/dev/null', `http://127.0.0.1:${port}/`]);
    assert.equal(run.code, 0, run.stderr);
  }
}

test('a ring buffer filling past half wakes the reader long before its poll interval', async (t) => {
  if (skipUnlessCapture(t)) return;
  const node = await startNodeHttp('x'.repeat(2000));
  t.after(() => node.stop());
  const { receiver, events } = collectingReceiver({
    poll_interval: '1m',
    ring_buffer_size: 65536,
    payload_size: 4096,
    filters: { ports: { allow: [node.port] } },
  });
  const started = Date.now();
  await receiver.start();
  t.after(() => receiver.shutdown());

  await requests(node.port, 20);
  // the first poll is a minute after start: events before it came from an early wake-up
  await waitFor('events before the first poll', async () => events.length > 0, 55_000);
  assert.ok(Date.now() - started < 60_000, 'delivered before the 1 minute poll interval');
  await receiver.shutdown();
  assert.equal(receiver.stats().lost, 0);
});

test('pipelines that fall 64 batches behind: later events are dropped and counted, not queued', async (t) => {
  if (skipUnlessCapture(t)) return;
  const node = await startNodeHttp('slow');
  t.after(() => node.stop());
  let consumed = 0;
  const stuck = { consume: (_batch: BatchInput) => (consumed++, new Promise<void>(() => {})) };
  const config = factory.configSchema.parse({
    batch_size: 1,
    poll_interval: '1ms',
    filters: { ports: { allow: [node.port] } },
  });
  const receiver = factory.createReceiver(testSettings('ebpf', 'receiver'), config, { logs: stuck }) as EbpfReceiver;
  await receiver.start();
  t.after(() => receiver.shutdown());

  await requests(node.port, 12);
  await waitFor('drops', async () => receiver.stats().dropped > 0);
  await receiver.shutdown();
  const stats = receiver.stats();
  assert.equal(consumed, 64, 'the pipelines got 64 batches of one event');
  assert.equal(
    stats.delivered,
    consumed + stats.dropped,
    'every delivered event was either handed on or counted as dropped',
  );
});

test('collected batches carry at most batch_size events', async (t) => {
  if (skipUnlessCapture(t)) return;
  const node = await startNodeHttp('batched');
  t.after(() => node.stop());
  const collected = collectingReceiver({
    batch_size: 3,
    poll_interval: '200ms',
    filters: { ports: { allow: [node.port] } },
  });
  await collected.receiver.start();
  t.after(() => collected.receiver.shutdown());
  await requests(node.port, 3);
  // the server's side of a connection (its last read and its close) can follow curl's exit by
  // more than one poll on a loaded machine: wait for the events instead of stopping at once
  await waitFor('both ends of three connections (24 events)', async () => collected.events.length >= 24);
  await collected.receiver.shutdown();
  assert.ok(Math.max(...collected.batchSizes) <= 3, `batch sizes ${collected.batchSizes}`);
  assert.ok(collected.batchSizes.includes(3), 'polls that found more than three events split them');
  assert.equal(collected.receiver.stats().delivered, collected.events.length);
});
