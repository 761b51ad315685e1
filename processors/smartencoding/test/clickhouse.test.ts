// The storage side on the real engine (chdb): the dictionary table and DICTIONARY objects,
// id columns, and queries written with tag names answering what the decoded data says.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { attr, type KeyValue } from '@flowtel/pdata';
import {
  DictionarySync,
  addIdColumnStatements,
  idColumnDefinitions,
  idColumnValues,
  l7IdColumnValues,
  translateTagNames,
} from '@flowtel/clickhouse';
import { decodeAttributes } from '../src/index.ts';
import { TagDictionary } from '../src/dictionary.ts';
import { tagAttributes } from '../src/value.ts';
import { openEngine, type Engine } from './chdb.ts';
import { logsBatch, plain, processor, tempDir, dictionaryOf, host } from './helpers.ts';

const DB = 'otel';

function engineOr(t: TestContext): Engine | undefined {
  const engine = openEngine(tempDir('chdb'));
  if (engine) return engine;
  if (process.env.CI === 'true') assert.fail('the chdb package is needed for the storage tests');
  t.skip('the chdb package is not installed');
  return undefined;
}

const pods = [
  { pod: 'web-1', ns: 'shop', app: 'web', team: 'storefront' },
  { pod: 'web-2', ns: 'shop', app: 'web', team: 'storefront' },
  { pod: 'db-0', ns: 'shop', app: 'db', team: 'data' },
  { pod: 'web-1', ns: 'staging', app: 'web', team: 'storefront' },
  { pod: 'batch-x', ns: 'jobs', app: 'batch', team: 'data' },
];
const resourceOf = (p: (typeof pods)[number]): KeyValue[] => [
  attr('service.name', p.app),
  attr('k8s.pod.name', p.pod),
  attr('k8s.pod.uid', `${p.ns}-${p.pod}`),
  attr('k8s.namespace.name', p.ns),
  attr('k8s.pod.label.app', p.app),
  { key: 'k8s.pod.label.app.kubernetes.io/part-of', value: { stringValue: p.team } },
  attr('deployment.environment', p.ns === 'staging' ? 'staging' : 'prod'),
];

