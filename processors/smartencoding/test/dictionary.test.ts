import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { tagId } from '@flowtel/core/smartencoding';
import { DictionaryFullError, TagDictionary, DICTIONARY_FILE } from '../src/dictionary.ts';
import { tagAttributes } from '../src/value.ts';
import { tempDir } from './helpers.ts';

/** The id the design says a key gets: SHA-256 over kind, NUL, key; the first 8 bytes, top bit cleared. */
const expectedId = (kind: string, key: string) =>
  createHash('sha256').update(`${kind}\0${key}`).digest().readBigUInt64BE(0) & ((1n << 63n) - 1n);

test('ids derive from the kind and key alone, and the version grows with every addition or change', () => {
  const d = new TagDictionary();
  const web = d.intern('pod', 'uid-web', 'web', tagAttributes({ 'k8s.pod.name': 'web' }));
  const db = d.intern('pod', 'uid-db', 'db', tagAttributes({ 'k8s.pod.name': 'db' }));
  const ns = d.intern('namespace', 'shop', 'shop', tagAttributes({ 'k8s.namespace.name': 'shop' }));
  assert.deepEqual(
    [web, db, ns],
    [expectedId('pod', 'uid-web'), expectedId('pod', 'uid-db'), expectedId('namespace', 'shop')],
  );
  assert.notEqual(tagId('pod', 'shop'), tagId('namespace', 'shop'), 'the kind is part of the identity');
  assert.ok(web > 0n && web < 1n << 63n, 'positive in int64');
  assert.equal(d.version, 3);
  assert.equal(d.intern('pod', 'uid-web', 'web', tagAttributes({ 'k8s.pod.name': 'web' })), web);
  assert.equal(d.version, 3, 'an unchanged entry leaves the version alone');
  assert.equal(
    d.intern('pod', 'uid-web', 'web', tagAttributes({ 'k8s.pod.name': 'web', 'k8s.pod.label.app': 'shop' })),
    web,
  );
  assert.equal(d.version, 4, 'a changed entry keeps its id and bumps the version');
  assert.deepEqual(
    d.changedSince(2).map((e) => `${e.kind}/${e.id}@${e.version}`),
    [`pod/${web}@4`, `namespace/${ns}@3`],
  );
});

test('two collectors that see the same things give them the same ids, in any order', () => {
  const a = new TagDictionary();
  const b = new TagDictionary();
  a.intern('pod', 'uid-1', 'web', tagAttributes({ 'k8s.pod.name': 'web' }));
  const aDb = a.intern('pod', 'uid-2', 'db', tagAttributes({ 'k8s.pod.name': 'db' }));
  const bDb = b.intern('pod', 'uid-2', 'db', tagAttributes({ 'k8s.pod.name': 'db' }));
  assert.equal(aDb, bDb);
  assert.notEqual(
    a.intern('process', 'host-a|100|5', 'nginx', []),
    b.intern('process', 'host-b|100|5', 'nginx', []),
    'the same pid on two hosts is two processes',
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
  const p37 = second.intern('process', 'h|37|0', 'p37', tagAttributes({ 'process.pid': 37 }));
  assert.equal(p37, expectedId('process', 'h|37|0'));
  assert.equal(second.version, 50, 'known after the restart');
  second.intern('process', 'h|new|0', 'new', tagAttributes({ 'process.pid': 99 }));
  assert.equal(second.version, 51);
  assert.deepEqual(second.get('process', p37)!.attributes, [['process.pid', { i: '37' }]]);
});

test('a dictionary saved with numbered ids (format 1) is read back with the new ids', () => {
  const dir = tempDir('format1');
  writeFileSync(
    join(dir, DICTIONARY_FILE),
    JSON.stringify({
      format: 1,
      version: 2,
      entries: [
        { kind: 'host', id: 1, key: 'h', name: 'h', attributes: [['host.name', { s: 'h' }]], version: 1 },
        { kind: 'pod', id: 1, key: 'uid-web', name: 'web', attributes: [], version: 2 },
      ],
    }),
  );
  const d = new TagDictionary({ directory: dir });
  assert.equal(d.get('host', expectedId('host', 'h'))!.name, 'h');
  assert.equal(d.get('pod', expectedId('pod', 'uid-web'))!.name, 'web');
  assert.ok(d.unsaved, 'rewritten in the new format');
  d.save();
  assert.equal(JSON.parse(readFileSync(join(dir, DICTIONARY_FILE), 'utf8')).format, 2);
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
      format: 2,
      version: 1,
      entries: [{ kind: 'pod', id: '5', key: 'k', name: 'n', attributes: [], version: 1, time: 0 }],
    }),
  );
  assert.throws(() => new TagDictionary({ directory: dir }), /does not match its key/);
});

test('a full kind refuses new entries but still answers for known ones', () => {
  const d = new TagDictionary({ maxEntriesPerKind: 2 });
  d.intern('host', 'a', 'a', []);
  d.intern('host', 'b', 'b', []);
  assert.throws(() => d.intern('host', 'c', 'c', []), DictionaryFullError);
  assert.equal(d.intern('host', 'a', 'a', []), expectedId('host', 'a'));
  assert.equal(d.intern('pod', 'c', 'c', []), expectedId('pod', 'c'), 'other kinds are not affected');
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
