// The span processor's examples from otelcol-contrib (README and testdata/config.yaml), with the
// outcomes their comments state, contrib's config errors, and JS SDK spans through
// otlp -> span -> file.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { firstValueFrom, of, toArray } from 'rxjs';
import { Ack, type Batch, type TracesBatch } from '@flowtel/core';
import { attr, getAttr, newResource, newScope, newSpan, type Span, STATUS_UNSET, StatusCode } from '@flowtel/pdata';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, spansInFile, testSettings, waitFor } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';
import { factory } from '../src/index.ts';

type Scalar = string | number | boolean;
interface Input {
  name: string;
  attrs?: Record<string, Scalar>;
  service?: string;
}

async function process(config: unknown, inputs: Input[]): Promise<Span[]> {
  const p = factory.createProcessor(
    testSettings('span', 'processor'),
    factory.configSchema.parse(config),
    'traces',
    'traces',
  );
  const data = {
    resourceSpans: inputs.map((i) => ({
      resource: newResource(i.service ? [attr('service.name', i.service)] : []),
      scopeSpans: [
        {
          scope: newScope(),
          spans: [
            newSpan({
              name: i.name,
              attributes: Object.entries(i.attrs ?? {}).map(([k, v]) => attr(k, v)),
              status: STATUS_UNSET,
            }),
          ],
          schemaUrl: '',
        },
      ],
      schemaUrl: '',
    })),
  };
  const batch = { signal: 'traces', data, items: inputs.length, ack: Ack.none() } as Batch;
  const [out] = await firstValueFrom(of(batch).pipe(p.operator(), toArray()));
  return (out as TracesBatch).data.resourceSpans.map((rs) => rs.scopeSpans[0].spans[0]);
}

const attrsOf = (s: Span) => Object.fromEntries(s.attributes.map((kv) => [kv.key, getAttr(s.attributes, kv.key)]));

test('span/custom: the name from db.svc, operation and id joined by ::, unchanged when one is missing', async () => {
  const config = { name: { separator: '::', from_attributes: ['db.svc', 'operation', 'id'] } };
  const [one, two] = await process(config, [
    { name: 'serviceA', attrs: { 'db.svc': 'location', operation: 'get', id: '1234' } },
    { name: 'serviceA', attrs: { 'db.svc': 'location', id: '1234' } },
  ]);
  assert.equal(one.name, 'location::get::1234');
  assert.equal(two.name, 'serviceA');
});

test('span/no-separator and the README example (db.svc, operation with ::)', async () => {
  const [noSep] = await process({ name: { from_attributes: ['db.svc', 'operation', 'id'] } }, [
    { name: 'x', attrs: { 'db.svc': 'location', operation: 'get', id: '1234' } },
  ]);
  assert.equal(noSep.name, 'locationget1234');
  const [readme] = await process({ name: { from_attributes: ['db.svc', 'operation'], separator: '::' } }, [
    { name: 'x', attrs: { 'db.svc': 'users', operation: 'select', id: 7, ok: true, ratio: 0.25 } },
  ]);
  assert.equal(readme.name, 'users::select');
  // ints, booleans and doubles as Go prints them
  const [typed] = await process({ name: { from_attributes: ['id', 'ok', 'ratio'], separator: '/' } }, [
    { name: 'x', attrs: { id: 7, ok: true, ratio: 0.25 } },
  ]);
  assert.equal(typed.name, '7/true/0.25');
});

test('span/to_attributes: /api/v1/document/12345678/update -> /api/v1/document/{documentId}/update', async () => {
  const config = { name: { to_attributes: { rules: ['^\\/api\\/v1\\/document\\/(?P<documentId>.*)\\/update$'] } } };
  const [span] = await process(config, [{ name: '/api/v1/document/12345678/update' }]);
  assert.equal(span.name, '/api/v1/document/{documentId}/update');
  assert.deepEqual(attrsOf(span), { documentId: '12345678' });
  // keep_original_name: the attributes, the name as it was
  const keep = { name: { to_attributes: { ...config.name.to_attributes, keep_original_name: true } } };
  const [kept] = await process(keep, [{ name: '/api/v1/document/12345678/update' }]);
  assert.equal(kept.name, '/api/v1/document/12345678/update');
  assert.deepEqual(attrsOf(kept), { documentId: '12345678' });
});

