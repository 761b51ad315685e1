// The OpenTelemetry JS SDK as the client: spans of one service, each with a `tenant` attribute,
// over OTLP/gRPC through `otlp -> groupbyattrs -> file` in a flowtel child process; the file
// holds one resource per tenant, the tenant moved from the spans to it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, spansInFile, waitFor } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';

interface JsonKv {
  key: string;
  value: Record<string, unknown>;
}
const plain = (a: JsonKv[] = []) => Object.fromEntries(a.map((kv) => [kv.key, Object.values(kv.value)[0]]));

test('JS SDK spans through otlp -> batch -> groupbyattrs (keys: [tenant]) -> file', { timeout: 300_000 }, async (t) => {
  const grpc = await freePort();
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-groupbyattrs-')), 'spans.jsonl');
  await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  batch: {send_batch_size: 3, timeout: 60s}
  groupbyattrs:
    keys: [tenant]
exporters:
  file: {path: ${out}}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [batch, groupbyattrs], exporters: [file]}
`,
    grpc,
  );

  const provider = sdkTracerProvider(grpc, { 'service.name': 'shop' });
  const tracer = provider.getTracer('test');
  for (const [name, tenant] of [
    ['a', 'acme'],
    ['b', 'globex'],
    ['c', 'acme'],
  ]) {
    tracer.startSpan(name, { attributes: { tenant, 'http.route': '/buy' } }).end();
  }
  await provider.forceFlush();
  await provider.shutdown();

  await waitFor('the three spans in the file', async () => spansInFile(out).length >= 3, CONDITION_TIMEOUT_MS);
  const resources = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => JSON.parse(l).resourceSpans)
    .map(
      (rs: {
        resource: { attributes: JsonKv[] };
        scopeSpans: { spans: { name: string; attributes: JsonKv[] }[] }[];
      }) => ({
        tenant: plain(rs.resource.attributes).tenant,
        service: plain(rs.resource.attributes)['service.name'],
        spans: rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => [s.name, plain(s.attributes)])),
      }),
    );
  assert.deepEqual(resources, [
    {
      tenant: 'acme',
      service: 'shop',
      spans: [
        ['a', { 'http.route': '/buy' }],
        ['c', { 'http.route': '/buy' }],
      ],
    },
    { tenant: 'globex', service: 'shop', spans: [['b', { 'http.route': '/buy' }]] },
  ]);
});
