// Nothing a pipeline accepted is lost because a component it needs stopped first: the
// clickhouse exporter flushes its queue at shutdown, after the smartencoding processor stopped,
// and still finds the dictionary its records' ids index (the host keeps it). And the process
// ends as soon as shutdown is done: no timer or handle keeps it alive afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  runCli,
  startCollector,
  otlpLoad,
  waitFor,
  waitForOutput,
  type RunningCollector,
} from '@flowtel/testkit';

/**
 * 240 HTTP/1.1 requests on loopback, 20 of them answered 404 (testdata/captures/
 * record-http-keepalive-lo.py made it; `tshark -Y http.request` counts 240 requests and
 * `-Y 'http.response.code == 404'` 20).
 */
const CAPTURE = join(import.meta.dirname, '..', 'testdata', 'captures', 'http-keepalive-lo.pcapng');

/** Generous: the process ends in well under a second here, even on a loaded machine. */
const EXIT_AFTER_SHUTDOWN_MS = 3000;

/** A config in a fresh folder: `receivers` and `processors` (YAML) and one pipeline into ClickHouse, embedded there. */
function storeConfig(name: string, receivers: string, processors: string, pipeline: string): string {
  const path = join(mkdtempSync(join(tmpdir(), `flowtel-${name}-`)), 'config.yaml');
  const indent = (yaml: string) => yaml.trim().replace(/^/gm, '  ');
  writeFileSync(
    path,
    `receivers:\n${indent(receivers)}\nprocessors:\n${indent(processors)}\n` +
      `exporters:\n  clickhouse:\n    endpoint: chdb://./store\n` +
      `service:\n  telemetry: {metrics: {level: none}}\n  pipelines:\n    ${pipeline}\n`,
  );
  return path;
}

/** How long the process lived after it logged "Shutdown complete.", and its exit code. */
async function exitAfterShutdown(collector: RunningCollector): Promise<{ code: number | string; lingeredMs: number }> {
  await waitForOutput(collector, 'Shutdown complete.', 120_000);
  const completed = Date.now();
  const code = await collector.exited;
  return { code, lingeredMs: Date.now() - completed };
}

async function query(config: string, sql: string): Promise<string> {
  const out = await runCli(['query', '--config', config, '--format', 'csv', sql]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

test('a capture replayed with exit_on_eof through l7 and smartencoding into ClickHouse stores every request, then the process ends', async () => {
  const config = storeConfig(
    'replay-store',
    `pcap: {file: ${CAPTURE}, exit_on_eof: true, perspective: server}`,
    'l7: {}\nsmartencoding: {directory: ./dictionary}',
    'logs: {receivers: [pcap], processors: [l7, smartencoding], exporters: [clickhouse]}',
  );
  const collector = startCollector(config);
  const { code, lingeredMs } = await exitAfterShutdown(collector);
  assert.equal(code, 0, collector.output());
  assert.doesNotMatch(collector.output(), /Dropping data|SmartEncoding ids of/);
  assert.ok(lingeredMs < EXIT_AFTER_SHUTDOWN_MS, `the process lived ${lingeredMs} ms after "Shutdown complete."`);
  assert.equal(
    await query(
      config,
      'SELECT response_code, count() AS n, countIf(host_id_1 > 0) AS tagged FROM l7_flow_log GROUP BY response_code ORDER BY response_code',
    ),
    'response_code,n,tagged\n200,220,220\n404,20,20\n',
  );
});

test('SIGTERM under load: every span acknowledged through smartencoding is in ClickHouse', async () => {
  const port = await freePort();
  const config = storeConfig(
    'sigterm-store',
    `otlp: {protocols: {http: {endpoint: 127.0.0.1:${port}}}}`,
    'smartencoding: {directory: ./dictionary, tags: {cluster: load}}\nbatch: {timeout: 200ms, send_batch_size: 500}',
    'traces: {receivers: [otlp], processors: [smartencoding, batch], exporters: [clickhouse]}',
  );
  const collector = startCollector(config);
  await waitForOutput(collector, 'Everything is ready', 60_000);
  const load = otlpLoad(port);
  await waitFor('load to build up', async () => load.acknowledged.size >= 2000, 60_000);
  collector.process.kill('SIGTERM');
  const { code, lingeredMs } = await exitAfterShutdown(collector);
  await load.stop();
  assert.equal(code, 0, collector.output());
  assert.doesNotMatch(collector.output(), /Dropping data|SmartEncoding ids of/);
  assert.ok(lingeredMs < EXIT_AFTER_SHUTDOWN_MS, `the process lived ${lingeredMs} ms after "Shutdown complete."`);
  const stored = new Set((await query(config, 'SELECT SpanName FROM otel_traces')).trim().split('\n').slice(1));
  const missing = [...load.acknowledged].filter((n) => !stored.has(n));
  assert.deepEqual(
    missing.slice(0, 10),
    [],
    `${missing.length} of ${load.acknowledged.size} acknowledged spans are not stored`,
  );
  assert.equal(
    await query(config, 'SELECT countIf(agent_id = 0) AS untagged FROM otel_traces'),
    'untagged\n0\n',
    'stored with their SmartEncoding ids',
  );
});
