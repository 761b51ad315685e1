// A logs table created before EventName existed: found with DESC TABLE as contrib does, the
// rows still inserted without it, a warning naming the ALTER TABLE that adds it; once added,
// event names are stored. A store written with SmartEncoding's numbered UInt32 ids is widened.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { testSettings } from '@flowtel/testkit';
import { attr } from '@flowtel/pdata';
import { ENTRIES_ATTRIBUTE, entriesToText, tagId } from '@flowtel/core/smartencoding';
import { batchOf, rowsOf, sampleLogs, sampleTraces, tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
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

test('a store written with numbered UInt32 ids is widened to 64-bit ids; its old rows still decode', async (t) => {
  const dir = tempDir(t);
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });
  // the layout before ids were content-derived: UInt32 id columns, `id UInt32` in the dictionary table
  const setup = EmbeddedClient.open(embeddedFolder(cfg.endpoint, dir));
  for (const statement of schemaStatements(cfg, ['traces'])) await setup.query(statement);
  await setup.query(
    'ALTER TABLE otel.otel_traces ADD COLUMN IF NOT EXISTS pod_id UInt32 CODEC(T64, ZSTD(1)), ADD COLUMN IF NOT EXISTS host_id UInt32 CODEC(T64, ZSTD(1))',
  );
  await setup.query(`CREATE TABLE otel.flowtel_tag_dictionary (
    kind LowCardinality(String), id UInt32, version UInt64, name String,
    attributes Map(LowCardinality(String), String), updated_at DateTime DEFAULT now()
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (kind, id)`);
  await setup.query(
    "INSERT INTO otel.flowtel_tag_dictionary (kind, id, version, name) VALUES ('pod', 1, 7, 'old-pod')",
  );
  await setup.query(
    "INSERT INTO otel.otel_traces (Timestamp, TraceId, SpanId, ServiceName, pod_id) VALUES (now(), 'a', 'b', 'old', 1)",
  );
  await setup.close();

  const podId = tagId('pod', 'uid-new');
  const traces = sampleTraces();
  traces.resourceSpans = traces.resourceSpans.slice(0, 1);
  traces.resourceSpans[0].resource.attributes = [
    attr('service.name', 'new'),
    attr('flowtel.tag.dictionary', 'smartencoding'),
    attr('flowtel.tag.dict_version', 1),
    attr('flowtel.tag.pod_id', podId),
    attr(
      ENTRIES_ATTRIBUTE,
      entriesToText([{ kind: 'pod', id: podId, key: 'uid-new', name: 'new-pod', attributes: [], version: 1, time: 5 }]),
    ),
  ];
  const spans = traces.resourceSpans[0].scopeSpans.reduce((n, s) => n + s.spans.length, 0);
  const exporter = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['traces']);
  await exporter.open();
  try {
    await exporter.write(batchOf('traces', traces, spans));
  } finally {
    await exporter.close();
  }
  const client = EmbeddedClient.open(embeddedFolder(cfg.endpoint, dir));
  try {
    const types = await rowsOf(
      client,
      "SELECT table, name, type FROM system.columns WHERE database = 'otel' AND name IN ('pod_id', 'host_id', 'id') AND table IN ('otel_traces', 'flowtel_tag_dictionary') ORDER BY table, name",
    );
    assert.deepEqual(
      types.map((r) => `${r.table}.${r.name} ${r.type}`),
      [
        'flowtel_tag_dictionary.id UInt64',
        'otel_traces.host_id LowCardinality(UInt64)',
        'otel_traces.pod_id LowCardinality(UInt64)',
      ],
    );
    const named = await rowsOf(
      client,
      "SELECT ServiceName, dictGet('otel.flowtel_tag_pod', 'name', pod_id) AS pod FROM otel.otel_traces ORDER BY ServiceName",
    );
    assert.deepEqual(
      named.map((r) => [r.ServiceName, r.pod]),
      [['new', 'new-pod'], ...Array.from({ length: spans - 1 }, () => ['new', 'new-pod']), ['old', 'old-pod']].sort(
        ([a], [b]) => a.localeCompare(b),
      ),
      'the row stored with the numbered id 1 still reads its pod',
    );
  } finally {
    await client.close();
  }
});
