// SmartEncoding through the exporter on the real engine: records the smartencoding processor
// encoded are stored as id columns plus dictionary entries, and `flowtel query` with tag names
// answers what the decoded records say. Records without ids are stored as contrib stores them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testHost, testSettings } from '@flowtel/testkit';
import {
  attr,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  SpanKind,
  type KeyValue,
  type Logs,
  type Traces,
} from '@flowtel/pdata';
import { decodeBatch, factory as smartencoding, type TagDictionary } from '@flowtel/processor-smartencoding';
import type { Batch, ConsumerError, Host } from '@flowtel/core';
import { T0, batchOf, rowsOf, sampleMetrics, tempDir } from '../../../packages/clickhouse/test/fixtures.ts';
import {
  ENTRIES_ATTRIBUTE,
  L7_SCOPE_NAME,
  TAG_DICTIONARY,
  entriesToText,
  tagId,
  type TagEntry,
} from '@flowtel/core/smartencoding';
import { connect, runQuery, type ClickHouseClient } from '@flowtel/clickhouse';
import { createStore } from '../src/clickhouse.ts';
import type { ClickHouseStore } from '@flowtel/clickhouse';
import { configSchema } from '../src/config.ts';

interface Pod {
  pod: string;
  ns: string;
  app: string;
}
const PODS: Pod[] = [
  { pod: 'web-1', ns: 'shop', app: 'web' },
  { pod: 'web-2', ns: 'shop', app: 'web' },
  { pod: 'db-0', ns: 'shop', app: 'db' },
  { pod: 'web-1', ns: 'staging', app: 'web' },
  { pod: 'cron-x', ns: 'jobs', app: 'cron' },
];

const podResource = (p: Pod): KeyValue[] => [
  attr('service.name', p.app),
  attr('host.name', `node-${p.ns}`),
  attr('k8s.pod.name', p.pod),
  attr('k8s.pod.uid', `uid-${p.ns}-${p.pod}`),
  attr('k8s.namespace.name', p.ns),
  attr('k8s.pod.label.app', p.app),
  attr('deployment.environment', p.ns === 'staging' ? 'staging' : 'prod'),
];

/** Pod i serves (i + 1) * 3 requests, captured on the server side, each a request log and a span. */
function requestLogs(): Logs {
  return {
    resourceLogs: PODS.map((p, i) => ({
      resource: newResource(podResource(p)),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: newScope(L7_SCOPE_NAME, '0.1.0'),
          schemaUrl: '',
          logRecords: Array.from({ length: (i + 1) * 3 }, (_, j) =>
            newLogRecord({
              timeUnixNano: T0 + BigInt(i * 100 + j) * 1_000_000n,
              attributes: [
                attr('l7_protocol_str', 'HTTP'),
                attr('tap_side', 's-p'),
                attr('request_type', 'GET'),
                attr('endpoint', `/${p.app}`),
                attr('response_duration', 1000 + j),
                attr('process_kname_1', p.app),
                attr('ip_0', '10.0.0.1'),
                attr('ip_1', `10.1.0.${i + 1}`),
              ],
            }),
          ),
        },
      ],
    })),
  };
}

function spans(): Traces {
  return {
    resourceSpans: PODS.map((p, i) => ({
      resource: newResource(podResource(p)),
      schemaUrl: '',
      scopeSpans: [
        {
          scope: newScope('io.flowtel.test', '1.0.0'),
          schemaUrl: '',
          spans: Array.from({ length: i + 1 }, (_, j) =>
            newSpan({
              traceId: new Uint8Array(16).fill(i + 1),
              spanId: new Uint8Array(8).fill(j + 1 + i * 10),
              name: `GET /${p.app}`,
              kind: SpanKind.SERVER,
              startTimeUnixNano: T0 + BigInt(j) * 1_000_000n,
              endTimeUnixNano: T0 + BigInt(j + 1) * 1_000_000n,
            }),
          ),
        },
      ],
    })),
  };
}

const get = (attributes: KeyValue[], key: string) => {
  const v = attributes.find((kv) => kv.key === key)?.value;
  return v && 'stringValue' in v ? v.stringValue : undefined;
};

