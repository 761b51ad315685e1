// The redaction processor against otelcol-contrib's docs and tests: the README's statements and
// example, and contrib's processor_test cases (TestRedactUnknownAttributes,
// TestAllowAllKeysMaskValues, TestRedactSummaryDebug/Info/Silent, the hash functions), with the
// outputs they state. Hashes are md5sum's, sha1sum's and `openssl dgst -sha3-256`'s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogsBatch, MetricsBatch, TracesBatch } from '@flowtel/core';
import { factory } from '../src/index.ts';
import { logs, metricMaps, metrics, plain, plainBody, run, traceMaps, traces } from './helpers.ts';

const CARD = '4111111111111111';

/** Every attribute map the processor visits, for traces, logs (attributes) and every metric type. */
function allMaps(config: unknown, attrs: Record<string, string | number | boolean>) {
  const t = run(config, 'traces', traces(attrs)) as TracesBatch;
  const l = run(config, 'logs', logs(attrs, { stringValue: 'plain body' })) as LogsBatch;
  const m = run(config, 'metrics', metrics(attrs)) as MetricsBatch;
  const rl = l.data.resourceLogs[0];
  return [
    ...traceMaps(t.data),
    rl.resource.attributes,
    rl.scopeLogs[0].scope.attributes,
    rl.scopeLogs[0].logRecords[0].attributes,
    ...metricMaps(m.data),
  ].map(plain);
}

test('keys not on allowed_keys are deleted everywhere; ignored keys pass (TestRedactUnknownAttributes)', () => {
  const maps = allMaps(
    { allowed_keys: ['group', 'id', 'name'], ignored_keys: ['safe_attribute'] },
    { group: 'temporary', id: 5, name: 'placeholder', safe_attribute: '4111111111111112', credit_card: CARD },
  );
  assert.equal(maps.length, 14);
  for (const m of maps) {
    assert.deepEqual(m, { group: 'temporary', id: 5, name: 'placeholder', safe_attribute: '4111111111111112' });
  }
});

test('an empty allowed_keys deletes every attribute (the README: the list fails closed)', () => {
  for (const m of allMaps({}, { a: 'x', b: 2 })) assert.deepEqual(m, {});
});

test('allow_all_keys keeps every key and still masks blocked values (TestAllowAllKeysMaskValues)', () => {
  const maps = allMaps(
    { allowed_keys: ['group', 'id', 'name'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], allow_all_keys: true },
    {
      group: 'temporary',
      id: 5,
      name: 'placeholder',
      credit_card: `placeholder ${CARD}`,
      email: 'user@mycompany.com',
    },
  );
  for (const m of maps) {
    assert.deepEqual(m, {
      group: 'temporary',
      id: 5,
      name: 'placeholder',
      credit_card: 'placeholder ****',
      email: 'user@mycompany.com',
    });
  }
});

const DEBUG_CASE = {
  allowed_keys: ['id', 'group', 'name', 'group.id', 'member (id)', 'token_some', 'api_key_some', 'email'],
  blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'],
  ignored_keys: ['safe_attribute'],
  ignored_key_patterns: ['safeRE_attribute.*'],
  blocked_key_patterns: ['.*(token|api_key).*'],
  allowed_values: ['.+@mycompany.com'],
};
const DEBUG_ATTRS = {
  id: 5,
  'group.id': 'some.valid.id',
  'member (id)': 'some other valid id',
  name: `placeholder ${CARD}`,
  safe_attribute: 'harmless 4111111111111112',
  safeRE_attribute_id: 'safe id',
  safeRE_attribute_source: 'safe source',
  credit_card: CARD,
  token_some: 'tokenize',
  api_key_some: 'apinize',
  email: 'user@mycompany.com',
};
const DEBUG_KEPT = {
  id: 5,
  'group.id': 'some.valid.id',
  'member (id)': 'some other valid id',
  name: 'placeholder ****',
  safe_attribute: 'harmless 4111111111111112',
  safeRE_attribute_id: 'safe id',
  safeRE_attribute_source: 'safe source',
  token_some: '****',
  api_key_some: '****',
  email: 'user@mycompany.com',
};

