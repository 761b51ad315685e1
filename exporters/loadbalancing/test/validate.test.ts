// `flowtel validate` checks protocol::otlp with the otlp_grpc exporter's own schema, at its place
// in the file, and says what is refused: contrib's resolver rules, unsupported keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@flowtel/testkit';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-lb-validate-'));

async function validate(exporter: string): Promise<{ code: number; out: string }> {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    `receivers:
  otlp: {protocols: {grpc: {endpoint: 127.0.0.1:0}}}
exporters:
  load_balancing:
${exporter}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [load_balancing]}
`,
  );
  const r = await runCli(['validate', '--config', path]);
  return { code: r.code, out: r.stdout + r.stderr };
}

test('validate: protocol::otlp is an otlp_grpc config, resolvers as contrib', async () => {
  const [ok, badOtlp, none, two, k8s, attrs] = await Promise.all([
    validate(`    protocol: {otlp: {tls: {insecure: true}, compression: snappy}}
    resolver: {static: {hostnames: [a:4317, b:4317]}}`),
    validate(`    protocol: {otlp: {compresion: gzip, timeout: soon}}
    resolver: {static: {hostnames: [a:4317]}}`),
    validate(`    routing_key: service`),
    validate(`    resolver: {static: {hostnames: [a:4317]}, dns: {hostname: gw}}`),
    validate(`    resolver: {k8s: {service: lb-svc.ns}}`),
    validate(`    routing_key: attributes
    resolver: {static: {hostnames: [a:4317]}}`),
  ]);
  assert.equal(ok.code, 0, ok.out);
  assert.notEqual(badOtlp.code, 0);
  assert.match(badOtlp.out, /exporters::load_balancing::protocol::otlp::compresion.*invalid keys/);
  assert.match(badOtlp.out, /exporters::load_balancing::protocol::otlp::timeout.*'soon' is not a duration/);
  assert.match(none.out, /no resolvers specified for the exporter/);
  assert.match(two.out, /only one resolver should be specified/);
  assert.match(k8s.out, /k8s resolver is not in flowtel yet/);
  assert.match(attrs.out, /routing_attributes must be specified when routing_key is "attributes"/);
});