describe('SmartEncoding ids in the embedded store', () => {
  let dir: string;
  let exporter: ClickHouseStore;
  /** the processor's own surface: start, and rewrite a batch in place */
  let encoder: { start(host: Host): Promise<void>; shutdown(): Promise<void>; process(batch: Batch): void };
  /** as in a collector, the processor offers its dictionary through the host and the store finds it there */
  const host = testHost();
  const dictionaryOf = (name: string) => host.shared.lookup(TAG_DICTIONARY, name) as TagDictionary | undefined;
  let client: ClickHouseClient;
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });
  /** what the processor's dictionary decodes the stored request logs to */
  let decodedLogs: Logs;
  let decodedTraces: Traces;

  const cleanups: Array<() => void> = [];
  before(async () => {
    // removed in this suite's after hook: the engine's folder must outlive `before`
    dir = tempDir({ after: (fn) => cleanups.push(fn) });
    const settings = testSettings('smartencoding/store', 'processor', dir);
    encoder = smartencoding.createProcessor(
      settings,
      smartencoding.configSchema.parse({ directory: './dictionary', tags: { cluster: 'eu-1' } }),
      'logs',
      'logs',
    ) as unknown as typeof encoder;
    await encoder.start(host);
    exporter = createStore(
      testSettings('clickhouse', 'exporter', dir),
      cfg,
      ['traces', 'logs', 'metrics'],
      dictionaryOf,
    );
    await exporter.open();
    client = await connect(cfg, dir);

    const logs = batchOf('logs', requestLogs(), 45);
    encoder.process(logs);
    const traces = batchOf('traces', spans(), 15);
    encoder.process(traces);
    const dictionary = dictionaryOf('smartencoding/store')!;
    decodedLogs = decodeBatch(logs, dictionary).data as Logs;
    decodedTraces = decodeBatch(traces, dictionary).data as Traces;
    assert.ok(
      get((logs.data as Logs).resourceLogs[0].resource.attributes, 'k8s.pod.name') === undefined,
      'the processor encoded the pods',
    );
    await exporter.write(logs);
    await exporter.write(traces);
  });
  after(async () => {
    await client?.close();
    await exporter?.close();
    await encoder?.shutdown();
    for (const fn of cleanups) fn();
  });

  test('id columns are filled and the dictionary table holds the entries', async () => {
    const rows = await rowsOf(
      client,
      'SELECT pod_id_1, namespace_id_1, host_id_1, count() AS n FROM otel.l7_flow_log GROUP BY 1, 2, 3 ORDER BY n',
    );
    assert.equal(rows.length, PODS.length, 'one id set per pod');
    for (const r of rows)
      for (const c of ['pod_id_1', 'namespace_id_1', 'host_id_1']) assert.notEqual(r[c], 0, `${c} is set`);
    assert.deepEqual(
      rows.map((r) => Number(r.n)),
      PODS.map((_, i) => (i + 1) * 3),
    );
    const entries = await rowsOf(
      client,
      "SELECT name FROM otel.flowtel_tag_dictionary FINAL WHERE kind = 'pod' ORDER BY name",
    );
    assert.deepEqual(
      entries.map((e) => e.name),
      PODS.map((p) => p.pod).sort(),
    );
    const traceIds = await rowsOf(
      client,
      'SELECT countIf(pod_id = 0) AS none, uniqExact(pod_id) AS pods FROM otel.otel_traces',
    );
    assert.deepEqual(
      traceIds.map((r) => [Number(r.none), Number(r.pods)]),
      [[0, PODS.length]],
    );
  });

  test('no tag attribute is left in the attribute maps; the encoded tags are not there either', async () => {
    const [r] = await rowsOf(
      client,
      `SELECT countIf(arrayExists(k -> startsWith(k, 'flowtel.tag.'), mapKeys(ResourceAttributes))) AS tagged,
              countIf(mapContains(ResourceAttributes, 'k8s.pod.name')) AS pod_names,
              groupUniqArray(ServiceName) AS services FROM otel.otel_traces`,
    );
    assert.equal(Number(r.tagged), 0);
    assert.equal(Number(r.pod_names), 0, 'the pod name lives in the dictionary');
    assert.deepEqual((r.services as string[]).sort(), ['cron', 'db', 'web'], 'service.name is kept');
    const [l7] = await rowsOf(
      client,
      "SELECT countIf(arrayExists(k -> startsWith(k, 'flowtel.tag.'), attribute_names)) AS tagged FROM otel.l7_flow_log",
    );
    assert.equal(Number(l7.tagged), 0);
  });

  test('tag names in SELECT and WHERE answer what the decoded records say', async () => {
    // expected from the decoded batch: requests per pod in namespace shop, and their durations
    const expected = new Map<string, { n: number; total: number }>();
    for (const rl of decodedLogs.resourceLogs) {
      if (get(rl.resource.attributes, 'k8s.namespace.name') !== 'shop') continue;
      const pod = get(rl.resource.attributes, 'k8s.pod.name')!;
      for (const rec of rl.scopeLogs[0].logRecords) {
        const d = rec.attributes.find((kv) => kv.key === 'response_duration')!.value;
        const e = expected.get(pod) ?? { n: 0, total: 0 };
        e.n++;
        e.total += Number('intValue' in d ? d.intValue : 0);
        expected.set(pod, e);
      }
    }
    const out = JSON.parse(
      await runQuery(
        cfg,
        "SELECT pod_1, pod_ns_1, count() AS n, sum(response_duration) AS total FROM l7_flow_log WHERE pod_ns_1 = 'shop' GROUP BY pod_1, pod_ns_1 ORDER BY pod_1",
        'json',
        { configDir: dir },
      ),
    ) as Array<{ pod_1: string; pod_ns_1: string; n: string; total: string }>;
    assert.deepEqual(
      out.map((r) => [r.pod_1, r.pod_ns_1, Number(r.n), Number(r.total)]),
      [...expected].sort(([a], [b]) => a.localeCompare(b)).map(([pod, e]) => [pod, 'shop', e.n, e.total]),
    );

    const labelled = JSON.parse(
      await runQuery(
        cfg,
        "SELECT SpanName, pod, namespace, host FROM otel_traces WHERE `k8s.label.app` = 'web' AND pod != 'web-2' ORDER BY namespace, SpanId",
        'json',
        { configDir: dir },
      ),
    ) as Array<Record<string, string>>;
    const want = decodedTraces.resourceSpans
      .filter(
        (rs) =>
          get(rs.resource.attributes, 'k8s.pod.label.app') === 'web' &&
          get(rs.resource.attributes, 'k8s.pod.name') !== 'web-2',
      )
      .flatMap((rs) =>
        rs.scopeSpans[0].spans.map(() => ({
          SpanName: 'GET /web',
          pod: get(rs.resource.attributes, 'k8s.pod.name'),
          namespace: get(rs.resource.attributes, 'k8s.namespace.name'),
          host: get(rs.resource.attributes, 'host.name'),
        })),
      );
    assert.deepEqual(labelled, want);
  });

  test('the README recipe restores ResourceAttributes as decoded', async () => {
    // every kind's attributes over what stayed on the row, the `resource` entry last (it wins on decode)
    const kinds = [
      'agent',
      'host',
      'process',
      'container',
      'pod',
      'namespace',
      'node',
      'workload',
      'service',
      'resource',
    ];
    const restored = kinds.reduce(
      (map, k) => `mapUpdate(${map}, dictGet('otel.flowtel_tag_${k}', 'attributes', toUInt64(${k}_id)))`,
      'ResourceAttributes',
    );
    const rows = await rowsOf(
      client,
      `SELECT DISTINCT ${restored} AS attributes FROM otel.otel_traces WHERE pod_id != 0`,
    );
    const sorted = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
    const want = decodedTraces.resourceSpans.map((rs) =>
      sorted(Object.fromEntries(rs.resource.attributes.map((kv) => [kv.key, get(rs.resource.attributes, kv.key)]))),
    );
    const got = rows.map((r) => sorted(r.attributes as Record<string, unknown>));
    const key = (o: Record<string, unknown>) => JSON.stringify(o);
    assert.deepEqual(got.map(key).sort(), want.map(key).sort());
  });

  test('metric data points get the id columns of every metric table', async () => {
    const metrics = sampleMetrics();
    metrics.resourceMetrics[0].resource.attributes.push(
      ...podResource(PODS[2]).filter((kv) => kv.key !== 'service.name'),
    );
    const batch = batchOf('metrics', metrics, 5);
    encoder.process(batch);
    await exporter.write(batch);
    const out = JSON.parse(
      await runQuery(
        cfg,
        "SELECT * FROM (SELECT 'gauge' AS t, pod, namespace, MetricName FROM otel_metrics_gauge WHERE pod = 'db-0' UNION ALL SELECT 'sum', pod, namespace, MetricName FROM otel_metrics_sum WHERE pod = 'db-0') ORDER BY t, MetricName",
        'json',
        { configDir: dir },
      ),
    ) as Array<Record<string, string>>;
    const names = (kind: 'gauge' | 'sum') =>
      metrics.resourceMetrics[0].scopeMetrics[0].metrics
        .filter((m) => m[kind])
        .map((m) => m.name)
        .sort();
    assert.deepEqual(out, [
      ...names('gauge').map((MetricName) => ({ t: 'gauge', pod: 'db-0', namespace: 'shop', MetricName })),
      ...names('sum').map((MetricName) => ({ t: 'sum', pod: 'db-0', namespace: 'shop', MetricName })),
    ]);
  });

  test('the services view shows the services by name', async () => {
    const out = JSON.parse(await runQuery(cfg, { services: true }, 'json', { configDir: dir })) as Array<{
      service: string;
      requests: string;
    }>;
    assert.deepEqual(out.map((r) => [r.service, Number(r.requests)]).sort(), [
      ['cron', 5],
      ['db', 3],
      ['web', 1 + 2 + 4],
    ]);
  });

  test('records without ids beside encoded ones keep their attributes and get id 0', async () => {
    const plain = spans().resourceSpans[2];
    plain.resource.attributes.push(attr('marker', 'plain'));
    const encoded = spans().resourceSpans[3];
    const batch = batchOf('traces', { resourceSpans: [encoded] }, 4);
    encoder.process(batch);
    await exporter.write(batchOf('traces', { resourceSpans: [plain, encoded] }, 7));
    const rows = await rowsOf(
      client,
      "SELECT pod_id, ResourceAttributes FROM otel.otel_traces WHERE ResourceAttributes['marker'] = 'plain'",
    );
    assert.equal(rows.length, 3);
    const asSent = Object.fromEntries(
      plain.resource.attributes.map((kv) => [kv.key, get(plain.resource.attributes, kv.key)]),
    );
    for (const r of rows) assert.deepEqual(r, { pod_id: 0, ResourceAttributes: asSent });
  });
  test('a gateway without the processor: ids wait for their entries, entries in-band are stored, a new gateway finds them in the store', async () => {
    // an agent's ids, content-derived, for a pod this collector never saw
    const podId = tagId('pod', 'uid-remote-pod');
    const nsId = tagId('namespace', 'remote-ns');
    const entries: TagEntry[] = [
      {
        kind: 'pod',
        id: podId,
        key: 'uid-remote-pod',
        name: 'remote-pod',
        attributes: [['k8s.pod.name', { s: 'remote-pod' }]],
        version: 3,
        time: 1_000,
      },
      {
        kind: 'namespace',
        id: nsId,
        key: 'remote-ns',
        name: 'remote-ns',
        attributes: [['k8s.namespace.name', { s: 'remote-ns' }]],
        version: 4,
        time: 1_000,
      },
    ];
    const encoded = (withEntries: boolean): Traces => {
      const t = spans();
      t.resourceSpans = t.resourceSpans.slice(0, 1);
      t.resourceSpans[0].resource.attributes = [
        attr('service.name', 'remote'),
        attr('flowtel.tag.dictionary', 'smartencoding'),
        attr('flowtel.tag.dict_version', 4),
        attr('flowtel.tag.pod_id', podId),
        attr('flowtel.tag.namespace_id', nsId),
        ...(withEntries ? [attr(ENTRIES_ATTRIBUTE, entriesToText(entries))] : []),
      ];
      return t;
    };
    const gateway = () => createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['traces'], () => undefined);
    const first = gateway();
    await first.open();
    try {
      await assert.rejects(
        first.write(batchOf('traces', encoded(false), 1)),
        (err: ConsumerError) =>
          err.retryable && /2 SmartEncoding id\(s\) .* have no dictionary entry yet/.test(err.message),
        'rows whose entries are nowhere wait (retried), never stored with a dangling id',
      );
      assert.deepEqual(await rowsOf(client, `SELECT count() AS n FROM otel.otel_traces WHERE pod_id = ${podId}`), [
        { n: 0 },
      ]);
      await first.write(batchOf('traces', encoded(true), 1));
      // the batch that waited, retried now that its entries are in the store
      await first.write(batchOf('traces', encoded(false), 1));
    } finally {
      await first.close();
    }
    // a gateway restarted between the entries and the next records finds the entries in the store
    const second = gateway();
    await second.open();
    try {
      await second.write(batchOf('traces', encoded(false), 1));
      const bad = encoded(false);
      bad.resourceSpans[0].resource.attributes.push(attr(ENTRIES_ATTRIBUTE, '{"not": "entries"}'));
      await assert.rejects(
        second.write(batchOf('traces', bad, 1)),
        (err: ConsumerError) => !err.retryable && /flowtel.tag.entries: .*not a JSON array/.test(err.message),
        'a malformed entries attribute is refused for good',
      );
    } finally {
      await second.close();
    }
    const out = JSON.parse(
      await runQuery(
        cfg,
        "SELECT pod, namespace, count() AS n FROM otel_traces WHERE pod = 'remote-pod' GROUP BY pod, namespace",
        'json',
        { configDir: dir },
      ),
    ) as Array<Record<string, string>>;
    assert.deepEqual(out, [{ pod: 'remote-pod', namespace: 'remote-ns', n: 3 }]);
  });
});
