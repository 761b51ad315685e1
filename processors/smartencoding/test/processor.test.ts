import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { attr, type KeyValue } from '@flowtel/pdata';
import { ENTRIES_ATTRIBUTE, entriesFromText } from '@flowtel/core/smartencoding';
import { decodeBatch, factory } from '../src/index.ts';
import { logsBatch, plain, processor, tempDir, dictionaryOf, host } from './helpers.ts';

const HOST = hostname();
const COMM = readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim();

/** What the l7 processor puts on a request log's resource, for this test process. */
const l7Resource = (): KeyValue[] => [
  attr('service.name', COMM),
  attr('host.name', HOST),
  attr('process.pid', process.pid),
  attr('process.executable.name', COMM),
];

/** An application's OTLP resource, from another machine. */
const appResource = (): KeyValue[] => [
  attr('service.name', 'checkout'),
  attr('service.version', '1.4.2'),
  attr('host.name', 'node-17'),
  attr('k8s.pod.name', 'checkout-7d9f-abcde'),
  attr('k8s.namespace.name', 'shop'),
  attr('k8s.deployment.name', 'checkout'),
  attr('telemetry.sdk.language', 'go'),
  { key: 'process.command_args', value: { arrayValue: { values: [{ stringValue: '/app' }, { stringValue: '-v' }] } } },
];

test('encode: a local process leaves with ids only; the dictionary holds what /proc says', async () => {
  const p = processor({ directory: tempDir('local'), tags: { env: 'prod', region: 'eu-west-1' } });
  await p.start(host);
  try {
    const batch = logsBatch([l7Resource()]);
    p.process(batch);
    const out = plain(batch.data.resourceLogs[0].resource.attributes);
    assert.equal(out['service.name'], COMM, 'kept by default');
    for (const k of ['host.name', 'process.pid', 'process.executable.name', 'env', 'region'])
      assert.equal(out[k], undefined, `${k} is not on the record`);
    assert.equal(typeof out['flowtel.tag.host_id'], 'bigint');
    assert.equal(typeof out['flowtel.tag.process_id'], 'bigint');
    assert.equal(typeof out['flowtel.tag.agent_id'], 'bigint');
    assert.equal(out['flowtel.tag.resource_id'], undefined, 'nothing unexplained');
    assert.equal(out['flowtel.tag.dictionary'], 'smartencoding');
    const dictionary = dictionaryOf('smartencoding')!;
    assert.equal(out['flowtel.tag.dict_version'], dictionary.version);
    const proc = dictionary.get('process', out['flowtel.tag.process_id'] as bigint)!;
    assert.equal(proc.name, COMM);
    assert.deepEqual(Object.fromEntries(proc.attributes.map(([k, v]) => [k, Object.values(v)[0]])), {
      'process.pid': String(process.pid),
      'process.executable.name': COMM,
      'process.executable.path': process.execPath,
      'process.command_line': readFileSync(`/proc/${process.pid}/cmdline`, 'utf8')
        .replace(/\0+$/, '')
        .split('\0')
        .join(' '),
    });
    const agent = dictionary.get('agent', out['flowtel.tag.agent_id'] as bigint)!;
    assert.deepEqual(agent.attributes, [
      ['env', { s: 'prod' }],
      ['region', { s: 'eu-west-1' }],
    ]);

    const decoded = plain(decodeBatch(batch, dictionary).data.resourceLogs[0].resource.attributes);
    assert.equal(decoded['host.name'], HOST);
    assert.equal(decoded['process.pid'], process.pid);
    assert.equal(decoded['process.executable.path'], process.execPath);
    assert.equal(decoded.env, 'prod');
    assert.equal(
      Object.keys(decoded).some((k) => k.startsWith('flowtel.tag.')),
      false,
      'no ids left after decoding',
    );
    assert.ok(
      batch.data.resourceLogs[0].resource.attributes.some((kv) => kv.key === 'flowtel.tag.host_id'),
      'decodeBatch leaves its input alone',
    );
  } finally {
    await p.shutdown();
  }
});

