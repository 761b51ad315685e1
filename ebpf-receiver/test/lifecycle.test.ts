import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectingReceiver, skipUnlessCapture } from './capture-support.ts';

test('shutdown before start, and twice after start, is safe; a stopped receiver stays stopped', async (t) => {
  const never = collectingReceiver({});
  await never.receiver.shutdown();
  await never.receiver.shutdown();
  if (skipUnlessCapture(t)) return;

  const { receiver } = collectingReceiver({ filters: { comms: { allow: ['flowtel-none'] } } });
  await receiver.start();
  assert.equal(receiver.unavailable, undefined);
  await Promise.all([receiver.shutdown(), receiver.shutdown()]);
  await receiver.shutdown();
  await receiver.start();
  assert.deepEqual(receiver.stats(), { delivered: 0, lost: 0, dropped: 0, refused: 0, tlsUnbound: 0 });
});

test('while the tracepoints detach, the JS thread goes on', async (t) => {
  if (skipUnlessCapture(t)) return;
  const { receiver } = collectingReceiver({ filters: { comms: { allow: ['flowtel-none'] } } });
  await receiver.start();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const began = performance.now();
  await receiver.shutdown();
  const took = performance.now() - began;
  clearInterval(timer);
  // releasing the links takes most of a second: a JS thread left free runs the timer meanwhile
  assert.ok(ticks >= Math.floor(took / 10 / 4), `${ticks} ticks of a 10 ms timer in a ${Math.round(took)} ms shutdown`);
});
