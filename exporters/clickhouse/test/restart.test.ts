// Nothing accepted is lost while it waits in the store's insert buffer: a write resolves only
// once its rows are inserted, so the exporter's persistent queue still holds a batch that waits
// there. kill -9 with batches waiting (a flush interval of an hour), restart, and every record
// the collector acknowledged is stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, startCollector, waitFor, waitForOutput, writePersistentQueueConfig } from '@flowtel/testkit';
import { runQuery } from '@flowtel/clickhouse';
import { tempDir } from '../../../packages/clickhouse/test/fixtures.ts';

test('kill -9 while batches wait in the insert buffer: after the restart every acknowledged record is stored', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const store = { endpoint: 'chdb://./store', insert_flush_interval: '1h' };
  const config = writePersistentQueueConfig(
    dir,
    port,
    'logs',
    'clickhouse',
    `endpoint: ${store.endpoint}
insert_flush_interval: ${store.insert_flush_interval}
sending_queue: {storage: file_storage}`,
  );
  const count = async () =>
    Number(JSON.parse(await runQuery(store, 'SELECT count() AS n FROM otel_logs', 'json', { configDir: dir }))[0].n);

  let collector = startCollector(config);
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready', 60_000);
  const records = 5;
  for (let i = 0; i < records; i++) {
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [] },
          scopeLogs: [
            {
              scope: { name: 'test' },
              logRecords: [
                { timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), body: { stringValue: `record ${i}` } },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
  }
  assert.equal(await count(), 0, 'the records wait in the queue and the buffer, not in the table');
  collector.process.kill('SIGKILL');
  await collector.exited;

  collector = startCollector(config);
  await waitForOutput(collector, 'Everything is ready', 60_000);
  // a graceful stop drains the queue into the store and the store's buffer into the table
  assert.equal(await collector.stop(), 0, collector.output());
  const stored = await waitFor(
    'the acknowledged records in otel_logs',
    async () => ((await count()) >= records ? count() : undefined),
    90_000,
  );
  assert.equal(stored, records, 'each acknowledged record once');
});
