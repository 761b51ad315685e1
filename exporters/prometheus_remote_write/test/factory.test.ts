// The lifecycle every component shares, and the exporter helper set up as contrib sets it up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testHost, testSettings } from '@flowtel/testkit';
import { factory, helperConfig } from '../src/factory.ts';

test('created from defaults it starts, shuts down, and shuts down again', async () => {
  assert.equal(factory.type, 'prometheus_remote_write');
  assert.deepEqual(factory.aliases, ['prometheusremotewrite']);
  const e = factory.createExporter(
    testSettings('prometheus_remote_write', 'exporter'),
    factory.configSchema.parse({}),
    ['metrics'],
  );
  await e.shutdown();
  await e.start(testHost());
  await e.shutdown();
  await e.shutdown();
});

test('remote_write_queue is the sending queue with one consumer, so batches stay in order', () => {
  const h = helperConfig(
    factory.configSchema.parse({ remote_write_queue: { queue_size: 50, num_consumers: 8 }, timeout: '2s' }),
  );
  assert.deepEqual(
    [h.sending_queue.enabled, h.sending_queue.num_consumers, h.sending_queue.queue_size, h.timeout],
    [true, 1, 50, 2000],
  );
  assert.equal(
    helperConfig(factory.configSchema.parse({ remote_write_queue: { enabled: false } })).sending_queue.enabled,
    false,
  );
});
