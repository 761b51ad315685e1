// contrib's attraction rules (the processors' README samples run in their own tests); hashes are
// SHA-256 as computed by sha256sum / Python's hashlib over the bytes contrib hashes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attr, getAttr, type KeyValue } from '@flowtel/pdata';
import { actionsSchema, AttrProc, clientAddress } from '../src/index.ts';

const proc = (actions: unknown[]) => new AttrProc(actionsSchema('actions').parse(actions));
const asObject = (attrs: KeyValue[]) => Object.fromEntries(attrs.map((kv) => [kv.key, getAttr(attrs, kv.key)]));

test('value sources: value, else from_context, else from_attribute, else default_value', () => {
  const actions = [
    { key: 'region', from_attribute: 'cloud.region', default_value: 'us-east-1', action: 'insert' },
    { key: 'zone', from_attribute: 'cloud.zone', default_value: 'z-1', action: 'upsert' },
    { key: 'tenant_id', from_context: 'metadata.tenant', default_value: 'default-tenant', action: 'upsert' },
    { key: 'origin', from_context: 'origin', action: 'upsert' },
  ];
  const attrs = [attr('cloud.region', 'eu-west-3'), attr('region', 'kept')];
  proc(actions).process(attrs, { metadata: { Tenant: ['t1', 't2'], origin: ['o'] } });
  assert.deepEqual(asObject(attrs), {
    'cloud.region': 'eu-west-3',
    region: 'kept', // insert never overwrites
    zone: 'z-1',
    tenant_id: 't1;t2', // metadata: case-insensitive, values joined with ';'
    origin: 'o', // a key without prefix is a metadata key
  });
  const none: KeyValue[] = [];
  proc(actions).process(none, undefined);
  assert.deepEqual(asObject(none), { region: 'us-east-1', zone: 'z-1', tenant_id: 'default-tenant' });
});

test('insert, update, upsert: only where the key is absent / present; missing sources do nothing', () => {
  const attrs = [attr('present', 'p')];
  proc([
    { key: 'present', value: 'x', action: 'insert' },
    { key: 'absent', value: 'x', action: 'update' },
    { key: 'present', from_attribute: 'nowhere', action: 'upsert' },
    { key: 'absent', from_context: 'client.address', action: 'insert' },
    { key: 'auth', from_context: 'auth.subject', action: 'insert' },
    { key: 'list', value: [1, 'two', { three: 3.5 }], action: 'insert' },
  ]).process(attrs, { address: '::ffff:10.1.2.3', auth: { subject: 'alice' } });
  assert.deepEqual(asObject(attrs), {
    present: 'p',
    absent: '10.1.2.3',
    auth: 'alice',
    list: [1n, 'two', { three: 3.5 }],
  });
  assert.equal(clientAddress('ipv4:127.0.0.1:53214'), '127.0.0.1');
  assert.equal(clientAddress('[::1]:4317'), '::1');
  assert.equal(clientAddress('ipv6:[2001:db8::1]:80'), '2001:db8::1');
});

test('delete and hash by key and by pattern; hash of each type as contrib hashes it', () => {
  const attrs = [
    attr('http.request.header.a', '1'),
    attr('http.request.header.b', '2'),
    attr('keep', 'k'),
    attr('i', 123),
    attr('d', 1.5),
    attr('b', true),
    { key: 'm', value: { kvlistValue: { values: [] } } },
  ];
  proc([
    { pattern: '^http\\.request\\.header\\.', action: 'delete' },
    { pattern: '^[idbm]$', action: 'hash' },
  ]).process(attrs, undefined);
  assert.deepEqual(asObject(attrs), {
    keep: 'k',
    i: '4f319987a786107dc63b2b70115b3734cb9880b099b70c463c5e1b05521ab764',
    d: 'e163f8cb0f7067a7fc78ca859a77f849aea3214f38fb75b884e4a16be725c905',
    b: '4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a',
    m: '',
  });
});

test('extract: named groups of the first match become string attributes, the source stays', () => {
  const attrs = [attr('http.url', '/api/v1/document/12345678/update'), attr('documentId', 'old')];
  proc([
    { key: 'http.url', pattern: '^\\/api\\/v1\\/document\\/(?P<documentId>.*)\\/(?P<op>\\w+)$', action: 'extract' },
  ]).process(attrs, undefined);
  assert.deepEqual(asObject(attrs), {
    'http.url': '/api/v1/document/12345678/update',
    documentId: '12345678',
    op: 'update',
  });
  // only strings are extracted from
  const ints = [attr('http.url', 5)];
  proc([{ key: 'http.url', pattern: '(?P<x>.*)', action: 'extract' }]).process(ints, undefined);
  assert.deepEqual(asObject(ints), { 'http.url': 5n });
});