test('decode(encode(resource)) restores every attribute with its value and type', async () => {
  const p = processor({ directory: tempDir('roundtrip') });
  await p.start(host);
  try {
    const original = appResource();
    const batch = logsBatch([original]);
    p.process(batch);
    const encoded = batch.data.resourceLogs[0].resource.attributes;
    const keys = encoded.map((kv) => kv.key);
    assert.deepEqual(
      keys.filter((k) => !k.startsWith('flowtel.tag.')),
      ['service.name', 'process.command_args'],
      'only the kept name and the array stay',
    );
    for (const kind of ['host', 'pod', 'namespace', 'workload', 'resource'])
      assert.ok(keys.includes(`flowtel.tag.${kind}_id`), kind);
    const decoded = decodeBatch(batch, dictionaryOf('smartencoding')!).data.resourceLogs[0].resource.attributes;
    const byKey = new Map(decoded.map((kv) => [kv.key, kv.value]));
    for (const kv of original) assert.deepEqual(byKey.get(kv.key), kv.value, kv.key);
    assert.equal(decoded.length, original.length, 'nothing invented for a remote resource');
  } finally {
    await p.shutdown();
  }
});

test('enrich mode leaves with decoded attributes, and ids agree with an encode processor on the same directory', async () => {
  const directory = tempDir('modes');
  const enc = processor({ directory }, 'smartencoding');
  const dec = processor({ directory, mode: 'enrich', tags: {} }, 'smartencoding/otlp');
  await enc.start(host);
  await dec.start(host);
  try {
    assert.equal(dictionaryOf('smartencoding'), dictionaryOf('smartencoding/otlp'), 'one dictionary per directory');
    const a = logsBatch([l7Resource(), appResource()]);
    const b = logsBatch([l7Resource(), appResource()]);
    enc.process(a);
    dec.process(b);
    const enriched = plain(b.data.resourceLogs[0].resource.attributes);
    assert.equal(enriched['process.executable.path'], process.execPath, 'enrich adds what /proc knows');
    assert.equal(
      Object.keys(enriched).some((k) => k.startsWith('flowtel.tag.')),
      false,
    );
    assert.deepEqual(
      decodeBatch(a, dictionaryOf('smartencoding')!).data.resourceLogs.map((r) => plain(r.resource.attributes)),
      b.data.resourceLogs.map((r) => plain(r.resource.attributes)),
    );
  } finally {
    await enc.shutdown();
    await dec.shutdown();
  }
});

test('processors sharing a directory must agree on what decides the entries', async () => {
  const directory = tempDir('disagree');
  const a = processor({ directory, tags: { env: 'prod' } }, 'smartencoding/a');
  const b = processor({ directory, tags: { env: 'staging' }, mode: 'enrich' }, 'smartencoding/b');
  await a.start(host);
  try {
    await assert.rejects(b.start(host), /smartencoding\/b: .*sharing the directory .* must have the same tags/);
  } finally {
    await a.shutdown();
    await b.shutdown();
  }
});

test('ids are stable across a restart and the version only grows when something is new', async () => {
  const directory = tempDir('restart');
  const ids = async () => {
    const p = processor({ directory });
    await p.start(host);
    const batch = logsBatch([appResource(), l7Resource()]);
    p.process(batch);
    const version = dictionaryOf('smartencoding')!.version;
    await p.shutdown();
    return { attrs: batch.data.resourceLogs.map((r) => plain(r.resource.attributes)), version };
  };
  const first = await ids();
  const second = await ids();
  const withoutVersion = (attrs: Array<Record<string, unknown>>) =>
    attrs.map(({ 'flowtel.tag.dict_version': v, ...rest }) => (assert.ok((v as number) <= first.version), rest));
  assert.deepEqual(withoutVersion(second.attrs), withoutVersion(first.attrs));
  assert.equal(second.version, first.version);
  assert.ok(first.version >= 6);
});

test('the client address finds nothing without Kubernetes, and resources repeat cheaply', async () => {
  const p = processor({ directory: tempDir('memo') });
  await p.start(host);
  try {
    const before = dictionaryOf('smartencoding')!.version;
    for (let i = 0; i < 1000; i++) p.process(logsBatch([l7Resource()], '10.0.0.5:40000'));
    const after = dictionaryOf('smartencoding')!.version;
    assert.ok(after - before <= 2, `1000 identical resources added ${after - before} entries`);
  } finally {
    await p.shutdown();
  }
});

