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
  assert.deepEqual(receiver.stats(), { delivered: 0, lost: 0, dropped: 0, refused: 0 });
});
