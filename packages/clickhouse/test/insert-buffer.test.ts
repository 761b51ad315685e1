// The insert buffer on the real engine: batches of one table that arrive together go out as one
// INSERT, a write resolves only once its rows are stored (so the exporter's queue keeps the
// batch until then), a batch the engine refuses fails alone, and nothing waits past a close or
// an abort.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { EmbeddedClient } from '../src/embedded.ts';
import { isPermanent, type ClickHouseClient } from '../src/client.ts';
import { storeConfigSchema } from '../src/config.ts';
import type { Block } from '../src/encode/block.ts';
import { InsertBuffer } from '../src/insert-buffer.ts';
import { ClickHouseStore } from '../src/store.ts';
import { batchOf, sampleLogs, tempDir } from './fixtures.ts';

const LOG_RECORDS = sampleLogs().resourceLogs.reduce(
  (n, rl) => n + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0),
  0,
);

function openStore(dir: string, interval: string): ClickHouseStore {
  const cfg = storeConfigSchema.parse({ endpoint: 'chdb://./store', insert_flush_interval: interval });
  return new ClickHouseStore(cfg, {
    configDir: dir,
    logger: pino({ level: 'silent' }),
    signals: ['logs'],
    dictionaries: () => undefined,
  });
}

async function scalar(client: ClickHouseClient, sql: string): Promise<number> {
  return Number((await client.query(sql)).toString().trim());
}

const inserts = (client: ClickHouseClient) =>
  scalar(client, "SELECT value FROM system.events WHERE event = 'InsertQuery'");

test('batches of a table that arrive within the interval are one INSERT; each write resolves once its rows are stored', async (t) => {
  const dir = tempDir(t);
  const store = openStore(dir, '300ms');
  await store.open();
  const client = EmbeddedClient.open(join(dir, 'store'));
  t.after(async () => {
    await client.close();
    await store.close();
  });
  const before = await inserts(client);
  const seenAtResolve: number[] = [];
  await Promise.all(
    Array.from({ length: 5 }, () =>
      store.write(batchOf('logs', sampleLogs(), LOG_RECORDS)).then(async () => {
        seenAtResolve.push(await scalar(client, 'SELECT count() FROM otel.otel_logs'));
      }),
    ),
  );
  assert.deepEqual(seenAtResolve, Array(5).fill(5 * LOG_RECORDS), 'every write saw all rows stored when it resolved');
  assert.equal((await inserts(client)) - before, 1, 'five batches, one INSERT');
  const parts = await scalar(
    client,
    "SELECT count() FROM system.parts WHERE database = 'otel' AND table = 'otel_logs' AND active",
  );
  assert.equal(parts, 1, 'one INSERT made one part');
});

test('a block the engine refuses fails its own write; the others that shared its INSERT are stored once', async (t) => {
  const dir = tempDir(t);
  const client = EmbeddedClient.open(join(dir, 'engine'));
  t.after(() => client.close());
  await client.query('CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x');
  let released = 0;
  const block = (bytes: number[]): Block => ({
    table: 't',
    columns: ['x'],
    rows: 2,
    data: [Buffer.from(bytes)],
    release: () => void released++,
  });
  const header = [1, 2, 1, 0x78, 5, ...Buffer.from('UInt8')];
  const good = () => block([...header, 7, 9]);
  // a block that promises two rows of x and carries one
  const bad = block([...header, 7]);
  const buffer = new InsertBuffer(
    client,
    'INSERT INTO t (x) FORMAT Native',
    { maxRows: 1000, maxBytes: 1 << 20 },
    60_000,
  );
  const results = await Promise.allSettled([
    buffer.add([good()]),
    buffer.add([bad]),
    buffer.add([good()]),
    buffer.flush(),
  ]);
  assert.equal(results[0].status, 'fulfilled');
  assert.equal(results[2].status, 'fulfilled');
  assert.ok(results[1].status === 'rejected' && isPermanent(results[1].reason), 'the bad block is a permanent error');
  assert.equal(await scalar(client, 'SELECT count() FROM t'), 4, 'both good blocks, each once');
  assert.equal(released, 3, 'every block handed back once');
});

test('an aborted write (shutdown, timeout) has its rows sent at once; close sends what still waits', async (t) => {
  const dir = tempDir(t);
  const store = openStore(dir, '1h');
  await store.open();
  const client = EmbeddedClient.open(join(dir, 'store'));
  t.after(() => client.close());
  const stop = new AbortController();
  const aborted = store.write(batchOf('logs', sampleLogs(), LOG_RECORDS), stop.signal);
  stop.abort();
  await aborted;
  assert.equal(await scalar(client, 'SELECT count() FROM otel.otel_logs'), LOG_RECORDS);

  const waiting = store.write(batchOf('logs', sampleLogs(), LOG_RECORDS));
  await store.close();
  await waiting;
  assert.equal(
    await scalar(client, 'SELECT count() FROM otel.otel_logs'),
    2 * LOG_RECORDS,
    'close flushed the waiting batch',
  );
});
