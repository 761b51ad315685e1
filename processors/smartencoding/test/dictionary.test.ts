import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DictionaryFullError, TagDictionary, DICTIONARY_FILE } from '../src/dictionary.ts';
import { tagAttributes } from '../src/value.ts';
import { tempDir } from './helpers.ts';

test('ids are small, per kind, and the version grows with every addition or change', () => {
  const d = new TagDictionary();
  const web = d.intern('pod', 'uid-web', 'web', tagAttributes({ 'k8s.pod.name': 'web' }));
  const db = d.intern('pod', 'uid-db', 'db', tagAttributes({ 'k8s.pod.name': 'db' }));
  const ns = d.intern('namespace', 'shop', 'shop', tagAttributes({ 'k8s.namespace.name': 'shop' }));
  assert.deepEqual([web, db, ns], [1, 2, 1]);
  assert.equal(d.version, 3);
  assert.equal(d.intern('pod', 'uid-web', 'web', tagAttributes({ 'k8s.pod.name': 'web' })), 1);
  assert.equal(d.version, 3, 'an unchanged entry leaves the version alone');
  assert.equal(
    d.intern('pod', 'uid-web', 'web', tagAttributes({ 'k8s.pod.name': 'web', 'k8s.pod.label.app': 'shop' })),
    1,
  );
  assert.equal(d.version, 4, 'a changed entry keeps its id and bumps the version');
  assert.deepEqual(
    d.changedSince(2).map((e) => `${e.kind}/${e.id}@${e.version}`),
    ['pod/1@4', 'namespace/1@3'],
  );
});

test('the dictionary survives a restart with the same ids and version', () => {
  const dir = tempDir('dict');
  const first = new TagDictionary({ directory: dir });
  for (let i = 0; i < 50; i++) first.intern('process', `h|${i}|0`, `p${i}`, tagAttributes({ 'process.pid': i }));
  first.save();
  assert.equal(first.unsaved, false);
  const second = new TagDictionary({ directory: dir });
  assert.equal(second.version, 50);
  assert.equal(second.intern('process', 'h|37|0', 'p37', tagAttributes({ 'process.pid': 37 })), 38);
  assert.equal(second.intern('process', 'h|new|0', 'new', tagAttributes({ 'process.pid': 99 })), 51);
  assert.deepEqual(second.get('process', 38)!.attributes, [['process.pid', { i: '37' }]]);
});

test('a damaged dictionary file is a clear error, not a silent fresh start', () => {
  const dir = tempDir('damaged');
  writeFileSync(join(dir, DICTIONARY_FILE), '{"format":1,"version":3,"entries":[{"kind":"pod","id":2');
  assert.throws(
    () => new TagDictionary({ directory: dir }),
    /cannot read the SmartEncoding dictionary .*dictionary\.json/,
  );
  writeFileSync(
    join(dir, DICTIONARY_FILE),
    JSON.stringify({
      format: 1,
      version: 1,
      entries: [{ kind: 'pod', id: 5, key: 'k', name: 'n', attributes: [], version: 1 }],
    }),
  );
  assert.throws(() => new TagDictionary({ directory: dir }), /out of order/);
});

test('a full kind refuses new entries but still answers for known ones', () => {
  const d = new TagDictionary({ maxEntriesPerKind: 2 });
  d.intern('host', 'a', 'a', []);
  d.intern('host', 'b', 'b', []);
  assert.throws(() => d.intern('host', 'c', 'c', []), DictionaryFullError);
  assert.equal(d.intern('host', 'a', 'a', []), 1);
  assert.equal(d.intern('pod', 'c', 'c', []), 1, 'other kinds are not affected');
});

test('saving writes the whole dictionary atomically as JSON', () => {
  const dir = tempDir('atomic');
  const d = new TagDictionary({ directory: dir });
  d.intern('host', 'h', 'h', tagAttributes({ 'host.name': 'h' }));
  d.save();
  const saved = JSON.parse(readFileSync(join(dir, DICTIONARY_FILE), 'utf8'));
  assert.equal(saved.version, 1);
  assert.equal(saved.entries[0].name, 'h');
});
