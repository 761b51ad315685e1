// End to end: a collector (the flowtel CLI in a child process) with smartencoding in front of
// the embedded ClickHouse store takes OTLP/HTTP from pods, and `flowtel query` with tag names
// answers with the pods' names, the named views with the services'.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, runCli, startCollector, waitFor, waitForOutput } from '@flowtel/testkit';
import { tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import { runQuery } from '@flowtel/clickhouse';

const PODS = [
  { pod: 'checkout-7d9f-abcde', ns: 'shop', service: 'checkout', spans: 3 },
  { pod: 'checkout-7d9f-fghij', ns: 'shop', service: 'checkout', spans: 2 },
  { pod: 'cart-0', ns: 'shop', service: 'cart', spans: 1 },
  { pod: 'checkout-5c4b-zzzzz', ns: 'staging', service: 'checkout', spans: 4 },
];

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const spanIdOf = (n: number) => `10000000000000${n.toString(16).padStart(2, '0')}`;

test('OTLP from pods through smartencoding into ClickHouse, queried back by tag name', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const config = join(dir, 'config.yaml');
  // keep: [] takes service.name off the records too: the views then read it from the dictionary
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  smartencoding:
    directory: ./dictionary
    keep: []
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
      processors: [smartencoding]
      exporters: [clickhouse]
`,
  );
  const collector = startCollector(config);
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready', 60_000);

  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = '5b8efff798038103d269b633813fc60c';
  let spanNo = 0;
  const resourceSpans = PODS.map((p) => ({
    resource: {
      attributes: [
        str('service.name', p.service),
        str('k8s.pod.name', p.pod),
        str('k8s.pod.uid', `uid-${p.pod}-${p.ns}`),
        str('k8s.namespace.name', p.ns),
        str('k8s.node.name', 'node-1'),
        str('k8s.deployment.name', p.service),
      ],
    },
    scopeSpans: [
      {
        scope: { name: 'test' },
        spans: Array.from({ length: p.spans }, () => {
          const n = spanNo++;
          return {
            traceId,
            spanId: spanIdOf(n),
            // the first span is the root, every other its child
            ...(n > 0 ? { parentSpanId: spanIdOf(0) } : {}),
            name: `GET /${p.service}`,
            kind: 2,
            startTimeUnixNano: String(now + BigInt(n) * 1000n),
            endTimeUnixNano: String(now + BigInt(n) * 1000n + 2_000_000n),
          };
        }),
      },
    ],
  }));
  const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans }),
  });
  assert.equal(res.status, 200, await res.text());

  const total = PODS.reduce((n, p) => n + p.spans, 0);
  await waitFor(
    'the spans in otel_traces',
    async () => {
      const out = await runQuery({ endpoint: 'chdb://./store' }, 'SELECT count() AS n FROM otel_traces', 'json', {
        configDir: dir,
      }).catch(() => '[]');
      const rows = JSON.parse(out) as Array<{ n: string }>;
      return Number(rows[0]?.n) === total ? true : undefined;
    },
    90_000,
    200,
  );

  const cli = await runCli([
    'query',
    '--config',
    config,
    '--format',
    'csv',
    "SELECT pod, namespace, pod_group, count() AS n FROM otel_traces WHERE namespace = 'shop' AND pod LIKE 'checkout-%' GROUP BY pod, namespace, pod_group ORDER BY pod",
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  const expected = PODS.filter((p) => p.ns === 'shop' && p.pod.startsWith('checkout-'))
    .sort((a, b) => a.pod.localeCompare(b.pod))
    .map((p) => `${p.pod},${p.ns},${p.service},${p.spans}`);
  assert.equal(cli.stdout, ['pod,namespace,pod_group,n', ...expected, ''].join('\n'));

  const raw = await runCli([
    'query',
    '--config',
    config,
    '--format',
    'csv',
    "SELECT count() AS n FROM otel_traces WHERE ServiceName = '' AND NOT mapContains(ResourceAttributes, 'k8s.pod.name')",
  ]);
  assert.equal(raw.stdout, `n\n${total}\n`, 'the tags live in the dictionary only');

  const services = await runCli(['query', '--config', config, '--format', 'csv', '--services']);
  assert.equal(services.code, 0, services.stderr);
  const perService = services.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').slice(0, 2).join(','));
  assert.deepEqual(perService, ['checkout,9', 'cart,1']);

  const tree = await runCli(['query', '--config', config, '--trace', traceId]);
  assert.equal(tree.code, 0, tree.stderr);
  assert.match(tree.stdout, /^ +0 {2}GET \/checkout\s+checkout\s+Server/m, 'the root, named by the dictionary');
  assert.match(tree.stdout, /^ +1 {4}GET \/cart\s+cart\s+Server/m);
  assert.equal(await collector.stop(), 0, collector.output());
});