test('to_attributes rules in order, each on the name the previous left; break_after_match stops at the first', async () => {
  const rules = ['^\\/api\\/(?P<version>v\\d+)\\/', '\\/document\\/(?P<documentId>\\d+)'];
  const [all] = await process({ name: { to_attributes: { rules } } }, [{ name: '/api/v1/document/42/update' }]);
  assert.equal(all.name, '/api/{version}/document/{documentId}/update');
  assert.deepEqual(attrsOf(all), { version: 'v1', documentId: '42' });
  const [first] = await process({ name: { to_attributes: { rules, break_after_match: true } } }, [
    { name: '/api/v1/document/42/update' },
  ]);
  assert.equal(first.name, '/api/{version}/document/42/update');
  assert.deepEqual(attrsOf(first), { version: 'v1' });
});

test('span/includeexclude: banks services, names with a slash, except donot/change', async () => {
  const config = {
    include: { match_type: 'regexp', services: ['banks'], span_names: ['^(.*?)/(.*?)$'] },
    exclude: { match_type: 'strict', span_names: ['donot/change'] },
    name: { to_attributes: { rules: ['(?P<operation_website>.*?)$'] } },
  };
  const spans = await process(config, [
    { name: 'www.bank.com/account', service: 'banks' },
    { name: 'donot/change', service: 'banks' },
    { name: 'noslash', service: 'banks' },
    { name: 'www.shop.com/cart', service: 'shops' },
  ]);
  assert.deepEqual(
    spans.map((s) => [s.name, attrsOf(s)]),
    [
      ['{operation_website}', { operation_website: 'www.bank.com/account' }],
      ['donot/change', {}],
      ['noslash', {}],
      ['www.shop.com/cart', {}],
    ],
  );
});

test('span/set_status_err, and a status set only where http.status_code is 400', async () => {
  const [err] = await process({ status: { code: 'Error', description: 'some additional error description' } }, [
    { name: 'x' },
  ]);
  assert.deepEqual(err.status, { code: StatusCode.ERROR, message: 'some additional error description' });
  assert.deepEqual(STATUS_UNSET, { message: '', code: 0 }, 'the shared unset status is left alone');
  const ok = {
    include: { match_type: 'strict', attributes: [{ key: 'http.status_code', value: 400 }] },
    status: { code: 'Ok' },
  };
  const [hit, miss] = await process(ok, [
    { name: 'a', attrs: { 'http.status_code': 400 } },
    { name: 'b', attrs: { 'http.status_code': 200 } },
  ]);
  assert.equal(hit.status.code, StatusCode.OK);
  assert.equal(miss.status.code, StatusCode.UNSET);
});

test("config: contrib's errors at validation", () => {
  const message = (c: unknown) => factory.configSchema.safeParse(c).error?.issues[0].message;
  assert.equal(
    message({}),
    'error creating "span" processor: either "from_attributes" or "to_attributes" must be specified in "name:" or "setStatus" must be specified',
  );
  assert.equal(
    message({ status: { code: 'error' } }),
    'error creating "span" processor: "status" must have specified "code" as "Ok" or "Error" or "Unset"',
  );
  assert.equal(
    message({ status: { code: 'Ok', description: 'd' } }),
    'error creating "span" processor: "description" can be specified only for "code" "Error"',
  );
  assert.equal(message({ name: { to_attributes: { rules: ['(?P<x>a))'] } } }), 'invalid regexp pattern (?P<x>a))');
  // contrib's testdata span/set_status_ok gives an attribute value without match_type: contrib's code refuses it
  assert.equal(
    message({ include: { attributes: [{ key: 'http.status_code', value: 400 }] }, status: { code: 'Ok' } }),
    "unrecognized match_type: '', valid types are: [regexp strict]",
  );
});

test('JS SDK spans through otlp -> span -> file', { timeout: 300_000 }, async (t) => {
  const grpc = await freePort();
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-span-')), 'spans.jsonl');
  await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  span/to_attributes:
    name:
      to_attributes:
        rules:
          - ^\\/api\\/v1\\/document\\/(?P<documentId>.*)\\/update$
    status:
      code: Error
      description: "some error description"
exporters:
  file: {path: ${out}}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [span/to_attributes], exporters: [file]}
`,
    grpc,
  );
  const provider = sdkTracerProvider(grpc, { 'service.name': 'docs' });
  provider.getTracer('test').startSpan('/api/v1/document/12345678/update').end();
  await provider.forceFlush();
  await provider.shutdown();
  const [span] = await waitFor(
    'the span in the file',
    async () => {
      const s = spansInFile(out);
      return s.length > 0 && s;
    },
    CONDITION_TIMEOUT_MS,
  );
  assert.equal(span.name, '/api/v1/document/{documentId}/update');
  assert.deepEqual(span.attributes, [{ key: 'documentId', value: { stringValue: '12345678' } }]);
  assert.deepEqual((span as unknown as { status: unknown }).status, { code: 2, message: 'some error description' });
});