test('convert: as contrib converts, values that cannot convert stay', () => {
  const attrs = [
    attr('s2i', '-42'),
    attr('bad2i', '4.2'),
    attr('d2i', -3.9),
    attr('b2i', true),
    attr('s2d', '1e3'),
    attr('i2d', 7),
    attr('i2s', 12),
    attr('d2s', 0.5),
    attr('b2s', false),
  ];
  const failures: string[] = [];
  proc([
    { key: 's2i', action: 'convert', converted_type: 'int' },
    { key: 'bad2i', action: 'convert', converted_type: 'int' },
    { key: 'd2i', action: 'convert', converted_type: 'int' },
    { key: 'b2i', action: 'convert', converted_type: 'int' },
    { key: 's2d', action: 'convert', converted_type: 'double' },
    { key: 'i2d', action: 'convert', converted_type: 'double' },
    { key: 'i2s', action: 'convert', converted_type: 'string' },
    { key: 'd2s', action: 'convert', converted_type: 'string' },
    { key: 'b2s', action: 'convert', converted_type: 'string' },
    { key: 'absent', action: 'convert', converted_type: 'string' },
  ]).process(attrs, undefined, (key) => failures.push(key));
  assert.deepEqual(asObject(attrs), {
    s2i: -42n,
    bad2i: '4.2',
    d2i: -3n,
    b2i: 1n,
    s2d: 1000,
    i2d: 7,
    i2s: '12',
    d2s: '0.5',
    b2s: 'false',
  });
  assert.equal(attrs.find((kv) => kv.key === 'i2d')!.value.hasOwnProperty('doubleValue'), true);
  assert.deepEqual(failures, ['bad2i']);
});

test('shared KeyValues are replaced, not edited', () => {
  const shared = Object.freeze(attr('k', 'v')) as KeyValue;
  const attrs = [shared];
  proc([{ key: 'k', value: 'new', action: 'update' }]).process(attrs, undefined);
  assert.equal(getAttr(attrs, 'k'), 'new');
  assert.equal(
    shared.value.hasOwnProperty('stringValue') && (shared.value as { stringValue: string }).stringValue,
    'v',
  );
});

test('config: contrib NewAttrProc messages, at validation', () => {
  const problems = (actions: unknown[]) => {
    const r = actionsSchema('actions').safeParse(actions);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.deepEqual(problems([]), [': missing required field "actions"']);
  assert.deepEqual(problems([{ action: 'insert', value: 1 }]), [
    '0.key: error creating AttrProc due to missing required field "key" at the 0-th actions',
  ]);
  assert.deepEqual(problems([{ key: 'a', action: 'insert' }]), [
    '0.value: error creating AttrProc. Either field "value", "from_attribute" or "from_context" setting must be specified for 0-th action',
  ]);
  assert.deepEqual(problems([{ key: 'a', action: 'upsert', value: 1, from_attribute: 'b' }]), [
    '0.value: error creating AttrProc due to multiple value sources being set at the 0-th actions',
  ]);
  assert.deepEqual(problems([{ action: 'delete' }]), [
    '0.key: error creating AttrProc due to missing required field (at least one of "key" and "pattern" have to be used) at the 0-th actions',
  ]);
  assert.deepEqual(problems([{ key: 'a', action: 'extract', pattern: '(\\d+)' }]), [
    '0.pattern: error creating AttrProc. Field "pattern" contains at least one unnamed matcher group at the 0-th actions',
  ]);
  assert.deepEqual(problems([{ key: 'a', action: 'extract', pattern: 'abc' }]), [
    '0.pattern: error creating AttrProc. Field "pattern" contains no named matcher groups at the 0-th actions',
  ]);
  assert.deepEqual(problems([{ key: 'a', action: 'hash', pattern: '(?<=x)' }]), [
    '0.pattern: error creating AttrProc. Field "pattern" has invalid pattern: "(?<=x)" to be set at the 0-th actions',
  ]);
  assert.deepEqual(problems([{ key: 'a', action: 'convert', converted_type: 'bool' }]), [
    '0.converted_type: error creating AttrProc due to invalid value "bool" in field "converted_type" for action "convert" at the 0-th action',
  ]);
  assert.deepEqual(problems([{ key: 'a', action: 'rename' }]), [
    '0.action: error creating AttrProc due to unsupported action "rename" at the 0-th actions',
  ]);
  // upper case actions, as contrib lower-cases them
  assert.deepEqual(problems([{ key: 'a', action: 'UPSERT', value: 'x' }]), []);
});
