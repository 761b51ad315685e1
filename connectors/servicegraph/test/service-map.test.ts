// `flowtel query --service-map` over a real collector: OTLP/JSON spans of two services into
// `otlp -> servicegraph -> clickhouse` (the embedded store), then the CLI prints the edges as a
// table, JSON, DOT and Mermaid. p50 and p99 follow Prometheus's histogram_quantile over the
// default buckets, worked out by hand below.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runQuery } from '@flowtel/clickhouse';
import { freePort, runCli, startCollector, waitFor, waitForOutput } from '@flowtel/testkit';

const LOADED_MS = 90_000;

test(
  'flowtel query --service-map: the edges the servicegraph metrics in the store describe',
  { timeout: 600_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtel-service-map-'));
    const port = await freePort();
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}
connectors:
  servicegraph:
    metrics_flush_interval: 500ms
exporters:
  clickhouse:
    endpoint: chdb://./store
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [servicegraph]}
    metrics: {receivers: [servicegraph], exporters: [clickhouse]}
`,
    );
    const collector = startCollector(config);
    t.after(async () => {
      await collector.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await waitForOutput(collector, 'Everything is ready', LOADED_MS);

    const now = BigInt(Date.now()) * 1_000_000n;
    const ms = (n: number) => String(now + BigInt(n) * 1_000_000n);
    const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
    const web: unknown[] = [];
    const api: unknown[] = [];
    // web calls api four times: server spans of 30, 30, 30 and 700 ms (the last failed)
    [30, 30, 30, 700].forEach((d, i) => {
      const traceId = hex(i + 1, 32);
      web.push({
        traceId,
        spanId: hex(0x100 + i, 16),
        name: 'GET /api',
        kind: 3,
        startTimeUnixNano: ms(0),
        endTimeUnixNano: ms(d + 10),
      });
      api.push({
        traceId,
        spanId: hex(0x200 + i, 16),
        parentSpanId: hex(0x100 + i, 16),
        name: 'GET /api',
        kind: 2,
        startTimeUnixNano: ms(5),
        endTimeUnixNano: ms(5 + d),
        status: d === 700 ? { code: 2 } : {},
      });
    });
    // and its database once, 3 ms
    web.push({
      traceId: hex(9, 32),
      spanId: hex(0x300, 16),
      name: 'SELECT orders',
      kind: 3,
      startTimeUnixNano: ms(0),
      endTimeUnixNano: ms(3),
      attributes: [{ key: 'db.name', value: { stringValue: 'orders' } }],
    });
    const resource = (name: string, spans: unknown[]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
      scopeSpans: [{ scope: {}, spans }],
    });
    const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [resource('web', web), resource('api', api)] }),
    });
    assert.equal(res.status, 200, await res.text());

    const clickhouse = { endpoint: 'chdb://./store' };
    const query = (...args: string[]) => runCli(['query', '--config', config, '--service-map', ...args]);
    let last = '';
    const edges = await waitFor(
      'both edges with their requests in the store',
      async () => {
        // in process: a CLI per poll would load the machine it waits on
        last = await runQuery(clickhouse, { serviceMap: true }, 'json', { configDir: dir }).catch(String);
        if (!last.startsWith('[')) return undefined;
        const rows = JSON.parse(last) as Array<Record<string, unknown>>;
        return rows.length === 2 && rows[0].requests === 4 && rows;
      },
      LOADED_MS,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the last answer: ${last}`);
    });
    // p50 of [30, 30, 30, 700] ms: rank 2 of 4 in (10, 50] ms holding 3: 10 + 40 * 2/3; p99: rank 3.96
    // in (400, 800] holding 1 after 3: 400 + 400 * 0.96. The database's 3 ms: (2, 4] ms, 2 + 2 * q.
    assert.deepEqual(edges, [
      { client: 'web', server: 'api', connection_type: '', requests: 4, errors: 1, p50_ms: 36.667, p99_ms: 784 },
      { client: 'web', server: 'orders', connection_type: 'database', requests: 1, errors: 0, p50_ms: 3, p99_ms: 3.98 },
    ]);
    const tableOut = await query();
    assert.equal(tableOut.code, 0, tableOut.stderr);
    assert.match(tableOut.stdout, /^client\s+server\s+connection_type\s+requests\s+errors\s+p50_ms\s+p99_ms$/m);
    assert.match(tableOut.stdout, /^web\s+api\s+4\s+1\s+36\.667\s+784$/m);
    const dot = await query('--format', 'dot');
    assert.equal(
      dot.stdout,
      `digraph service_map {
  rankdir=LR;
  node [shape=box];
  "web" -> "api" [label="4 req, 1 err, p50 36.667 ms, p99 784 ms"];
  "web" -> "orders" [label="1 req, 0 err, p50 3 ms, p99 3.98 ms"];
}
`,
    );
    const mermaid = await query('--format', 'mermaid');
    assert.equal(
      mermaid.stdout,
      `flowchart LR
  n0["web"] -->|"4 req, 1 err, p50 36.667 ms, p99 784 ms"| n1["api"]
  n0 -->|"1 req, 0 err, p50 3 ms, p99 3.98 ms"| n2["orders"]
`,
    );
    const wrong = await runCli(['query', '--config', config, '--format', 'dot', 'SELECT 1']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--format dot draws the service map: use it with --service-map/);
  },
);
