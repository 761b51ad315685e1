// The sender both socket-event receivers use: at most maxInFlight batches wait on the pipelines
// (beyond that `send` drops and counts), retryable refusals are retried (after Retry-After when
// the refusal gives one) until stop, permanent ones are counted as refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permanent, retryable, type BatchInput, type Consumer } from '@flowtel/core';
import { Direction, L4Protocol, SocketEventBatch, SocketEventKind, SocketRole, type SocketEvent } from '@flowtel/pdata';
import { testSettings, waitFor } from '@flowtel/testkit';
import { SocketEventSender } from '../src/index.ts';

const event: SocketEvent = {
  kind: SocketEventKind.DATA,
  timestampNs: 1n,
  pid: 1,
  tid: 1,
  comm: 'curl',
  fd: 3,
  socketId: 1n,
  l4Protocol: L4Protocol.TCP,
  role: SocketRole.CLIENT,
  direction: Direction.EGRESS,
  localAddr: '127.0.0.1',
  localPort: 40000,
  remoteAddr: '127.0.0.1',
  remotePort: 80,
  byteCount: 4,
  payload: Buffer.from('GET '),
};
const batchOf = (events: number) =>
  SocketEventBatch.from(
    'test',
    Array.from({ length: events }, () => event),
  );

function sender(consumer: Consumer, maxInFlight = 2) {
  return new SocketEventSender({
    settings: testSettings('ebpf', 'receiver'),
    consumers: { logs: consumer },
    transport: 'test',
    source: 'test',
    batchSize: 10,
    maxInFlight,
  });
}

test('beyond maxInFlight batches waiting on the pipelines, send drops and counts; answers free the slots', async () => {
  const answers: Array<() => void> = [];
  const s = sender({ consume: () => new Promise<void>((resolve) => answers.push(resolve)) });
  assert.equal(s.send(batchOf(3)), true);
  assert.equal(s.send(batchOf(3)), true);
  assert.equal(s.congested, true);
  assert.equal(s.send(batchOf(5)), false);
  assert.deepEqual(s.stats, { sent: 0, dropped: 5, refused: 0, batches: 2 });
  const ready = s.ready();
  answers[0]();
  await ready;
  assert.equal(s.send(batchOf(4)), true, 'a slot is free again');
  assert.equal(answers.length, 3, 'each batch was handed on when sent');
  for (const answer of answers) answer();
  await s.drain();
  assert.deepEqual(s.stats, { sent: 10, dropped: 5, refused: 0, batches: 3 });
});

test('a retryable refusal is retried after its Retry-After; a permanent one is refused and counted', async () => {
  let attempts = 0;
  const retried = sender({
    consume: async () => {
      if (++attempts < 3) throw Object.assign(retryable('memory limit'), { retryAfterMs: 1 });
    },
  });
  retried.send(batchOf(7));
  await retried.drain();
  assert.equal(attempts, 3);
  assert.deepEqual(retried.stats, { sent: 7, dropped: 0, refused: 0, batches: 1 });

  const refused = sender({
    consume: async () => {
      throw permanent('bad data');
    },
  });
  refused.add(event);
  refused.flush();
  await refused.drain();
  assert.equal(refused.stats.refused, 1);
  assert.equal(refused.stats.sent, 0);
});

test('stop ends a retry at once: the batch is refused, not retried for seconds', async () => {
  let attempts = 0;
  const s = sender({
    consume: async (_b: BatchInput) => {
      attempts++;
      throw Object.assign(retryable('queue full'), { retryAfterMs: 60_000 });
    },
  });
  s.send(batchOf(2));
  await waitFor('the first refusal', async () => attempts >= 1 || undefined);
  s.stop();
  await s.drain();
  assert.equal(attempts, 2, 'one more answer after the stop, then given up');
  assert.deepEqual(s.stats, { sent: 0, dropped: 0, refused: 2, batches: 1 });
});