test('summary debug: keys and counts of what was redacted, masked, allowed and ignored (TestRedactSummaryDebug)', () => {
  for (const m of allMaps({ ...DEBUG_CASE, summary: 'debug' }, DEBUG_ATTRS)) {
    assert.deepEqual(m, {
      ...DEBUG_KEPT,
      'redaction.redacted.keys': 'credit_card',
      'redaction.redacted.count': 1,
      'redaction.masked.keys': 'api_key_some,name,token_some',
      'redaction.masked.count': 3,
      'redaction.allowed.keys': 'email',
      'redaction.allowed.count': 1,
      'redaction.ignored.count': 3,
    });
  }
});

test('summary info: only the counts; silent and the default: nothing', () => {
  for (const m of allMaps({ ...DEBUG_CASE, summary: 'info' }, DEBUG_ATTRS)) {
    assert.deepEqual(m, {
      ...DEBUG_KEPT,
      'redaction.redacted.count': 1,
      'redaction.masked.count': 3,
      'redaction.allowed.count': 1,
      'redaction.ignored.count': 3,
    });
  }
  for (const summary of ['silent', undefined]) {
    for (const m of allMaps({ ...DEBUG_CASE, summary }, DEBUG_ATTRS)) assert.deepEqual(m, DEBUG_KEPT);
  }
});

test('a second redaction processor keeps and adds to the summary of the first', () => {
  const config = { allowed_keys: ['a', 'b'], summary: 'debug' };
  const first = run(config, 'traces', traces({ a: '1', b: '2', x: '3' })) as TracesBatch;
  const span = first.data.resourceSpans[0].scopeSpans[0].spans[0];
  span.attributes.push({ key: 'y', value: { stringValue: '4' } });
  const second = run(config, 'traces', first.data) as TracesBatch;
  assert.deepEqual(plain(second.data.resourceSpans[0].scopeSpans[0].spans[0].attributes), {
    a: '1',
    b: '2',
    'redaction.redacted.keys': 'x,y',
    'redaction.redacted.count': 2,
  });
});

test('allowed_values takes precedence over blocked_values (the README example)', () => {
  const [span] = allMaps(
    { allow_all_keys: true, blocked_values: ['mycompany.com'], allowed_values: ['support.mycompany.com'] },
    { a: 'support.mycompany.com', b: 'sales.mycompany.com' },
  );
  // the matching part only is masked
  assert.deepEqual(span, { a: 'support.mycompany.com', b: 'sales.****' });
});

test('hash_function hashes each blocked match: md5, sha1, sha3 (SHA3-256)', () => {
  const hashes = {
    md5: '5910f4ea0062a0e29afd3dccc741e3ce',
    sha1: '68bfb396f35af3876fc509665b3dc23a0930aab1',
    sha3: '6099154214406cce6105a4688ab66533d3a55d1d7dd393cbccf22b487a22d922',
    // UnmarshalText lowercases the name
    MD5: '5910f4ea0062a0e29afd3dccc741e3ce',
  };
  for (const [hash_function, hex] of Object.entries(hashes)) {
    const [m] = allMaps(
      {
        allow_all_keys: true,
        blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'],
        blocked_key_patterns: ['^secret$'],
        hash_function,
      },
      { card: `paid with ${CARD} today`, secret: CARD },
    );
    assert.deepEqual(m, { card: `paid with ${hex} today`, secret: hex }, hash_function);
  }
});

