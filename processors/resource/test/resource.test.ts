// The resource processor's examples from otelcol-contrib (README and testdata/config.yaml), with
// the outcomes their comments state, and JS SDK spans through otlp -> resource -> file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { firstValueFrom, of, toArray } from 'rxjs';
import { Ack, type Batch, type ClientInfo, type MetricsBatch } from '@flowtel/core';
import { attr, getAttr, type KeyValue, type Metrics, newResource } from '@flowtel/pdata';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, testSettings, waitFor } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';
import { factory } from '../src/index.ts';

const plain = (attrs: KeyValue[]) => Object.fromEntries(attrs.map((kv) => [kv.key, getAttr(attrs, kv.key)]));

async function resourceAfter(config: unknown, attrs: KeyValue[], client?: ClientInfo) {
  const p = factory.createProcessor(
    testSettings('resource', 'processor'),
    factory.configSchema.parse(config),
    'metrics',
    'metrics',
  );
  const data: Metrics = { resourceMetrics: [{ resource: newResource(attrs), scopeMetrics: [], schemaUrl: '' }] };
  const batch = { signal: 'metrics', data, items: 0, ack: Ack.none(), client } as Batch;
  const [out] = await firstValueFrom(of(batch).pipe(p.operator(), toArray()));
  return plain((out as MetricsBatch).data.resourceMetrics[0].resource.attributes);
}

const README = {
  attributes: [
    { key: 'cloud.availability_zone', value: 'zone-1', action: 'upsert' },
    { key: 'k8s.cluster.name', from_attribute: 'k8s-cluster', action: 'insert' },
    { key: 'redundant-attribute', action: 'delete' },
  ],
};

test('README: zone set whatever it was, the cluster name copied when there is one, the redundant attribute gone', async () => {
  assert.deepEqual(
    await resourceAfter(README, [
      attr('cloud.availability_zone', 'zone-9'),
      attr('k8s-cluster', 'prod-eu'),
      attr('redundant-attribute', 'x'),
    ]),
    { 'cloud.availability_zone': 'zone-1', 'k8s-cluster': 'prod-eu', 'k8s.cluster.name': 'prod-eu' },
  );
  // "nothing happens if k8s-cluster not found"
  assert.deepEqual(await resourceAfter(README, [attr('host.name', 'h')]), {
    'host.name': 'h',
    'cloud.availability_zone': 'zone-1',
  });
});

test('testdata with_defaults: an unset variable, a missing attribute, missing metadata all take the default', async () => {
  // `${DEPLOYMENT_ENV}` unset expands to an empty string, as otelcol's confmap expands it
  const config = {
    attributes: [
      { key: 'deployment.environment', value: '', default_value: 'development', action: 'upsert' },
      { key: 'service.namespace', from_attribute: 'namespace', default_value: 'default', action: 'insert' },
      { key: 'cloud.region', from_context: 'metadata.region', default_value: 'us-east-1', action: 'upsert' },
    ],
  };
  assert.deepEqual(await resourceAfter(config, []), {
    'deployment.environment': 'development',
    'service.namespace': 'default',
    'cloud.region': 'us-east-1',
  });
  const set = structuredClone(config);
  set.attributes[0].value = 'staging';
  assert.deepEqual(await resourceAfter(set, [attr('namespace', 'shop')], { metadata: { region: ['eu-west-3'] } }), {
    namespace: 'shop',
    'deployment.environment': 'staging',
    'service.namespace': 'shop',
    'cloud.region': 'eu-west-3',
  });
});

test('testdata resource/empty: at least one action is required', () => {
  const r = factory.configSchema.safeParse({});
  assert.equal(r.error?.issues[0].message, 'missing required field "attributes"');
});

test('JS SDK spans through otlp -> resource -> file', { timeout: 300_000 }, async (t) => {
  const grpc = await freePort();
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-resource-')), 'spans.jsonl');
  await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  resource:
    attributes:
    - {key: cloud.availability_zone, value: zone-1, action: upsert}
    - {key: k8s.cluster.name, from_attribute: k8s-cluster, action: insert}
    - {key: redundant-attribute, action: delete}
exporters:
  file: {path: ${out}}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [resource], exporters: [file]}
`,
    grpc,
  );
  const provider = sdkTracerProvider(grpc, {
    'service.name': 'svc',
    'k8s-cluster': 'prod-eu',
    'redundant-attribute': 'x',
  });
  provider.getTracer('test').startSpan('op').end();
  await provider.forceFlush();
  await provider.shutdown();
  const resource = await waitFor(
    'the span in the file',
    async () => {
      const line = (() => {
        try {
          return readFileSync(out, 'utf8').split('\n')[0];
        } catch {
          return '';
        }
      })();
      return line ? JSON.parse(line).resourceSpans[0].resource : undefined;
    },
    CONDITION_TIMEOUT_MS,
  );
  const attrs = Object.fromEntries(
    (resource.attributes as { key: string; value: Record<string, unknown> }[]).map((kv) => [
      kv.key,
      Object.values(kv.value)[0],
    ]),
  );
  assert.equal(attrs['cloud.availability_zone'], 'zone-1');
  assert.equal(attrs['k8s.cluster.name'], 'prod-eu');
  assert.equal(attrs['service.name'], 'svc');
  assert.equal('redundant-attribute' in attrs, false);
});
