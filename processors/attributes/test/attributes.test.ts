// The attributes processor's examples from otelcol-contrib: the README sample and the cases
// contrib's testdata/config.yaml describes in its comments, with the outcomes those comments
// state. Expected values come from the docs; hashes from sha256sum.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogsBatch, MetricsBatch, TracesBatch } from '@flowtel/core';
import { factory } from '../src/index.ts';
import { gaugeAndHistogram, logs, plain, run, spansOf, traces } from './helpers.ts';

const README_SAMPLE = {
  actions: [
    { key: 'db.table', action: 'delete' },
    { key: 'redacted_span', value: true, action: 'upsert' },
    { key: 'copy_key', from_attribute: 'key_original', action: 'update' },
    { key: 'account_id', value: 2245, action: 'insert' },
    { key: 'account_password', action: 'delete' },
    { key: 'account_email', action: 'hash' },
    { key: 'http.status_code', action: 'convert', converted_type: 'int' },
    { key: 'region', from_attribute: 'cloud.region', default_value: 'us-east-1', action: 'insert' },
    { key: 'tenant_id', from_context: 'metadata.tenant', default_value: 'default-tenant', action: 'upsert' },
  ],
};
const BEFORE = {
  'db.table': 'users',
  copy_key: 'old',
  key_original: 'orig',
  account_password: 'pw',
  account_email: 'a@b.c',
  'http.status_code': '200',
};
const AFTER = {
  copy_key: 'orig',
  key_original: 'orig',
  account_email: 'd648b243a3e817eaa3309e00e183483f2867baadf522099f0c2121770536b25a',
  'http.status_code': 200n,
  redacted_span: true,
  account_id: 2245n,
  region: 'us-east-1',
  tenant_id: 't-7',
};
const client = { metadata: { tenant: ['t-7'] } };

test('README sample on spans, log records and every data point', async () => {
  const t = (await run(README_SAMPLE, { signal: 'traces', data: traces([{ attrs: BEFORE }]), client })) as TracesBatch;
  assert.deepEqual(plain(spansOf(t.data)[0].attributes), AFTER);

  const l = (await run(README_SAMPLE, {
    signal: 'logs',
    data: logs([{ attributes: traces([{ attrs: BEFORE }]).resourceSpans[0].scopeSpans[0].spans[0].attributes }]),
    client,
  })) as LogsBatch;
  assert.deepEqual(plain(l.data.resourceLogs[0].scopeLogs[0].logRecords[0].attributes), AFTER);

  const m = (await run(README_SAMPLE, {
    signal: 'metrics',
    data: gaugeAndHistogram('m', BEFORE),
    client,
  })) as MetricsBatch;
  const [gauge, hist] = m.data.resourceMetrics[0].scopeMetrics[0].metrics;
  assert.deepEqual(plain(gauge.gauge!.dataPoints[0].attributes), AFTER);
  assert.deepEqual(plain(hist.histogram!.dataPoints[0].attributes), AFTER);
});

const DELETE_CARD = [
  { key: 'credit_card', action: 'delete' },
  { key: 'duplicate_key', action: 'delete' },
];
// contrib's four example spans: Span<n> Name (the service) and Attributes
const FOUR = () =>
  traces([
    { service: 'svcB', attrs: { env: 'dev', test_request: 123, credit_card: 1234 } },
    { service: 'svcA', attrs: { env: 'dev', test_request: false } },
    { service: 'svcB', attrs: { env: 1, test_request: 'dev', credit_card: 1234 } },
    { service: 'svcC', attrs: { env: 'dev', test_request: false, credit_card: 1234 } },
  ]);
const processed = async (config: unknown, data = FOUR()) => {
  const out = (await run(config, { signal: 'traces', data })) as TracesBatch;
  // the actions delete credit_card: a span still holding one was skipped
  return spansOf(out.data).map((s) => !s.attributes.some((kv) => kv.key === 'credit_card'));
};

test('attributes/excludemulti: spans 1 and 2 match the exclude properties, 3 and 4 are processed', async () => {
  const config = {
    exclude: {
      match_type: 'strict',
      services: ['svcA', 'svcB'],
      attributes: [{ key: 'env', value: 'dev' }, { key: 'test_request' }],
    },
    actions: DELETE_CARD,
  };
  // span 2 has no credit_card to delete: check it by marking it
  const data = FOUR();
  spansOf(data)[1].attributes.push({ key: 'credit_card', value: { intValue: 1n } });
  assert.deepEqual(await processed(config, data), [false, false, true, true]);
});

