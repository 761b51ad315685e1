// The OpenTelemetry JS SDK as the client: its spans over OTLP/gRPC through `otlp -> attributes
// -> file` in a flowtel child process, the file read back as OTLP/JSON. The config is the
// README's: include by service (regexp), exclude by span name, update, delete, hash, insert from
// the gRPC peer's address.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, spansInFile, waitFor } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';

test('JS SDK spans through otlp -> attributes -> file', { timeout: 300_000 }, async (t) => {
  const grpc = await freePort();
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-attributes-')), 'spans.jsonl');
  await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  attributes/regexp:
    include:
      match_type: regexp
      services: ["auth.*"]
    exclude:
      match_type: regexp
      span_names: ["login.*"]
    actions:
      - {key: password, action: update, value: obfuscated}
      - {key: token, action: delete}
      - {key: user.email, action: hash}
      - {key: peer, from_context: client.address, action: insert}
exporters:
  file: {path: ${out}}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [attributes/regexp], exporters: [file]}
`,
    grpc,
  );

  const provider = sdkTracerProvider(grpc, { 'service.name': 'auth-service' });
  const tracer = provider.getTracer('test');
  const secrets = { password: 'hunter2', token: 't0k3n', 'user.email': 'a@b.c' };
  tracer.startSpan('check-session', { attributes: secrets }).end();
  tracer.startSpan('login-form', { attributes: secrets }).end();
  await provider.forceFlush();
  await provider.shutdown();

  const spans = await waitFor(
    'both spans in the file',
    async () => {
      const s = spansInFile(out);
      return s.length >= 2 && s;
    },
    CONDITION_TIMEOUT_MS,
  );
  const attrs = (name: string) =>
    Object.fromEntries(
      spans.find((s) => s.name === name)!.attributes!.map((kv) => [kv.key, Object.values(kv.value)[0]]),
    );
  assert.deepEqual(attrs('check-session'), {
    password: 'obfuscated',
    'user.email': 'd648b243a3e817eaa3309e00e183483f2867baadf522099f0c2121770536b25a',
    peer: '127.0.0.1',
  });
  // excluded by its name: as the SDK sent it
  assert.deepEqual(attrs('login-form'), secrets);
});
