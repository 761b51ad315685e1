// Request logs handed on as l7_flow_log's columns: a store writes the same rows from them as
// from the log records they stand for. Every DeepFlow capture goes through the l7 engine; its
// request logs are encoded as Native blocks by the ClickHouse store twice, once from the
// columns and once after reading every record (which turns the scope into ordinary log
// records), and the two must be the same bytes, with and without SmartEncoding's id columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '@flowtel/receiver-pcap';
import { ClickHouseStore, storeConfigSchema } from '@flowtel/clickhouse';
import { Ack, type Batch } from '@flowtel/core';
import { l7FlowLogColumns } from '@flowtel/core/l7-flow-log';
import { DICT_NAME_ATTRIBUTE, TAG_KINDS, idAttribute } from '@flowtel/core/smartencoding';
import { SocketEventBatch, attr, deferredItems, logRecordCount, type Logs } from '@flowtel/pdata';
import { L7Engine } from '../src/engine.ts';
import { recordsToLogs } from '../src/output/logs.ts';
import type { L7Record } from '../src/record.ts';
import { PROTOCOL_PARSERS } from '../src/protocols/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const captures = resolve(repoRoot, '..', 'shared', 'testdata', 'deepflow', 'flow_generator');

function capturesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) =>
      d.isDirectory() ? capturesIn(join(dir, d.name)) : d.name.endsWith('.pcap') ? [join(dir, d.name)] : [],
    )
    .sort();
}

function recordsOf(path: string): L7Record[] {
  const engine = new L7Engine({
    parsers: PROTOCOL_PARSERS,
    parse: { redact: true },
    correlation: { syscall: true, request_id: true },
    requestTimeoutNs: 10n ** 18n,
    idleTimeoutNs: 10n ** 18n,
    maxSessions: 1_000_000,
    maxPendingPerSession: 1_000_000,
  });
  const records: L7Record[] = [];
  engine.addSink((r) => records.push(...r));
  engine.ingest(SocketEventBatch.from('pcap', readCaptureFile(path, { perspective: 'client', roles: 'first-packet' })));
  engine.flushAll();
  return records;
}

/** Resources as SmartEncoding leaves them: ids instead of tags. */
function encodeResources(logs: Logs): void {
  for (const rl of logs.resourceLogs)
    rl.resource.attributes = [
      attr(DICT_NAME_ATTRIBUTE, 'smartencoding'),
      ...TAG_KINDS.map((kind, i) => attr(idAttribute(kind), 100 + i)),
    ];
}

const store = new ClickHouseStore(storeConfigSchema.parse({ endpoint: 'chdb://unused' }), {
  configDir: '.',
  logger: { warn: () => {} },
  signals: ['logs'],
  dictionaries: () => undefined,
});

function encoded(logs: Logs, withIds: boolean): Buffer {
  const batch: Batch = { signal: 'logs', data: logs, items: logRecordCount(logs), ack: new Ack(() => {}) };
  const blocks = store.encode(batch, withIds);
  const bytes = Buffer.concat(blocks.flatMap((b) => b.data));
  for (const b of blocks) b.release();
  return bytes;
}

test('request logs written from their columns are the rows their log records give, for every DeepFlow capture', (t) => {
  if (!existsSync(captures)) {
    assert.notEqual(process.env.CI, 'true', `DeepFlow captures missing at ${captures}`);
    t.skip(`DeepFlow captures not found at ${captures}`);
    return;
  }
  let rows = 0;
  let protocols = new Set<string>();
  for (const path of capturesIn(captures)) {
    const records = recordsOf(path);
    if (records.length === 0) continue;
    rows += records.length;
    protocols = new Set([...protocols, ...records.map((r) => r.protocol)]);
    for (const withIds of [false, true]) {
      const columnar = recordsToLogs(records);
      const materialized = recordsToLogs(records);
      if (withIds) {
        encodeResources(columnar);
        encodeResources(materialized);
      }
      const scopes = columnar.resourceLogs.flatMap((rl) => rl.scopeLogs);
      assert.ok(scopes.every((sl) => l7FlowLogColumns(sl) !== undefined));
      assert.equal(logRecordCount(columnar), records.length);
      // reading the records turns the scope into ordinary log records, as any consumer sees them
      const read = materialized.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
      assert.equal(read.length, records.length);
      assert.ok(materialized.resourceLogs.every((rl) => rl.scopeLogs.every((sl) => !l7FlowLogColumns(sl))));
      const fromColumns = encoded(columnar, withIds);
      const fromRecords = encoded(materialized, withIds);
      assert.ok(fromRecords.length > 0);
      assert.ok(fromColumns.equals(fromRecords), `${path} (ids: ${withIds}): the blocks differ`);
      // the store read the columns only: nobody made the records
      assert.ok(scopes.every((sl) => deferredItems(sl) !== undefined));
    }
  }
  console.log(`${rows} request logs of ${protocols.size} protocols written the same from columns and records`);
  assert.ok(rows > 500, `only ${rows} request logs found`);
  assert.ok(protocols.size >= 10, `only ${[...protocols].join(', ')}`);
});