test('attributes/includeservices: only services matching auth.* or login.* are processed', async () => {
  const config = { include: { match_type: 'regexp', services: ['auth.*', 'login.*'] }, actions: DELETE_CARD };
  const data = traces([
    { service: 'authentication', attrs: { credit_card: 1 } },
    { service: 'user-login', attrs: { credit_card: 1 } },
    { service: 'svcC', attrs: { credit_card: 1 } },
  ]);
  assert.deepEqual(await processed(config, data), [true, true, false]);
});

test('attributes/selectiveprocessing: include svcA/svcB, exclude redact_trace == false (the boolean)', async () => {
  const config = {
    include: { match_type: 'strict', services: ['svcA', 'svcB'] },
    exclude: { match_type: 'strict', attributes: [{ key: 'redact_trace', value: false }] },
    actions: DELETE_CARD,
  };
  const data = traces([
    { service: 'svcB', attrs: { env: 'production', test_request: 123, credit_card: 1234, redact_trace: 'false' } },
    { service: 'svcA', attrs: { env: 'staging', test_request: false, redact_trace: true, credit_card: 1 } },
    { service: 'svcB', attrs: { env: 'production', test_request: true, credit_card: 1234, redact_trace: false } },
    { service: 'svcC', attrs: { env: 'dev', test_request: false, credit_card: 1 } },
  ]);
  assert.deepEqual(await processed(config, data), [true, true, false, false]);
});

test('attributes/excluderesources and excludelibrary', async () => {
  const data = traces([
    { resource: { 'host.type': 'n1-standard-1' }, attrs: { credit_card: 1 }, scope: ['mongo-java-driver', '3.8.0'] },
    { resource: { 'host.type': 'n2' }, attrs: { credit_card: 1 }, scope: ['mongo-java-driver', ''] },
  ]);
  const resources = {
    exclude: { match_type: 'strict', resources: [{ key: 'host.type', value: 'n1-standard-1' }] },
    actions: DELETE_CARD,
  };
  assert.deepEqual(await processed(resources, structuredClone(data)), [false, true]);
  const library = {
    exclude: { match_type: 'strict', libraries: [{ name: 'mongo-java-driver', version: '3.8.0' }] },
    actions: DELETE_CARD,
  };
  assert.deepEqual(await processed(library, structuredClone(data)), [false, true]);
  // no version: any version matches; a blank version: only no version
  const anyVersion = {
    exclude: { match_type: 'strict', libraries: [{ name: 'mongo-java-driver' }] },
    actions: DELETE_CARD,
  };
  assert.deepEqual(await processed(anyVersion, structuredClone(data)), [false, false]);
  const blank = {
    exclude: { match_type: 'strict', libraries: [{ name: 'mongo-java-driver', version: '' }] },
    actions: DELETE_CARD,
  };
  assert.deepEqual(await processed(blank, structuredClone(data)), [true, false]);
});

test('attributes/complex: backfill, copy, delete, with the stated span attributes after the last action', async () => {
  const config = {
    actions: [
      { key: 'operation', value: 'default', action: 'insert' },
      { key: 'svc.operation', from_attribute: 'operation', action: 'upsert' },
      { key: 'operation', action: 'delete' },
    ],
  };
  const data = traces([
    { attrs: { timeout: 10, 'svc.operation': 'addition', operation: 'addition' } },
    { attrs: { operation: 'subtract', math_value: 123 } },
    { attrs: { timeout: 10, math_value: 4 } },
    { attrs: { 'svc.operation': 'division', timeout: 3 } },
  ]);
  const out = (await run(config, { signal: 'traces', data })) as TracesBatch;
  assert.deepEqual(
    spansOf(out.data).map((s) => plain(s.attributes)),
    [
      { timeout: 10n, 'svc.operation': 'addition' },
      { 'svc.operation': 'subtract', math_value: 123n },
      { 'svc.operation': 'default', timeout: 10n, math_value: 4n },
      { 'svc.operation': 'default', timeout: 3n },
    ],
  );
});

test('attributes/regexp: services auth.* except span names login.*', async () => {
  const config = {
    include: { match_type: 'regexp', services: ['auth.*'] },
    exclude: { match_type: 'regexp', span_names: ['login.*'] },
    actions: [
      { key: 'password', action: 'update', value: 'obfuscated' },
      { key: 'token', action: 'delete' },
    ],
  };
  const data = traces([
    { service: 'auth-svc', name: 'check', attrs: { password: 'p', token: 't' } },
    { service: 'auth-svc', name: 'login-user', attrs: { password: 'p', token: 't' } },
    { service: 'cart', name: 'check', attrs: { password: 'p', token: 't' } },
  ]);
  const out = (await run(config, { signal: 'traces', data })) as TracesBatch;
  assert.deepEqual(
    spansOf(out.data).map((s) => plain(s.attributes)),
    [{ password: 'obfuscated' }, { password: 'p', token: 't' }, { password: 'p', token: 't' }],
  );
});

