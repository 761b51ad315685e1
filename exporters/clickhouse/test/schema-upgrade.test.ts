// A logs table created before EventName existed: found with DESC TABLE as contrib does, the
// rows still inserted without it, a warning naming the ALTER TABLE that adds it; once added,
// event names are stored.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { testSettings } from '@flowtel/testkit';
import { batchOf, rowsOf, sampleLogs, tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import { EmbeddedClient, embeddedFolder, schemaStatements } from '@flowtel/clickhouse';
import { createStore } from '../src/clickhouse.ts';
import { configSchema } from '../src/config.ts';

test('a logs table without EventName is detected and still written', async (t) => {
  const dir = tempDir(t);
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });
  const oldSchema = schemaStatements(cfg, ['logs']).map((s) =>
    s.replace(/\n\s*EventName String CODEC\(ZSTD\(1\)\),/, ''),
  );
  assert.ok(!oldSchema.join('\n').includes('EventName'), 'the old table lacks the column');
  const setup = EmbeddedClient.open(embeddedFolder(cfg.endpoint, dir));
  for (const statement of oldSchema) await setup.query(statement);
  await setup.close();

  const warnings: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (warnings.push(String(chunk)), done()) });
  const settings = { ...testSettings('clickhouse', 'exporter', dir), logger: pino({ level: 'warn' }, sink) };
  const exporter = createStore(settings, cfg, ['logs']);
  await exporter.open();
  try {
    await exporter.write(batchOf('logs', sampleLogs(), 2));
  } finally {
    await exporter.close();
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /ADD COLUMN IF NOT EXISTS EventName String/);

  const client = EmbeddedClient.open(embeddedFolder(cfg.endpoint, dir));
  try {
    const [row] = await rowsOf(client, 'SELECT count() AS n FROM otel.otel_logs');
    assert.equal(Number(row.n), 2);
    await client.query('ALTER TABLE otel.otel_logs ADD COLUMN IF NOT EXISTS EventName String CODEC(ZSTD(1))');
  } finally {
    await client.close();
  }

  const upgraded = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['logs']);
  await upgraded.open();
  try {
    await upgraded.write(batchOf('logs', sampleLogs(), 2));
  } finally {
    await upgraded.close();
  }
  const after = EmbeddedClient.open(embeddedFolder(cfg.endpoint, dir));
  try {
    const names = await rowsOf(after, "SELECT EventName FROM otel.otel_logs WHERE EventName != ''");
    assert.deepEqual(
      names.map((r) => r.EventName),
      ['payment.failure'],
      'only the rows written after the upgrade carry it',
    );
  } finally {
    await after.close();
  }
});
