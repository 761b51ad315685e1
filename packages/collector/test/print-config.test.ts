// `flowtel print-config` as otelcol's: redacted by default with configopaque's mask, unredacted
// on request, YAML or JSON, validated first, behind the otelcol.printInitialConfig gate (beta,
// on by default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '@flowtel/testkit';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-print-'));
const config = join(dir, 'config.yaml');
// every secret below is one of configopaque's in otelcol: a password, a token, header values
writeFileSync(
  config,
  `
extensions:
  basicauth/client:
    client_auth: {username: alice, password: "\${env:PRINT_PASS}"}
  bearertokenauth:
    token: tok-123
receivers:
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:0}
  prometheus:
    config:
      scrape_configs:
        - job_name: node
          basic_auth: {username: scraper, password: scrape-pw}
          static_configs: [{targets: ['127.0.0.1:1']}]
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:1
    headers: {Authorization: "Bearer hdr-secret"}
    auth: {authenticator: basicauth/client}
  clickhouse:
    endpoint: http://127.0.0.1:8123
    username: writer
    password: ch-pw
service:
  extensions: [basicauth/client, bearertokenauth]
  telemetry:
    metrics:
      readers:
        - periodic:
            exporter:
              otlp: {protocol: http/protobuf, endpoint: http://127.0.0.1:1, headers: {api-key: tel-key}}
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp_http]}
    metrics: {receivers: [prometheus], exporters: [clickhouse]}
`,
);
const env = { PRINT_PASS: 'env-pw' };
const SECRETS = ['env-pw', 'tok-123', 'scrape-pw', 'hdr-secret', 'ch-pw', 'tel-key'];

test('print-config shows the resolved config with every opaque value as [REDACTED]', async () => {
  const { code, stdout, stderr } = await runCli(['print-config', '--config', config], env);
  assert.equal(code, 0, stderr);
  for (const s of SECRETS) assert.ok(!stdout.includes(s), `${s} is not printed`);
  const doc = parse(stdout);
  assert.deepEqual(doc.extensions['basicauth/client'].client_auth, { username: 'alice', password: '[REDACTED]' });
  assert.equal(doc.extensions.bearertokenauth.token, '[REDACTED]');
  assert.deepEqual(doc.receivers.prometheus.config.scrape_configs[0].basic_auth, {
    username: 'scraper',
    password: '[REDACTED]',
  });
  assert.deepEqual(doc.exporters.otlp_http.headers, { Authorization: '[REDACTED]' });
  assert.equal(doc.exporters.otlp_http.endpoint, 'http://127.0.0.1:1');
  assert.equal(doc.exporters.clickhouse.username, 'writer');
  assert.equal(doc.exporters.clickhouse.password, '[REDACTED]');
  assert.deepEqual(doc.service.telemetry.metrics.readers[0].periodic.exporter.otlp.headers, {
    'api-key': '[REDACTED]',
  });
  assert.deepEqual(doc.service.pipelines.traces, { receivers: ['otlp'], exporters: ['otlp_http'] });
});

test('print-config --mode unredacted --format json shows every value; print-initial-config is its alias', async () => {
  const { code, stdout, stderr } = await runCli(
    ['print-initial-config', '--config', config, '--mode', 'unredacted', '--format', 'json'],
    env,
  );
  assert.equal(code, 0, stderr);
  const doc = JSON.parse(stdout);
  assert.equal(doc.extensions['basicauth/client'].client_auth.password, 'env-pw');
  assert.equal(doc.exporters.clickhouse.password, 'ch-pw');
  assert.deepEqual(doc.exporters.otlp_http.headers, { Authorization: 'Bearer hdr-secret' });
});

test("print-config refuses a bad mode, a bad format, an invalid config (unless --validate=false), and the gate's absence", async () => {
  const mode = await runCli(['print-config', '--config', config, '--mode', 'plain'], env);
  assert.equal(mode.code, 1);
  assert.match(mode.stderr, /invalid mode "plain": modes are: redacted, unredacted/);
  const format = await runCli(['print-config', '--config', config, '--format', 'toml'], env);
  assert.equal(format.code, 1);
  assert.match(format.stderr, /unrecognized print format: toml/);
  const gate = await runCli(
    ['print-config', '--config', config, '--feature-gates', '-otelcol.printInitialConfig'],
    env,
  );
  assert.equal(gate.code, 1);
  assert.match(gate.stderr, /print-config is currently experimental, use the otelcol.printInitialConfig feature gate/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    'exporters:\n  otlp_http: {endpoint: http://127.0.0.1:1, headers: {a: b}, no_such_key: 1}\nreceivers:\n  otlp: {protocols: {http: {}}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlp_http]}\n',
  );
  const invalid = await runCli(['print-config', '--config', bad]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /no_such_key/);
  const unchecked = await runCli(['print-config', '--config', bad, '--validate=false']);
  assert.equal(unchecked.code, 0, unchecked.stderr);
  assert.deepEqual(parse(unchecked.stdout).exporters.otlp_http.headers, { a: '[REDACTED]' });
});
