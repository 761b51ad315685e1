// Remote mode end to end: the exporter talks ClickHouse's HTTP interface on loopback to a real
// engine (chdb serving that interface in a child process), with credentials and compression.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testHost, testSettings } from '@flowtel/testkit';
import {
  batchOf,
  rowsOf,
  sampleLogs,
  sampleMetrics,
  sampleTraces,
  tempDir,
} from '../../../packages/clickhouse/test/fixtures.ts';
import type { Batch, Host } from '@flowtel/core';
import { TAG_DICTIONARY } from '@flowtel/core/smartencoding';
import { factory as smartencoding } from '@flowtel/processor-smartencoding';
import { HttpClient, isPermanent, runQuery, type ClickHouseError } from '@flowtel/clickhouse';
import { createStore } from '../src/clickhouse.ts';
import { configSchema } from '../src/config.ts';
import { factory } from '../src/factory.ts';

const SERVER = fileURLToPath(new URL('../../../packages/clickhouse/test/serve-chdb.ts', import.meta.url));

async function startServer(
  folder: string,
  user: string,
  password: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, folder, user, password], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  for await (const chunk of child.stdout!) {
    out += chunk;
    const m = /listening (\d+)/.exec(out);
    if (m) return { child, port: Number(m[1]) };
  }
  throw new Error(`the chdb HTTP server exited before listening: ${out}`);
}

