// The embedded store keeps its data across restarts, and `flowtel query` reads it from another
// process both while the collector runs (through its query socket) and after it stopped.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { testSettings } from '@flowtel/testkit';
import { batchOf, sampleLogs, sampleTraces, tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import { querySocketPath } from '@flowtel/clickhouse';
import { createStore } from '../src/clickhouse.ts';
import { configSchema } from '../src/config.ts';

const RUN_QUERY = fileURLToPath(new URL('../../../packages/clickhouse/test/run-query.ts', import.meta.url));

async function queryInOtherProcess(raw: object, dir: string, format: string, ...request: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    RUN_QUERY,
    JSON.stringify(raw),
    dir,
    format,
    ...request,
  ]);
  return stdout;
}

test('data survives a restart and is readable from another process, running or not', async (t) => {
  const dir = tempDir(t);
  const raw = { endpoint: 'chdb://./data/clickhouse' };
  const cfg = configSchema.parse(raw);
  const spans = sampleTraces().resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).length;

  const first = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['traces']);
  await first.open();
  await first.write(batchOf('traces', sampleTraces(), spans));
  assert.ok(existsSync(querySocketPath(cfg, dir)), 'a running embedded exporter serves queries');
  const whileRunning = await queryInOtherProcess(raw, dir, 'csv', 'SELECT count() AS n FROM otel_traces');
  assert.equal(whileRunning, `n\n${spans}\n`);
  await first.close();
  assert.ok(!existsSync(querySocketPath(cfg, dir)), 'the socket goes with the exporter');

  const stopped = await queryInOtherProcess(raw, dir, 'json', 'SELECT count() AS n FROM otel_traces');
  assert.equal(
    Number((JSON.parse(stopped) as Array<{ n: string }>)[0].n),
    spans,
    'a new process opens the folder itself',
  );

  const second = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['traces']);
  await second.open();
  await second.write(batchOf('traces', sampleTraces(), spans));
  const total = await queryInOtherProcess(raw, dir, 'csv', 'SELECT count() AS n FROM otel_traces');
  assert.equal(total, `n\n${2 * spans}\n`, 'the restarted exporter adds to what was kept');
  const tree = await queryInOtherProcess(raw, dir, 'table', '--trace', 'ab'.repeat(16));
  await second.close();
  const lines = tree.trim().split('\n');
  assert.match(lines[0], /^depth\s+span\s+service/);
  // the trace was stored twice: each span shows once, the child indented under its parent
  const bodies = lines.slice(2, -1);
  assert.equal(bodies.length, 2);
  assert.match(bodies[0], /^\s*0\s+GET \/cart\s+checkout\s+Server\s+Error/);
  assert.match(bodies[1], /^\s*1\s+ {2}SELECT carts\s+checkout\s+Client\s+Ok/);
  assert.equal(lines.at(-1), '(2 rows)');
});

test('a trace id that is not one, and a store that does not exist, are clear errors', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(
    queryInOtherProcess({ endpoint: 'chdb://./none' }, dir, 'table', 'SELECT 1'),
    /does not exist \(start the collector first\)/,
  );
  await assert.rejects(
    queryInOtherProcess({ endpoint: 'chdb://./none' }, dir, 'table', '--trace', 'xyz'),
    /"xyz" is not a trace id|does not exist/,
  );
});

test('exporters naming the same folder share one engine session', async (t) => {
  const dir = tempDir(t);
  const traces = configSchema.parse({ endpoint: 'chdb://./shared' });
  const logs = configSchema.parse({ endpoint: 'chdb://./shared/' });
  const a = createStore(testSettings('clickhouse', 'exporter', dir), traces, ['traces']);
  const b = createStore(testSettings('clickhouse/logs', 'exporter', dir), logs, ['logs']);
  await a.open();
  await b.open();
  await b.write(batchOf('logs', sampleLogs(), 2));
  await b.close();
  await a.write(batchOf('traces', sampleTraces(), 3));
  const counts = await queryInOtherProcess(
    { endpoint: 'chdb://./shared' },
    dir,
    'csv',
    'SELECT (SELECT count() FROM otel_traces) AS spans, (SELECT count() FROM otel_logs) AS logs',
  );
  await a.close();
  assert.equal(counts, 'spans,logs\n3,2\n', 'both wrote through one session, still served after the other stopped');
});