test('attributes/log_body_regexp and log_severity_regexp', async () => {
  const actions = [
    { key: 'password', action: 'update', value: 'obfuscated' },
    { key: 'token', action: 'delete' },
  ];
  const records = () =>
    logs([
      {
        body: { stringValue: 'AUTH failed' },
        severityText: 'debug2',
        attributes: traces([{ attrs: { password: 'p', token: 't' } }]).resourceSpans[0].scopeSpans[0].spans[0]
          .attributes,
      },
      {
        body: { stringValue: 'hello' },
        severityText: 'info',
        attributes: traces([{ attrs: { password: 'p', token: 't' } }]).resourceSpans[0].scopeSpans[0].spans[0]
          .attributes,
      },
    ]);
  const touched = async (include: unknown) => {
    const out = (await run({ include, actions }, { signal: 'logs', data: records() })) as LogsBatch;
    return out.data.resourceLogs[0].scopeLogs[0].logRecords.map((r) => plain(r.attributes).password === 'obfuscated');
  };
  assert.deepEqual(await touched({ match_type: 'regexp', log_bodies: ['AUTH.*'] }), [true, false]);
  assert.deepEqual(await touched({ match_type: 'regexp', log_severity_texts: ['debug.*'] }), [true, false]);
});

test('metrics: include by metric name; span-only keys are refused for logs and spans as contrib refuses them', async () => {
  const config = {
    include: { match_type: 'strict', metric_names: ['m.hist'] },
    actions: [{ key: 'x', value: 1, action: 'insert' }],
  };
  const out = (await run(config, { signal: 'metrics', data: gaugeAndHistogram('m', {}) })) as MetricsBatch;
  const [gauge, hist] = out.data.resourceMetrics[0].scopeMetrics[0].metrics;
  assert.deepEqual(plain(gauge.gauge!.dataPoints[0].attributes), {});
  assert.deepEqual(plain(hist.histogram!.dataPoints[0].attributes), { x: 1n });

  const settings = await import('@flowtel/testkit').then((k) => k.testSettings('attributes', 'processor'));
  const cfg = factory.configSchema.parse({
    include: { match_type: 'strict', span_names: ['a'] },
    actions: config.actions,
  });
  assert.throws(
    () => factory.createProcessor(settings, cfg, 'logs', 'logs'),
    /services, span_names, and span_kinds are not valid for log records/,
  );
  const logCfg = factory.configSchema.parse({
    include: { match_type: 'strict', log_bodies: ['a'] },
    actions: config.actions,
  });
  assert.throws(
    () => factory.createProcessor(settings, logCfg, 'traces', 'traces'),
    /log_bodies should not be specified for trace spans/,
  );
});

test("config: contrib's required actions, and its testdata regex_insert pattern refused for its unnamed group", () => {
  const r = factory.configSchema.safeParse({});
  assert.equal(r.success, false);
  assert.equal(r.error!.issues[0].message, 'missing required field "actions"');
  const regexInsert = factory.configSchema.safeParse({
    actions: [
      {
        key: 'http.url',
        pattern:
          '^(?P<http_protocol>.*):\\/\\/(?P<http_domain>.*)\\/(?P<http_path>.*)(\\?|\\&)(?P<http_query_params>.*)',
        action: 'extract',
      },
    ],
  });
  assert.equal(
    regexInsert.error?.issues[0].message,
    'error creating AttrProc. Field "pattern" contains at least one unnamed matcher group at the 0-th actions',
  );
});

test('flowtel validate: the per-signal include/exclude rules, at the pipeline that breaks them', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { runCli } = await import('@flowtel/testkit');
  const file = join(mkdtempSync(join(tmpdir(), 'flowtel-attributes-')), 'config.yaml');
  writeFileSync(
    file,
    `receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}
processors:
  attributes/logs_only:
    include:
      match_type: strict
      log_bodies: [hello]
    actions:
      - {key: k, value: v, action: insert}
exporters:
  debug: {}
service:
  pipelines:
    logs: {receivers: [otlp], processors: [attributes/logs_only], exporters: [debug]}
    traces: {receivers: [otlp], processors: [attributes/logs_only], exporters: [debug]}
`,
  );
  const { code, stderr } = await runCli(['validate', '--config', file]);
  assert.equal(code, 1);
  assert.match(stderr, /config\.yaml:\d+/);
  assert.match(stderr, /processor "attributes\/logs_only": log_bodies should not be specified for trace spans/);
  assert.doesNotMatch(stderr, /pipelines::logs/);
});
