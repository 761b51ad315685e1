// The DDL: contrib's TTL expressions, cluster mode (ON CLUSTER, Replicated local tables,
// Distributed tables over them, SmartEncoding's dictionary and id columns) checked by the real
// engine's parser, and the message when the embedded engine is not installed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { storeConfigSchema as configSchema } from '../src/config.ts';
import { EmbeddedClient, CHDB_MISSING } from '../src/embedded.ts';
import { schemaStatements, ttlExpression } from '../src/schema.ts';
import { rolesFor } from '../src/store.ts';
import {
  addIdColumnStatements,
  dictionaryMigrationStatements,
  dictionarySchemaStatements,
  reloadStatement,
  widenIdColumnStatements,
} from '../src/smartencoding/ddl.ts';
import { tempDir } from './fixtures.ts';

test('TTL takes the largest whole unit of the duration, as contrib renders it', () => {
  assert.equal(ttlExpression(0, 'TimestampTime'), '');
  assert.equal(ttlExpression(72 * 3_600_000, 'TimestampTime'), 'TTL TimestampTime + toIntervalDay(3)');
  assert.equal(ttlExpression(5 * 3_600_000, 'toDateTime(Timestamp)'), 'TTL toDateTime(Timestamp) + toIntervalHour(5)');
  assert.equal(ttlExpression(90 * 60_000, 'time'), 'TTL time + toIntervalMinute(90)');
  assert.equal(ttlExpression(45_000, 'time'), 'TTL time + toIntervalSecond(45)');
  const ddl = schemaStatements(configSchema.parse({ ttl: '48h' }), ['traces']).join('\n');
  assert.match(ddl, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(2\)/);
  assert.match(ddl, /TTL toDateTime\(Start\) \+ toIntervalDay\(2\)/);
});

describe('cluster mode DDL', () => {
  let dir: string;
  let client: EmbeddedClient;
  const cfg = configSchema.parse({ cluster_name: 'otel_cluster', ttl: '24h', database: 'otel' });
  const statements = schemaStatements(cfg, rolesFor(['traces', 'metrics', 'logs']));

  before(() => {
    dir = tempDir({ after });
    client = EmbeddedClient.open(`${dir}/parser`);
  });
  after(() => client?.close());

  test('every statement runs ON CLUSTER; tables are Replicated *_local under a Distributed name', () => {
    for (const s of statements) assert.match(s, /ON CLUSTER "otel_cluster"/, s.slice(0, 80));
    const locals = statements.filter((s) => /^CREATE TABLE IF NOT EXISTS "otel"\."\w+_local"/.test(s));
    const distributed = statements.filter((s) => /ENGINE = Distributed\("otel_cluster", "otel", "\w+_local", /.test(s));
    // traces, its lookup, logs, l7 and five metric tables
    assert.equal(locals.length, 9);
    assert.equal(distributed.length, 9);
    for (const s of locals) assert.match(s, /ENGINE = ReplicatedMergeTree\(\)/);
    assert.match(
      statements.find((s) => s.includes('"otel_traces" ON CLUSTER') && s.includes('Distributed'))!,
      /cityHash64\(TraceId\)\)$/,
    );
    const view = statements.find((s) => s.includes('MATERIALIZED VIEW'))!;
    assert.match(view, /TO "otel"\."otel_traces_trace_id_ts_local"/);
    assert.match(view, /FROM "otel"\."otel_traces_local"/);
  });

  test('the engine parses every cluster statement', async () => {
    for (const s of statements) {
      const ast = (await client.query(`EXPLAIN AST ${s}`)).toString('utf8');
      // CREATE, and the ALTER that brings an older l7_flow_log up to date
      assert.match(ast, /^(Create|AlterQuery)/m, s.slice(0, 80));
    }
  });

  test('SmartEncoding on a cluster: the dictionary replicated to every node, its objects and id columns ON CLUSTER; the engine parses them', async () => {
    const smartencoding = [
      ...dictionarySchemaStatements({ database: 'otel', cluster: 'otel_cluster' }),
      ...dictionaryMigrationStatements('otel', 'UInt32', 'otel_cluster'),
      ...['otel_traces_local', 'otel_traces'].flatMap((t) => [
        ...addIdColumnStatements('otel', t, false, 'otel_cluster'),
        ...widenIdColumnStatements('otel', t, ['pod_id'], 'otel_cluster'),
      ]),
      ...addIdColumnStatements('otel', 'l7_flow_log_local', true, 'otel_cluster'),
      reloadStatement('otel', 'pod', 'otel_cluster'),
    ];
    for (const s of smartencoding.filter((x) => !x.startsWith('INSERT')))
      assert.match(s, /ON CLUSTER "otel_cluster"/, s.slice(0, 80));
    const table = smartencoding.find((s) => s.includes('TABLE IF NOT EXISTS "otel"."flowtel_tag_dictionary"'))!;
    // no {shard} in the path: every node of every shard is a replica of the one table
    assert.match(
      table,
      /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{database\}\/flowtel_tag_dictionary', '\{replica\}', version\)/,
    );
    assert.equal(smartencoding.filter((s) => /^CREATE DICTIONARY .* ON CLUSTER/m.test(s)).length, 10);
    for (const s of smartencoding) {
      const ast = (await client.query(`EXPLAIN AST ${s}`)).toString('utf8');
      assert.match(ast, /^(Create|AlterQuery|Rename|InsertQuery|SYSTEM)/im, s.slice(0, 80));
    }
  });

  test('a configured Replicated engine and its params are kept', () => {
    const custom = configSchema.parse({
      cluster_name: 'c',
      table_engine: { name: 'ReplicatedReplacingMergeTree', params: "'/t/{shard}/x', '{replica}'" },
    });
    const [, local] = schemaStatements(custom, ['logs']);
    assert.match(local, /ENGINE = ReplicatedReplacingMergeTree\('\/t\/\{shard\}\/x', '\{replica\}'\)/);
  });
});

test('an embedded endpoint without chdb installed says what to do', async (t) => {
  const dir = tempDir(t);
  const runQuery = fileURLToPath(new URL('./run-query.ts', import.meta.url));
  const hide = fileURLToPath(new URL('./hide-chdb.cjs', import.meta.url));
  await promisify(execFile)('mkdir', ['-p', `${dir}/store`]);
  const run = promisify(execFile)(process.execPath, [
    '--require',
    hide,
    '--import',
    'tsx',
    runQuery,
    JSON.stringify({ endpoint: 'chdb://./store' }),
    dir,
    'table',
    'SELECT 1',
  ]);
  await assert.rejects(run, (err: { stderr: string }) => err.stderr.includes(CHDB_MISSING));
});
