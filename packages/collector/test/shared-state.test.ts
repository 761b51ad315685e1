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
  tracesRequestJson,
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

function writeConfig(dir: string, yaml: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
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
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-replay-store-'));
  const config = writeConfig(
    dir,
    `receivers:
  pcap:
    file: ${CAPTURE}
    exit_on_eof: true
    perspective: server
processors:
  l7: {}
  smartencoding:
    directory: ./dictionary
exporters:
  clickhouse:
    endpoint: chdb://./store
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    logs:
      receivers: [pcap]
      processors: [l7, smartencoding]
      exporters: [clickhouse]
`,
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
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-sigterm-store-'));
  const port = await freePort();
  const config = writeConfig(
    dir,
    `receivers:
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:${port}}
processors:
  smartencoding:
    directory: ./dictionary
    tags: {cluster: load}
  batch: {timeout: 200ms, send_batch_size: 500}
exporters:
  clickhouse:
    endpoint: chdb://./store
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], processors: [smartencoding, batch], exporters: [clickhouse]}
`,
  );
  const collector = startCollector(config);
  await waitForOutput(collector, 'Everything is ready', 60_000);
  const acknowledged = new Set<string>();
  let next = 0;
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const id = ++next;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: tracesRequestJson(id, 20),
        });
        if (res.status === 200) for (let i = 0; i < 20; i++) acknowledged.add(`r${id}s${i}`);
        await res.arrayBuffer();
      } catch {
        // refused or reset once the collector is going away
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  await waitFor('load to build up', async () => acknowledged.size >= 2000, 60_000);
  collector.process.kill('SIGTERM');
  const { code, lingeredMs } = await exitAfterShutdown(collector);
  stopped = true;
  await Promise.all(clients);
  assert.equal(code, 0, collector.output());
  assert.doesNotMatch(collector.output(), /Dropping data|SmartEncoding ids of/);
  assert.ok(lingeredMs < EXIT_AFTER_SHUTDOWN_MS, `the process lived ${lingeredMs} ms after "Shutdown complete."`);
  const stored = new Set((await query(config, 'SELECT SpanName FROM otel_traces')).trim().split('\n').slice(1));
  const missing = [...acknowledged].filter((n) => !stored.has(n));
  assert.deepEqual(
    missing.slice(0, 10),
    [],
    `${missing.length} of ${acknowledged.size} acknowledged spans are not stored`,
  );
  assert.equal(
    await query(config, 'SELECT countIf(agent_id = 0) AS untagged FROM otel_traces'),
    'untagged\n0\n',
    'stored with their SmartEncoding ids',
  );
});
