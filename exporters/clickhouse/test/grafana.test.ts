// The embedded store read the way Grafana reads it: a real collector fills the store through its
// pipeline (OTLP traces and logs; a recorded HTTP capture through pcap and l7 into the request
// log; the servicegraph connector's edges into the metrics tables) and serves http_interface;
// ClickHouse's own JS client (@clickhouse/client) logs in, reads the rows, and is refused every
// write. Then every panel of examples/grafana runs its SQL, macros expanded as the Grafana
// ClickHouse plugin expands them, and must return rows.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import {
  freePort,
  postOtlpJson,
  REPO_ROOT,
  startCollector,
  waitFor,
  waitForOutput,
  waitForPort,
} from '@flowtel/testkit';
import { tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import { configSchema } from '../src/config.ts';

const CAPTURE = join(REPO_ROOT, 'packages', 'collector', 'testdata', 'captures', 'http-keepalive-lo.pcapng');
const DASHBOARDS = join(REPO_ROOT, 'examples', 'grafana');

/** The plugin's macros for a dashboard range [from, to] (seconds) and an interval. */
function expandMacros(sql: string, from: number, to: number, intervalS: number): string {
  return sql
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, c: string) => `${c} >= toDateTime(${from}) AND ${c} <= toDateTime(${to})`,
    )
    .replace(
      /\$__timeInterval\(([^)]+)\)/g,
      (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalS} second)`,
    )
    .replace(/\$__interval_s/g, String(intervalS))
    .replace(/\$__fromTime/g, `toDateTime(${from})`)
    .replace(/\$__toTime/g, `toDateTime(${to})`);
}

test('http_interface: refused without credentials, on a remote store, or with a bad endpoint', () => {
  const problem = (raw: Record<string, unknown>) =>
    configSchema.safeParse({ endpoint: 'chdb://./store', ...raw }).error?.issues[0]?.message ?? '';
  assert.match(problem({ http_interface: { enabled: true } }), /needs username and password/);
  assert.match(
    problem({ endpoint: 'http://ch:8123', http_interface: { enabled: true, username: 'u', password: 'p' } }),
    /serves the embedded store/,
  );
  assert.match(problem({ http_interface: { endpoint: 'localhost' } }), /must be host:port/);
  const parsed = configSchema.parse({ endpoint: 'chdb://./store' });
  assert.deepEqual(parsed.http_interface, { enabled: false, endpoint: 'localhost:8123', username: '', password: '' });
});

test('Grafana reads what the pipeline stored: @clickhouse/client through http_interface, read-only, and every dashboard panel returns rows', async (t) => {
  const dir = tempDir(t);
  const otlpPort = await freePort();
  const readPort = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
  pcap:
    file: ${CAPTURE}
    perspective: server
processors:
  l7: {}
connectors:
  servicegraph:
    metrics_flush_interval: 1s
exporters:
  clickhouse:
    endpoint: chdb://./store
    http_interface:
      enabled: true
      endpoint: 127.0.0.1:${readPort}
      username: grafana
      password: gr4fana-s3cret
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [clickhouse, servicegraph]
    logs:
      receivers: [otlp]
      exporters: [clickhouse]
    logs/requests:
      receivers: [pcap]
      processors: [l7]
      exporters: [clickhouse]
    metrics:
      receivers: [servicegraph]
      exporters: [clickhouse]
`,
  );
  const collector = startCollector(config);
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready', 90_000);
  await waitForPort(readPort, '127.0.0.1', 60_000);

  // a client span of "frontend" and the server span of "orders" it called, and a log record
  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = '5b8efff798038103d269b633813fc60c';
  const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });
  const span = (spanId: string, parentSpanId: string, name: string, kind: number, status = 0) => ({
    traceId,
    spanId,
    parentSpanId,
    name,
    kind,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 3_000_000n),
    status: { code: status },
  });
  const traces = {
    resourceSpans: [
      {
        resource: resource('frontend'),
        scopeSpans: [{ scope: { name: 't' }, spans: [span('a1a1a1a1a1a1a1a1', '', 'GET /checkout', 3)] }],
      },
      {
        resource: resource('orders'),
        scopeSpans: [
          { scope: { name: 't' }, spans: [span('b2b2b2b2b2b2b2b2', 'a1a1a1a1a1a1a1a1', 'GET /orders', 2, 2)] },
        ],
      },
    ],
  };
  const logs = {
    resourceLogs: [
      {
        resource: resource('orders'),
        scopeLogs: [
          {
            scope: { name: 't' },
            logRecords: [
              {
                timeUnixNano: String(now),
                severityText: 'ERROR',
                severityNumber: 17,
                body: { stringValue: 'payment declined' },
              },
            ],
          },
        ],
      },
    ],
  };
  await postOtlpJson(otlpPort, [
    ['/v1/traces', traces],
    ['/v1/logs', logs],
  ]);

  const grafana: ClickHouseClient = createClient({
    url: `http://127.0.0.1:${readPort}`,
    username: 'grafana',
    password: 'gr4fana-s3cret',
    request_timeout: 60_000,
  });
  t.after(() => grafana.close());
  const rows = async <T>(query: string) =>
    (await (await grafana.query({ query, format: 'JSONEachRow' })).json()) as T[];

  // every table filled by the pipeline (the connector flushes each second)
  await waitFor(
    'spans, logs, request log and service graph in the store',
    async () => {
      const counts = await rows<{ t: string; n: string }>(
        `SELECT 'traces' AS t, count() AS n FROM otel.otel_traces UNION ALL SELECT 'logs', count() FROM otel.otel_logs
         UNION ALL SELECT 'l7', count() FROM otel.l7_flow_log
         UNION ALL SELECT 'graph', count() FROM otel.otel_metrics_sum WHERE MetricName = 'traces_service_graph_request_total'`,
      ).catch(() => []);
      return counts.length === 4 && counts.every((c) => Number(c.n) > 0);
    },
    90_000,
    500,
  );
  assert.deepEqual(await rows('SELECT ServiceName, SpanName, StatusCode FROM otel.otel_traces ORDER BY ServiceName'), [
    { ServiceName: 'frontend', SpanName: 'GET /checkout', StatusCode: 'Unset' },
    { ServiceName: 'orders', SpanName: 'GET /orders', StatusCode: 'Error' },
  ]);
  assert.deepEqual(await rows('SELECT Body, SeverityText FROM otel.otel_logs'), [
    { Body: 'payment declined', SeverityText: 'ERROR' },
  ]);

  // writes, DDL, several statements and reads past the store are refused; nothing changed
  const refused = async (query: string) => {
    const err = (await grafana.command({ query }).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: string; message?: string } | undefined;
    assert.ok(err, `${query} was not refused`);
    assert.equal(err.code, '164', `${query}: ${err.message}`);
  };
  await refused(`INSERT INTO otel.otel_logs (Body) VALUES ('forged')`);
  await refused('ALTER TABLE otel.otel_logs DELETE WHERE 1');
  await refused('DROP TABLE otel.otel_logs');
  await refused('TRUNCATE TABLE otel.otel_traces');
  await refused('SELECT 1; DROP TABLE otel.otel_logs');
  await refused(`SELECT * FROM file('/etc/passwd', 'LineAsString')`);
  await refused(`SELECT * FROM otel.otel_logs INTO OUTFILE '/tmp/flowtel-out.tsv'`);
  await assert.rejects(
    grafana.insert({ table: 'otel.otel_logs', values: [{ Body: 'forged' }], format: 'JSONEachRow' }),
    (e: { code?: string }) => e.code === '164',
  );
  const stranger = createClient({ url: `http://127.0.0.1:${readPort}`, username: 'grafana', password: 'wrong' });
  t.after(() => stranger.close());
  await assert.rejects(stranger.query({ query: 'SELECT 1' }), (e: { code?: string }) => e.code === '516');
  const [{ n }] = await rows<{ n: string | number }>('SELECT count() AS n FROM otel.otel_logs');
  assert.equal(Number(n), 1, 'the refused writes changed nothing');

  // every panel of every dashboard, over a range that holds the capture (recorded earlier) and now
  const [{ first }] = await rows<{ first: string }>('SELECT toUnixTimestamp(min(time)) AS first FROM otel.l7_flow_log');
  const from = Number(first) - 3600;
  const to = Math.ceil(Date.now() / 1000) + 3600;
  const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files.sort(), [
    'flowtel-logs.json',
    'flowtel-requests-red.json',
    'flowtel-service-map.json',
    'flowtel-traces.json',
  ]);
  let panels = 0;
  for (const file of files) {
    const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ rawSql: string }> }>;
    };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const sql = expandMacros(target.rawSql, from, to, 60);
        assert.doesNotMatch(sql, /\$__/, `${file} / ${panel.title}: a macro left unexpanded`);
        const got = await rows(sql).catch((err: Error) => assert.fail(`${file} / ${panel.title}: ${err.message}`));
        assert.ok(got.length > 0, `${file} / ${panel.title}: no rows`);
        panels++;
      }
    }
  }
  assert.ok(panels >= 14, `${panels} panels`);
});
