// The OpenTelemetry JS SDK as the client: its spans over OTLP/gRPC through `otlp -> redaction ->
// file` in a flowtel child process, the file read back as OTLP/JSON. The config is the README's
// example (without url_sanitizer, which flowtel refuses); md5 hashes are md5sum's.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, spansInFile, waitFor } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';

test('JS SDK spans through otlp -> redaction (the README example) -> file', { timeout: 300_000 }, async (t) => {
  const grpc = await freePort();
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-redaction-')), 'spans.jsonl');
  await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  redaction:
    allow_all_keys: false
    allowed_keys: [description, group, id, name]
    ignored_keys: [safe_attribute]
    redact_all_types: true
    blocked_key_patterns: [".*token.*", ".*api_key.*"]
    blocked_values:
      - "4[0-9]{12}(?:[0-9]{3})?" ## Visa credit card number
      - "(5[1-5][0-9]{14})"       ## MasterCard number
    allowed_values: [".+@mycompany.com"]
    hash_function: md5
    summary: debug
exporters:
  file: {path: ${out}}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [redaction], exporters: [file]}
`,
    grpc,
  );

  const provider = sdkTracerProvider(grpc, { 'service.name': 'checkout' });
  provider
    .getTracer('test')
    .startSpan('pay', {
      attributes: {
        description: 'paid with 4111111111111111',
        id: 5500000000000004,
        name: 'ops@mycompany.com',
        group: 'buyers',
        safe_attribute: '4111111111111111',
        password: 'hunter2',
      },
    })
    .end();
  await provider.forceFlush();
  await provider.shutdown();

  const [span] = await waitFor(
    'the span in the file',
    async () => {
      const s = spansInFile(out);
      return s.length >= 1 && s;
    },
    CONDITION_TIMEOUT_MS,
  );
  assert.deepEqual(Object.fromEntries(span.attributes!.map((kv) => [kv.key, Object.values(kv.value)[0]])), {
    description: 'paid with 5910f4ea0062a0e29afd3dccc741e3ce',
    // an int, masked through its string form (redact_all_types)
    id: 'cd62983643f38c76693ed6f7f988ab86',
    name: 'ops@mycompany.com',
    group: 'buyers',
    safe_attribute: '4111111111111111',
    'redaction.redacted.keys': 'password',
    'redaction.redacted.count': '1',
    'redaction.masked.keys': 'description,id',
    'redaction.masked.count': '2',
    'redaction.allowed.keys': 'name',
    'redaction.allowed.count': '1',
    'redaction.ignored.count': '1',
  });
});