test('config: defaults, unknown keys rejected, bad durations named', () => {
  const d = factory.configSchema.parse({});
  assert.equal(d.mode, 'encode');
  assert.equal(d.directory, './data/smartencoding');
  assert.deepEqual(d.keep, ['service.name']);
  assert.equal(d.kubernetes.enabled, 'auto');
  assert.equal(d.kubernetes.token_file, '/var/run/secrets/kubernetes.io/serviceaccount/token');
  assert.throws(() => factory.configSchema.parse({ modes: 'encode' }), /modes/);
  assert.throws(() => factory.configSchema.parse({ mode: 'compress' }), /encode.*enrich|enrich.*encode/);
  assert.throws(() => factory.configSchema.parse({ kubernetes: { sync_timeout: 'soon' } }), /not a duration/);
});

test('lifecycle: shutdown before start and twice is safe; a batch of every signal passes', async () => {
  const p = processor({ directory: tempDir('life') });
  await p.shutdown();
  await p.start(host);
  const { Subject } = await import('rxjs');
  const input = new Subject<import('@flowtel/core').Batch>();
  const out: import('@flowtel/core').Batch[] = [];
  input.pipe(p.operator()).subscribe((b) => out.push(b));
  input.next(logsBatch([l7Resource()]));
  input.next({
    signal: 'traces',
    items: 0,
    ack: (await import('@flowtel/core')).Ack.none(),
    data: {
      resourceSpans: [
        {
          resource: { attributes: l7Resource(), droppedAttributesCount: 0, entityRefs: [] },
          scopeSpans: [],
          schemaUrl: '',
        },
      ],
    },
  });
  input.complete();
  assert.equal(out.length, 2);
  assert.ok(
    out.every(
      (b) =>
        b.signal !== 'socket' &&
        JSON.stringify(b.data, (_, v) => (typeof v === 'bigint' ? 0 : v)).includes('flowtel.tag.process_id'),
    ),
  );
  await p.shutdown();
  await p.shutdown();
});

test('in_band: encoded resources carry the entries their ids need, once per resend interval or change', async () => {
  const p = processor(
    { directory: tempDir('in-band'), in_band: true, in_band_resend_interval: '1h' },
    'smartencoding/agent',
  );
  await p.start(host);
  try {
    const sent = (resources: KeyValue[][]) => {
      const batch = logsBatch(resources);
      p.process(batch);
      return batch.data.resourceLogs.map((r) => {
        const kv = r.resource.attributes.find((a) => a.key === ENTRIES_ATTRIBUTE);
        return {
          ids: plain(r.resource.attributes),
          entries: kv && 'stringValue' in kv.value ? entriesFromText(kv.value.stringValue) : [],
        };
      });
    };
    const [first] = sent([appResource()]);
    const dictionary = dictionaryOf('smartencoding/agent')!;
    const idKinds = Object.keys(first.ids)
      .filter((k) => /^flowtel\.tag\.[a-z]+_id$/.test(k))
      .map((k) => k.slice('flowtel.tag.'.length, -'_id'.length))
      .sort();
    assert.deepEqual(idKinds, ['host', 'namespace', 'pod', 'resource', 'workload']);
    assert.deepEqual(
      first.entries.map((e) => `${e.kind} ${e.id} ${e.name}`).sort(),
      idKinds.map((k) => {
        const e = dictionary.get(k as 'pod', first.ids[`flowtel.tag.${k}_id`] as bigint)!;
        return `${k} ${e.id} ${e.name}`;
      }),
      'every id the resource carries comes with its entry',
    );
    const pod = first.entries.find((e) => e.kind === 'pod')!;
    assert.equal(pod.name, 'checkout-7d9f-abcde');
    assert.deepEqual(pod.attributes, [['k8s.pod.name', { s: 'checkout-7d9f-abcde' }]]);

    const [again] = sent([appResource()]);
    assert.deepEqual(again.entries, [], 'sent once within the resend interval');
    assert.equal(again.ids['flowtel.tag.pod_id'], first.ids['flowtel.tag.pod_id']);

    const other = appResource().map((kv) => (kv.key === 'k8s.pod.name' ? attr('k8s.pod.name', 'checkout-2') : kv));
    const [second] = sent([other]);
    assert.deepEqual(
      second.entries.map((e) => e.kind),
      ['pod'],
      'only the new pod goes along: the namespace, host, workload and the same resource rest were sent',
    );
  } finally {
    await p.shutdown();
  }
});