describe('remote mode over HTTP on loopback', () => {
  let server: { child: ChildProcess; port: number };
  // made here: an after() registered inside before() runs as soon as before() ends
  const dir = tempDir({ after });
  const user = 'flowtel';
  const password = 'secret';

  before(async () => {
    server = await startServer(`${dir}/server`, user, password);
  });
  after(async () => {
    server?.child.kill('SIGTERM');
    if (server && server.child.exitCode === null) await once(server.child, 'exit');
  });

  for (const compress of ['none', 'gzip', 'lz4', 'zstd'] as const) {
    test(`creates the schema and inserts every signal (compress: ${compress})`, async () => {
      const database = `remote_${compress}`;
      const raw = { endpoint: `http://127.0.0.1:${server.port}`, database, username: user, password, compress };
      const cfg = configSchema.parse(raw);
      const exporter = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['traces', 'metrics', 'logs']);
      await exporter.open();
      try {
        await exporter.write(batchOf('traces', sampleTraces(), 3));
        await exporter.write(batchOf('logs', sampleLogs(), 2));
        await exporter.write(batchOf('metrics', sampleMetrics(), 5));
      } finally {
        await exporter.close();
      }
      const client = new HttpClient({ url: cfg.endpoint, username: user, password, database });
      const counts = await rowsOf(
        client,
        `SELECT (SELECT count() FROM otel_traces) AS spans, (SELECT count() FROM otel_logs) AS logs,
           (SELECT count() FROM otel_metrics_sum) AS sums, (SELECT count() FROM otel_metrics_exp_histogram) AS exp,
           (SELECT groupArray(SpanName) FROM (SELECT SpanName FROM otel_traces ORDER BY SpanName)) AS names,
           (SELECT any(EventName) FROM otel_logs WHERE EventName != '') AS event`,
      );
      const spans = sampleTraces().resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
      assert.equal(Number(counts[0].spans), spans.length);
      assert.deepEqual(counts[0].names, spans.map((s) => s.name).sort());
      assert.equal(Number(counts[0].logs), 2);
      assert.equal(Number(counts[0].sums), 1);
      assert.equal(Number(counts[0].exp), 1);
      assert.equal(counts[0].event, 'payment.failure');
      const table = await runQuery(raw, { services: true }, 'json');
      const services = JSON.parse(table) as Array<{ service: string; errors: string | number }>;
      assert.deepEqual(services.map((s) => s.service).sort(), ['checkout', 'payments']);
      assert.equal(
        Number(services.find((s) => s.service === 'checkout')?.errors),
        1,
        'the span with status Error counts',
      );
    });
  }

  test('SmartEncoding ids and their dictionary go over HTTP too, and tag names are queried back', async (t) => {
    // The DICTIONARY objects read their table as the exporter's user. chdb's engine knows only
    // `default` and cannot create users, so this server asks for no credentials.
    const open = await startServer(`${dir}/open-server`, '', '');
    t.after(async () => {
      open.child.kill('SIGTERM');
      if (open.child.exitCode === null) await once(open.child, 'exit');
    });
    const raw = { endpoint: `http://127.0.0.1:${open.port}`, database: 'remote_smartencoding', compress: 'lz4' };
    const encoder = smartencoding.createProcessor(
      testSettings('smartencoding/remote', 'processor', dir),
      smartencoding.configSchema.parse({ directory: './remote-dictionary' }),
      'traces',
      'traces',
    ) as unknown as { start(host: Host): Promise<void>; shutdown(): Promise<void>; process(batch: Batch): void };
    const host = testHost();
    await encoder.start(host);
    const exporter = createStore(
      testSettings('clickhouse', 'exporter', dir),
      configSchema.parse(raw),
      ['traces'],
      (name) => host.shared.lookup(TAG_DICTIONARY, name),
    );
    await exporter.open();
    try {
      const batch = batchOf('traces', sampleTraces(), 3);
      encoder.process(batch);
      await exporter.write(batch);
    } finally {
      await exporter.close();
      await encoder.shutdown();
    }
    // the fixtures' resources name their hosts; the dictionary has them, the rows only ids
    const hosts = sampleTraces().resourceSpans.map(
      (rs) => rs.resource.attributes.find((kv) => kv.key === 'host.name')?.value,
    );
    const expected = hosts.flatMap((v, i) =>
      v && 'stringValue' in v
        ? Array(sampleTraces().resourceSpans[i].scopeSpans.flatMap((ss) => ss.spans).length).fill(v.stringValue)
        : [],
    );
    const out = JSON.parse(
      await runQuery(raw, 'SELECT host FROM otel_traces WHERE host_id != 0 ORDER BY host', 'json'),
    ) as Array<{ host: string }>;
    assert.deepEqual(
      out.map((r) => r.host),
      expected.sort(),
    );
    assert.ok(expected.length > 0, 'the fixtures carry host names');
  });

  test('wrong credentials fail start; malformed data is a permanent error, a missing table a retryable one', async () => {
    const cfg = configSchema.parse({ endpoint: `http://127.0.0.1:${server.port}`, username: user, password: 'wrong' });
    const exporter = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['traces']);
    await assert.rejects(
      exporter.open(),
      (err: ClickHouseError) => err.code === 516 && /Authentication failed/.test(err.message),
    );
    const client = new HttpClient({ url: cfg.endpoint, username: user, password });
    await client.query('CREATE DATABASE IF NOT EXISTS bad');
    await client.query('CREATE TABLE IF NOT EXISTS bad.t (x UInt8) ENGINE = MergeTree ORDER BY x');
    // a Native block that promises two rows of column x and carries one
    const truncated = Buffer.from([1, 2, 1, 0x78, 5, ...Buffer.from('UInt8'), 7]);
    await assert.rejects(client.insertRaw('INSERT INTO bad.t (x) FORMAT Native', truncated), (err: ClickHouseError) =>
      isPermanent(err),
    );
    await assert.rejects(
      client.insertRaw('INSERT INTO bad.nope (x) FORMAT Native', truncated),
      (err: ClickHouseError) => err.code === 60 && !isPermanent(err),
    );
  });

  test('without create_schema, a server away at start delays the column check to the first logs batch', async () => {
    const away = createStore(
      testSettings('clickhouse', 'exporter', dir),
      configSchema.parse({ endpoint: 'http://127.0.0.1:1', create_schema: false }),
      ['logs'],
    );
    await away.open();
    await assert.rejects(
      away.write(batchOf('logs', sampleLogs(), 2)),
      (err: Error & { retryable?: boolean }) => err.retryable === true && /cannot read the columns/.test(err.message),
    );
    await away.close();
  });

  test('the factory builds a queued exporter from config that starts and stops twice', async () => {
    const cfg = configSchema.parse({
      endpoint: `http://127.0.0.1:${server.port}`,
      database: 'lifecycle',
      username: user,
      password,
    });
    const exporter = factory.createExporter(testSettings('clickhouse', 'exporter', dir), cfg, ['traces']);
    await exporter.start(testHost());
    await exporter.consume(batchOf('traces', sampleTraces(), 3));
    await exporter.shutdown();
    await exporter.shutdown();
    const client = new HttpClient({ url: cfg.endpoint, username: user, password, database: 'lifecycle' });
    const [row] = await rowsOf(client, 'SELECT count() AS n FROM otel_traces');
    assert.equal(Number(row.n), 3, 'shutdown drained the queue into the table');
  });
});