test('tag names in SELECT and WHERE answer as the decoded rows do', async (t) => {
  const engine = engineOr(t);
  if (!engine) return;
  const p = processor({ directory: tempDir('ch'), tags: { cluster: 'eu-1' } });
  await p.start(host);
  try {
    await engine.query(`CREATE DATABASE ${DB}`);
    const sync = new DictionarySync(engine, DB);
    await sync.createSchema({ lifetime: 300 });
    await engine.query(
      `CREATE TABLE ${DB}.requests (time DateTime, duration UInt64, ServiceName LowCardinality(String)) ENGINE = MergeTree ORDER BY time`,
    );
    for (const s of addIdColumnStatements(DB, 'requests', false)) await engine.query(s);
    const dictionary = dictionaryOf('smartencoding')!;

    // rows: pod i gets (i + 1) * 10 requests with duration i * 100 + j
    const rows: string[] = [];
    const expected: Array<Record<string, unknown>> = [];
    for (const [i, pod] of pods.entries()) {
      const batch = logsBatch([resourceOf(pod)]);
      p.process(batch);
      const resource = batch.data.resourceLogs[0].resource.attributes;
      await sync.ensure(
        dictionary,
        Number((resource.find((a) => a.key === 'flowtel.tag.dict_version')!.value as { intValue: bigint }).intValue),
      );
      const ids = idColumnValues(resource);
      const decoded = plain(decodeAttributes(resource, dictionary));
      for (let j = 0; j < (i + 1) * 10; j++) {
        rows.push(
          JSON.stringify(
            {
              time: 1_700_000_000 + j,
              duration: i * 100 + j,
              ServiceName: plain(resource)['service.name'],
              ...ids,
            },
            (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
          ),
        );
        expected.push({ ...decoded, duration: i * 100 + j });
      }
    }
    await engine.insertRaw(
      `INSERT INTO ${DB}.requests (time, duration, ServiceName, ${idColumnDefinitions()
        .map((c) => c.split(' ')[0])
        .join(', ')}) FORMAT JSONEachRow`,
      Buffer.from(rows.join('\n')),
    );

    const run = (sql: string) => engine.rows(translateTagNames(sql, { database: DB }));
    const count = (pred: (r: Record<string, unknown>) => boolean) => expected.filter(pred).length;

    const byPod = await run(
      `SELECT pod, namespace, count() AS n FROM ${DB}.requests WHERE namespace = 'shop' GROUP BY pod, namespace ORDER BY pod`,
    );
    assert.deepEqual(byPod, [
      {
        pod: 'db-0',
        namespace: 'shop',
        n: count((r) => r['k8s.pod.name'] === 'db-0' && r['k8s.namespace.name'] === 'shop'),
      },
      {
        pod: 'web-1',
        namespace: 'shop',
        n: count((r) => r['k8s.pod.name'] === 'web-1' && r['k8s.namespace.name'] === 'shop'),
      },
      { pod: 'web-2', namespace: 'shop', n: count((r) => r['k8s.pod.name'] === 'web-2') },
    ]);

    const labelled = await run(
      `SELECT count() AS n FROM ${DB}.requests WHERE k8s.label.app IN ('web', 'db') AND pod_ns != 'staging'`,
    );
    assert.equal(
      Number(labelled[0].n),
      count((r) => ['web', 'db'].includes(r['k8s.pod.label.app'] as string) && r['k8s.namespace.name'] !== 'staging'),
    );

    const quoted = await run(
      `SELECT \`k8s.label.app.kubernetes.io/part-of\`, max(duration) AS worst FROM ${DB}.requests WHERE pod LIKE 'web-%' GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(quoted, [
      {
        'k8s.label.app.kubernetes.io/part-of': 'storefront',
        worst: Math.max(
          ...expected.filter((r) => String(r['k8s.pod.name']).startsWith('web-')).map((r) => r.duration as number),
        ),
      },
    ]);

    const userTag = await run(
      `SELECT tag.cluster AS cluster, resource.deployment.environment AS env, count() AS n FROM ${DB}.requests WHERE resource.deployment.environment = 'staging' GROUP BY cluster, env`,
    );
    assert.deepEqual(userTag, [
      { cluster: 'eu-1', env: 'staging', n: count((r) => r['deployment.environment'] === 'staging') },
    ]);

    const none = await run(`SELECT count() AS n FROM ${DB}.requests WHERE pod = 'no-such-pod'`);
    assert.equal(Number(none[0].n), 0);
  } finally {
    await p.shutdown();
    engine.close();
  }
});

test('a changed entry reaches the DICTIONARY objects on the next ensure; l7 rows put ids on their side', async (t) => {
  const engine = engineOr(t);
  if (!engine) return;
  const p = processor({ directory: tempDir('ch-change') });
  await p.start(host);
  try {
    await engine.query(`CREATE DATABASE ${DB}`);
    const sync = new DictionarySync(engine, DB);
    await sync.createSchema();
    await engine.query(
      `CREATE TABLE ${DB}.l7 (time DateTime, tap_side LowCardinality(String)) ENGINE = MergeTree ORDER BY time`,
    );
    for (const s of addIdColumnStatements(DB, 'l7', true)) await engine.query(s);
    const dictionary = dictionaryOf('smartencoding')!;
    const batch = logsBatch([[attr('k8s.pod.name', 'api-0'), attr('k8s.namespace.name', 'shop')]]);
    p.process(batch);
    const resource = batch.data.resourceLogs[0].resource.attributes;
    await sync.ensure(dictionary);
    const server = l7IdColumnValues(resource, [attr('tap_side', 's-p')]);
    const client = l7IdColumnValues(resource, [attr('tap_side', 'c-p'), attr('flowtel.tag.peer.pod_id', 7)]);
    assert.ok(server.pod_id_1 > 0n && server.pod_id_0 === 0n);
    assert.ok(client.pod_id_0 > 0n && client.pod_id_1 === 7n, 'the peer pod on the server side');
    client.pod_id_1 = 0n;
    await engine.insertRaw(
      `INSERT INTO ${DB}.l7 FORMAT JSONEachRow`,
      Buffer.from(
        [
          { time: 1, tap_side: 's-p', ...server },
          { time: 2, tap_side: 'c-p', ...client },
        ]
          .map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
          .join('\n'),
      ),
    );
    assert.deepEqual(
      await engine.rows(translateTagNames(`SELECT tap_side FROM ${DB}.l7 WHERE pod_1 = 'api-0'`, { database: DB })),
      [{ tap_side: 's-p' }],
    );
    assert.deepEqual(
      await engine.rows(translateTagNames(`SELECT pod_0, pod_1 FROM ${DB}.l7 ORDER BY time`, { database: DB })),
      [
        { pod_0: '', pod_1: 'api-0' },
        { pod_0: 'api-0', pod_1: '' },
      ],
    );

    const id = server.pod_id_1;
    dictionary.intern('pod', dictionary.get('pod', id)!.key, 'api-0-renamed', dictionary.get('pod', id)!.attributes);
    await sync.ensure(dictionary);
    assert.deepEqual(
      await engine.rows(translateTagNames(`SELECT pod_1 FROM ${DB}.l7 WHERE tap_side = 's-p'`, { database: DB })),
      [{ pod_1: 'api-0-renamed' }],
    );
    const stored = await engine.rows(
      `SELECT name, version FROM ${DB}.flowtel_tag_dictionary FINAL WHERE kind = 'pod' AND id = ${id}`,
    );
    // the stored version is the entry's time: copies from several collectors keep the newest
    assert.deepEqual(stored, [{ name: 'api-0-renamed', version: dictionary.get('pod', id)!.time }]);
  } finally {
    await p.shutdown();
    engine.close();
  }
});

test('ensure refuses a version its dictionary never reached instead of waiting for it', async (t) => {
  const engine = engineOr(t);
  if (!engine) return;
  try {
    await engine.query(`CREATE DATABASE ${DB}`);
    const sync = new DictionarySync(engine, DB);
    await sync.createSchema();
    const dictionary = new TagDictionary();
    dictionary.intern('pod', 'uid-web', 'web', tagAttributes({ 'k8s.pod.name': 'web' }));
    await assert.rejects(
      sync.ensure(dictionary, dictionary.version + 1),
      /need version 2 of the tag dictionary, which is at 1/,
    );
    await sync.ensure(dictionary, dictionary.version);
    assert.deepEqual(await engine.rows(`SELECT name FROM ${DB}.flowtel_tag_dictionary`), [{ name: 'web' }]);
  } finally {
    engine.close();
  }
});
