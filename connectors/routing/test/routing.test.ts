// A flowtel collector with the routing connector: OTLP/JSON in, four pipelines out to files.
// Resources route by service.name, spans by an attribute (what a resource route took first
// is gone), the client's metadata routes a request whole, the rest goes to the default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONDITION_TIMEOUT_MS, freePort, runCli, runCollector, waitFor } from '@flowtel/testkit';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-routing-'));
const out = (name: string) => join(dir, `${name}.jsonl`);

function spanNames(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => JSON.parse(l).resourceSpans)
    .flatMap((rs: { scopeSpans: Array<{ spans: Array<{ name: string }> }> }) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)),
    )
    .sort();
}

const span = (name: string, status: number) => ({
  traceId: '0102030405060708090a0b0c0d0e0f10',
  spanId: '0102030405060708',
  name,
  kind: 2,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000001000000',
  attributes: [{ key: 'http.response.status_code', value: { intValue: String(status) } }],
});
const request = (service: string, spans: unknown[]) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 't' }, spans }],
    },
  ],
});

test('routes: resource, then span, then request metadata, the rest to the default', async (t) => {
  const port = await freePort();
  await runCollector(
    t,
    `receivers:
  otlp: {protocols: {http: {endpoint: 127.0.0.1:${port}, include_metadata: true}}}
connectors:
  routing:
    default_pipelines: [traces/other]
    table:
      - condition: attributes["service.name"] == "checkout"
        pipelines: [traces/checkout]
      - context: span
        statement: route() where attributes["http.response.status_code"] >= 500
        pipelines: [traces/errors]
      - context: request
        condition: request["x-tenant"] == "acme"
        pipelines: [traces/acme]
exporters:
  file/checkout: {path: ${out('checkout')}}
  file/errors: {path: ${out('errors')}}
  file/acme: {path: ${out('acme')}}
  file/other: {path: ${out('other')}}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces/in: {receivers: [otlp], exporters: [routing]}
    traces/checkout: {receivers: [routing], exporters: [file/checkout]}
    traces/errors: {receivers: [routing], exporters: [file/errors]}
    traces/acme: {receivers: [routing], exporters: [file/acme]}
    traces/other: {receivers: [routing], exporters: [file/other]}
`,
    port,
  );
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
  };
  await post(request('checkout', [span('c-ok', 200), span('c-fail', 503)]));
  await post(request('cart', [span('cart-ok', 200), span('cart-fail', 500)]));
  await post(request('cart', [span('acme-ok', 200)]), { 'X-Tenant': 'acme' });
  await post(request('cart', [span('plain', 200)]), { 'X-Tenant': 'ecorp' });
  const files = ['checkout', 'errors', 'acme', 'other'].map(out);
  await waitFor(
    'six spans routed',
    async () => files.reduce((n, f) => n + spanNames(f).length, 0) === 6,
    CONDITION_TIMEOUT_MS,
  );
  assert.deepEqual(spanNames(out('checkout')), ['c-fail', 'c-ok'], 'the resource route took checkout whole first');
  assert.deepEqual(spanNames(out('errors')), ['cart-fail']);
  assert.deepEqual(spanNames(out('acme')), ['acme-ok']);
  assert.deepEqual(spanNames(out('other')), ['cart-ok', 'plain']);
});

test("validate: contrib's routing table checks, OTTL compiled, match_once refused", async () => {
  const path = join(dir, 'bad.yaml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    path,
    `receivers:
  otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}
connectors:
  routing/old:
    match_once: true
    table: [{condition: 'attributes["a"] == "b"', pipelines: [traces/out]}]
  routing:
    table:
      - condition: attributes["a"] == "b"
        statement: route() where attributes["a"] == "b"
        pipelines: [traces/out]
      - condition: attributes["a"] ==
        pipelines: [traces/out]
      - condition: attributes["a"] == "b"
  routing/empty: {}
exporters:
  debug: {}
service:
  pipelines:
    traces/in: {receivers: [otlp], exporters: [routing, routing/empty, routing/old]}
    traces/out: {receivers: [routing, routing/empty, routing/old], exporters: [debug]}
`,
  );
  const r = await runCli(['validate', '--config', path]);
  const text = r.stdout + r.stderr;
  assert.notEqual(r.code, 0);
  assert.match(text, /match_once was removed from otelcol-contrib in v0\.120\.0/);
  assert.match(text, /table::0.*invalid route: both condition and statement provided/);
  assert.match(text, /table::1.*unable to parse OTTL/);
  assert.match(text, /table::2.*invalid route: no pipelines defined/);
  assert.match(text, /routing\/empty.*invalid routing table: the routing table is empty/);
});
