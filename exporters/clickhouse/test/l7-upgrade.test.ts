// An l7_flow_log an older flowtel created, without columns the l7 processor fills now: start
// adds them, and the old rows read the new columns' defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testSettings } from '@flowtel/testkit';
import { attr, newLogRecord, newResource, newScope, type Logs } from '@flowtel/pdata';
import { T0, batchOf, rowsOf, tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import { L7_SCOPE_NAME } from '@flowtel/core/smartencoding';
import { EmbeddedClient, embeddedFolder, schemaStatements } from '@flowtel/clickhouse';
import { createStore } from '../src/clickhouse.ts';
import { configSchema } from '../src/config.ts';

const requestLog = (tapSide: string): Logs => ({
  resourceLogs: [
    {
      resource: newResource([attr('service.name', 'nginx')]),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: newScope(L7_SCOPE_NAME, '0.1.0'),
          schemaUrl: '',
          logRecords: [
            newLogRecord({
              timeUnixNano: T0,
              attributes: [attr('l7_protocol_str', 'HTTP'), attr('tap_side', tapSide), attr('endpoint', '/')],
            }),
          ],
        },
      ],
    },
  ],
});

test('an l7_flow_log without newer columns gets them at start', async (t) => {
  const dir = tempDir(t);
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });
  const create = schemaStatements(cfg, ['l7']).filter((s) => s.startsWith('CREATE'));
  const old = create.map((s) => s.replace(/\n\s*tap_side LowCardinality\(String\),/, ''));
  assert.ok(!old.join('\n').includes('tap_side'), 'the old table lacks tap_side');
  const setup = EmbeddedClient.open(embeddedFolder(cfg.endpoint, dir));
  for (const statement of old) await setup.query(statement);
  await setup.query("INSERT INTO otel.l7_flow_log (time, endpoint) VALUES (now(), '/old')");
  await setup.close();

  const exporter = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['logs']);
  await exporter.open();
  try {
    await exporter.write(batchOf('logs', requestLog('s-p'), 1));
  } finally {
    await exporter.close();
  }
  const client = EmbeddedClient.open(embeddedFolder(cfg.endpoint, dir));
  try {
    const rows = await rowsOf(client, 'SELECT endpoint, tap_side FROM otel.l7_flow_log ORDER BY endpoint');
    assert.deepEqual(rows, [
      { endpoint: '/', tap_side: 's-p' },
      { endpoint: '/old', tap_side: '' },
    ]);
  } finally {
    await client.close();
  }
});
