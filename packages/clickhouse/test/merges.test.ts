// The embedded store's merge setting (schema.ts, EMBEDDED_MERGE_SELECTOR_BASE): every MergeTree
// table the store writes gets it, a store an older flowtel made included, and the tables keep
// contrib's shape; not when the schema is the user's (create_schema: false), in a cluster, or
// for an engine without merges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { storeConfigSchema } from '../src/config.ts';
import { EmbeddedClient } from '../src/embedded.ts';
import { EMBEDDED_MERGE_SELECTOR_BASE, embeddedMergeSettings, schemaStatements } from '../src/schema.ts';
import { ClickHouseStore, rolesFor } from '../src/store.ts';
import { tempDir } from './fixtures.ts';

const SIGNALS = ['traces', 'logs', 'metrics'] as const;

/** Table name -> its merge_selector_base (null: not set), from the engine's own view of the DDL. */
async function mergeBases(client: EmbeddedClient, db: string): Promise<Map<string, string | null>> {
  const rows = (
    await client.query(
      `SELECT name, engine_full FROM system.tables WHERE database = '${db}' AND engine LIKE '%MergeTree'`,
    )
  )
    .toString('utf8')
    .trim()
    .split('\n');
  return new Map(
    rows.map((row) => {
      const [name, ddl] = row.split('\t');
      return [name, /merge_selector_base = (\d+)/.exec(ddl)?.[1] ?? null];
    }),
  );
}

function store(endpoint: string, dir: string, extra: Record<string, unknown> = {}) {
  return new ClickHouseStore(storeConfigSchema.parse({ endpoint, ...extra }), {
    configDir: dir,
    logger: pino({ level: 'silent' }),
    signals: [...SIGNALS],
    dictionaries: () => undefined,
  });
}

test('an embedded store sets merge_selector_base on every table it writes, older tables included', async (t) => {
  const dir = tempDir(t);
  const endpoint = `chdb://${dir}/store`;
  const cfg = storeConfigSchema.parse({ endpoint });
  // the tables as an older flowtel made them, holding a row that must stay readable
  const older = EmbeddedClient.open(`${dir}/store`);
  t.after(() => older.close());
  for (const s of schemaStatements(cfg, rolesFor([...SIGNALS]))) await older.query(s);
  await older.query(`INSERT INTO otel.otel_traces (ServiceName, SpanName) VALUES ('svc', 'op')`);
  const before = await mergeBases(older, 'otel');
  // traces, its trace-id lookup, logs, l7_flow_log and the five metric tables
  assert.equal(before.size, 9);
  for (const [name, base] of before) assert.equal(base, null, name);

  const s = store(endpoint, dir);
  await s.open();
  const after = await mergeBases(older, 'otel');
  await s.close();
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const [name, base] of after) assert.equal(base, String(EMBEDDED_MERGE_SELECTOR_BASE), name);
  // contrib's shape is untouched: same columns, and the row written before is read back
  const columns = (await older.query(`SELECT count() FROM system.columns WHERE database = 'otel'`)).toString().trim();
  assert.ok(Number(columns) > 100, columns);
  assert.equal((await older.query(`SELECT SpanName FROM otel.otel_traces`)).toString().trim(), 'op');
});

test('with create_schema: false the tables are left as they are', async (t) => {
  const dir = tempDir(t);
  const endpoint = `chdb://${dir}/store`;
  const cfg = storeConfigSchema.parse({ endpoint });
  const client = EmbeddedClient.open(`${dir}/store`);
  t.after(() => client.close());
  for (const st of schemaStatements(cfg, rolesFor([...SIGNALS]))) await client.query(st);
  const s = store(endpoint, dir, { create_schema: false });
  await s.open();
  await s.close();
  for (const [name, base] of await mergeBases(client, 'otel')) assert.equal(base, null, name);
});

test('no merge setting in a cluster or for an engine without merges', () => {
  const roles = rolesFor([...SIGNALS]);
  assert.deepEqual(embeddedMergeSettings(storeConfigSchema.parse({ cluster_name: 'c' }), roles), []);
  assert.deepEqual(embeddedMergeSettings(storeConfigSchema.parse({ table_engine: { name: 'Memory' } }), roles), []);
  const statements = embeddedMergeSettings(storeConfigSchema.parse({}), ['traces']);
  assert.deepEqual(statements, [
    `ALTER TABLE "otel"."otel_traces" MODIFY SETTING merge_selector_base = ${EMBEDDED_MERGE_SELECTOR_BASE}`,
    `ALTER TABLE "otel"."otel_traces_trace_id_ts" MODIFY SETTING merge_selector_base = ${EMBEDDED_MERGE_SELECTOR_BASE}`,
  ]);
});