test('redact_all_types masks non-string values through their string form; without it they pass', () => {
  const config = { allow_all_keys: true, blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'] };
  const [plainRun] = allMaps(config, { card: 4111111111111111 });
  assert.deepEqual(plainRun, { card: 4111111111111111 });
  const [all] = allMaps({ ...config, redact_all_types: true }, { card: 4111111111111111 });
  assert.deepEqual(all, { card: '****' });
});

test('log bodies: map keys redacted, masked and ignored by path, strings masked, with the body.* summary', () => {
  const body = {
    kvlistValue: {
      values: [
        { key: 'id', value: { stringValue: `card ${CARD}` } },
        { key: 'credit_card', value: { stringValue: CARD } },
        { key: 'safe_attribute', value: { stringValue: CARD } },
        { key: 'token_x', value: { stringValue: 'abc' } },
        {
          key: 'nested',
          value: {
            kvlistValue: {
              values: [
                { key: 'id', value: { stringValue: CARD } },
                { key: 'gone', value: { stringValue: 'x' } },
                { key: 'email', value: { stringValue: 'me@mycompany.com' } },
              ],
            },
          },
        },
        { key: 'list', value: { arrayValue: { values: [{ stringValue: CARD }, { intValue: 7n }] } } },
      ],
    },
  };
  const config = {
    allowed_keys: ['id', 'token_x', 'nested', 'list', 'email'],
    ignored_keys: ['safe_attribute'],
    blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'],
    blocked_key_patterns: ['token'],
    allowed_values: ['.+@mycompany.com'],
    summary: 'debug',
  };
  const l = run(config, 'logs', logs({}, body)) as LogsBatch;
  const record = l.data.resourceLogs[0].scopeLogs[0].logRecords[0];
  assert.deepEqual(plainBody(record.body), {
    id: 'card ****',
    safe_attribute: CARD,
    token_x: '****',
    nested: { id: '****', email: 'me@mycompany.com' },
    list: ['****', 7],
  });
  assert.deepEqual(plain(record.attributes), {
    'redaction.body.redacted.keys': 'credit_card,nested.gone',
    'redaction.body.redacted.count': 2,
    'redaction.body.masked.keys': 'id,list.[0],nested.id,token_x',
    'redaction.body.masked.count': 4,
    'redaction.body.allowed.keys': 'nested.email',
    'redaction.body.allowed.count': 1,
    'redaction.body.ignored.count': 1,
  });

  const s = run(config, 'logs', logs({}, { stringValue: `card ${CARD}` })) as LogsBatch;
  const r = s.data.resourceLogs[0].scopeLogs[0].logRecords[0];
  assert.deepEqual(plainBody(r.body), 'card ****');
  assert.deepEqual(plain(r.attributes), { 'redaction.body.masked.keys': 'body', 'redaction.body.masked.count': 1 });
});

test('config: contrib defaults; bad patterns, hash functions and the sanitizers refused at their key', () => {
  assert.deepEqual(factory.configSchema.parse({}), {
    allow_all_keys: false,
    allowed_keys: [],
    ignored_keys: [],
    ignored_key_patterns: [],
    blocked_key_patterns: [],
    blocked_values: [],
    allowed_values: [],
    redact_all_types: false,
    hash_function: '',
    summary: '',
  });
  const issue = (c: unknown) => {
    const r = factory.configSchema.safeParse(c);
    assert.equal(r.success, false, JSON.stringify(c));
    return `${r.error!.issues[0].path.join('.')}: ${r.error!.issues[0].message}`;
  };
  assert.match(issue({ blocked_values: ['ok', '(a'] }), /^blocked_values\.1: error parsing regexp: missing closing \)/);
  assert.match(issue({ blocked_key_patterns: ['(?=x)'] }), /^blocked_key_patterns\.0: error parsing regexp/);
  assert.match(issue({ hash_function: 'sha256' }), /^hash_function: unknown HashFunction/);
  assert.match(issue({ summary: 'verbose' }), /^summary:/);
  assert.match(issue({ url_sanitizer: { enabled: true } }), /url_sanitizer is not yet implemented in flowtel/);
  assert.match(issue({ db_sanitizer: { sql: { enabled: true } } }), /db_sanitizer is not yet implemented in flowtel/);
  assert.equal(factory.configSchema.safeParse({ url_sanitizer: { enabled: false } }).success, true);
});
