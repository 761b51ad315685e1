// `flowtel validate` on prometheus receiver configs: Prometheus's defaults and rules, and what
// flowtel does not do yet refused with that reason at the key, never accepted and ignored.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '@flowtel/testkit';
import { prometheusReceiverConfigSchema } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-prom-config-'));

async function validate(receiver: string): Promise<{ code: number; out: string }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `receivers:\n  prometheus:\n${receiver.replace(/^/gm, '    ')}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    metrics:\n      receivers: [prometheus]\n      exporters: [debug]\n`,
  );
  const r = await runCli(['validate', '--config', file]);
  return { code: r.code, out: r.stdout + r.stderr };
}

test("Prometheus's defaults: global 1m / 10s, a job's timeout cut to its interval", () => {
  const c = prometheusReceiverConfigSchema.parse({
    config: {
      scrape_configs: [
        { job_name: 'a', static_configs: [{ targets: ['h:1'] }] },
        { job_name: 'b', scrape_interval: '5s' },
      ],
    },
  });
  const [a, b] = c.config!.scrape_configs;
  assert.equal(a.scrape_interval, 60_000);
  assert.equal(a.scrape_timeout, 10_000);
  assert.equal(a.metrics_path, '/metrics');
  assert.equal(a.scheme, 'http');
  assert.equal(a.honor_labels, false);
  assert.equal(a.honor_timestamps, true);
  assert.equal(b.scrape_interval, 5000);
  assert.equal(b.scrape_timeout, 5000);
  assert.equal(c.config!.global.evaluation_interval, 60_000);
});

test('a config otelcol accepts validates', async () => {
  const r = await validate(`config:
  global:
    scrape_interval: 15s
    external_labels: {cluster: c1}
  scrape_configs:
    - job_name: otel-collector
      scrape_interval: 5s
      static_configs:
        - targets: ['0.0.0.0:8888']
      metric_relabel_configs:
        - source_labels: [__name__]
          regex: '.*grpc_io.*'
          action: drop
    - job_name: secure
      scheme: https
      basic_auth: {username: u, password: p}
      tls_config: {insecure_skip_verify: true}
      static_configs: [{targets: ['h:443']}]
      relabel_configs:
        - source_labels: [__address__]
          regex: '(.*):\\d+'
          target_label: host
          replacement: '$$1'`);
  assert.equal(r.code, 0, r.out);
});

const refusals: Array<[string, string, RegExp]> = [
  [
    'kubernetes_sd_configs',
    `config:\n  scrape_configs:\n    - job_name: k8s\n      kubernetes_sd_configs:\n        - role: pod`,
    /kubernetes_sd_configs is not yet in flowtel/,
  ],
  [
    'http_sd_configs',
    `config:\n  scrape_configs:\n    - job_name: h\n      http_sd_configs:\n        - url: http://x/sd`,
    /http_sd_configs is not yet in flowtel/,
  ],
  [
    'target_allocator',
    `target_allocator:\n  endpoint: http://ta\n  collector_id: c1`,
    /target_allocator is not yet in flowtel/,
  ],
  [
    'remote_write',
    `config:\n  remote_write: [{url: http://x}]\n  scrape_configs: [{job_name: a}]`,
    /unsupported features: remote_write/,
  ],
  [
    'rule_files',
    `config:\n  rule_files: [a.yml]\n  scrape_configs: [{job_name: a}]`,
    /unsupported features: rule_files/,
  ],
  [
    'no scrape configs',
    `config:\n  global:\n    scrape_interval: 1m`,
    /no Prometheus scrape_configs or target_allocator set/,
  ],
  [
    'timeout over interval',
    `config:\n  scrape_configs:\n    - job_name: a\n      scrape_interval: 5s\n      scrape_timeout: 10s`,
    /scrape timeout greater than scrape interval for scrape config with job name "a"/,
  ],
  [
    'duplicate job',
    `config:\n  scrape_configs: [{job_name: a}, {job_name: a}]`,
    /found multiple scrape configs with job name "a"/,
  ],
  [
    'native histograms',
    `config:\n  scrape_configs:\n    - job_name: a\n      scrape_classic_histograms: true`,
    /scrape_classic_histograms is not yet in flowtel/,
  ],
  [
    'trim_metric_suffixes',
    `trim_metric_suffixes: true\nconfig:\n  scrape_configs: [{job_name: a}]`,
    /trim_metric_suffixes is not yet in flowtel/,
  ],
  ['a misspelt key', `config:\n  scrape_configs:\n    - job_name: a\n      scrape_intervall: 5s`, /scrape_intervall/],
  [
    'bad duration',
    `config:\n  scrape_configs:\n    - job_name: a\n      scrape_interval: 5 seconds`,
    /not a Prometheus duration/,
  ],
];

for (const [what, yaml, message] of refusals) {
  test(`refused with the reason: ${what}`, async () => {
    const r = await validate(yaml);
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, message);
  });
}
