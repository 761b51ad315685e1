// A real collector (the flowtel CLI in a child process) receives OTLP over HTTP and stores it in
// the embedded engine; `flowtel query` (the CLI and runQuery) reads it back while the collector
// runs and after it stops.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, postOtlpJson, runCli, startCollector, waitFor, waitForOutput } from '@flowtel/testkit';
import { tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import { runQuery } from '@flowtel/clickhouse';

test('a collector stores OTLP traces and logs in the embedded store, and they are queried back', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  clickhouse:
    endpoint: chdb://./store
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [clickhouse]
    logs:
      receivers: [otlp]
      exporters: [clickhouse]
`,
  );
  const collector = startCollector(config);
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready', 60_000);

  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = '5b8efff798038103d269b633813fc60c';
  const spans = [
    {
      traceId,
      spanId: 'eee19b7ec3c1b174',
      name: 'GET /orders',
      kind: 2,
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 4_000_000n),
      status: { code: 2, message: 'boom' },
    },
    {
      traceId,
      spanId: 'eee19b7ec3c1b175',
      parentSpanId: 'eee19b7ec3c1b174',
      name: 'SELECT orders',
      kind: 3,
      startTimeUnixNano: String(now + 1000n),
      endTimeUnixNano: String(now + 2_000_000n),
    },
  ];
  const traces = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans }],
      },
    ],
  };
  const logs = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
        scopeLogs: [
          {
            scope: { name: 'test' },
            logRecords: [{ timeUnixNano: String(now), severityText: 'WARN', body: { stringValue: 'slow query' } }],
          },
        ],
      },
    ],
  };
  await postOtlpJson(port, [
    ['/v1/traces', traces],
    ['/v1/logs', logs],
  ]);

  const raw = { endpoint: 'chdb://./store' };
  const stored = await waitFor(
    'the spans in otel_traces',
    async () => {
      const out = await runQuery(
        raw,
        'SELECT SpanName, StatusCode, ParentSpanId FROM otel_traces ORDER BY SpanName',
        'json',
        { configDir: dir },
      ).catch(() => '[]');
      const rows = JSON.parse(out) as Array<{ SpanName: string; StatusCode: string; ParentSpanId: string }>;
      return rows.length === spans.length ? rows : undefined;
    },
    90_000,
    200,
  );
  assert.deepEqual(stored, [
    { SpanName: 'GET /orders', StatusCode: 'Error', ParentSpanId: '' },
    { SpanName: 'SELECT orders', StatusCode: 'Unset', ParentSpanId: 'eee19b7ec3c1b174' },
  ]);
  const cli = await runCli(['query', '--config', config, '--format', 'csv', 'SELECT count() AS n FROM otel_traces']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stdout, `n\n${spans.length}\n`, '`flowtel query` reaches the running collector');
  const services = JSON.parse(await runQuery(raw, { services: true }, 'json', { configDir: dir })) as Array<{
    service: string;
    requests: string | number;
    errors: string | number;
  }>;
  assert.deepEqual(
    services.map((s) => [s.service, Number(s.requests), Number(s.errors)]),
    [['orders', 1, 1]],
  );

  assert.equal(await collector.stop(), 0, collector.output());
  const afterStop = await runQuery(raw, 'SELECT Body, SeverityText FROM otel_logs', 'csv', { configDir: dir });
  assert.equal(afterStop, 'Body,SeverityText\nslow query,WARN\n');
  const tree = (await runCli(['query', '--config', config, '--trace', traceId])).stdout;
  assert.match(tree, /0 {2}GET \/orders\s+orders\s+Server\s+Error/);
  assert.match(tree, /1 {4}SELECT orders\s+orders\s+Client\s+Unset/);
});
