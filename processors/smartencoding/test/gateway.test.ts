// Agents -> gateways -> stores, each a flowtel collector in a child process: two agents encode
// OTLP from pods with in_band entries and send it on over OTLP/HTTP, each to its gateway; the
// gateways have no smartencoding processor and store it encoded in their embedded ClickHouse.
// Gateway 1 is restarted between agent a's first batch (which carried the entries) and its
// second (which does not): nothing is lost. Then one query reads both stores through their
// ClickHouse HTTP interfaces (url(), as a Distributed table reads its shards): a pod both
// agents saw is one pod, with one id, across the two.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, runCollector, waitFor } from '@flowtel/testkit';
import { runQuery, translateTagNames } from '@flowtel/clickhouse';
import { openEngine } from './chdb.ts';
import { tempDir } from './helpers.ts';

interface Pod {
  name: string;
  uid: string;
  app: string;
}
const SHARED: Pod = { name: 'shared-0', uid: 'uid-shared-0', app: 'shared' };
const POD_A: Pod = { name: 'web-a', uid: 'uid-web-a', app: 'web' };
const POD_B: Pod = { name: 'db-b', uid: 'uid-db-b', app: 'db' };

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

let spanNo = 0;
/** OTLP/JSON traces: `spans` spans for each pod, as an SDK in that pod on `node` sends them. */
function traces(node: string, pods: Pod[], spans: number): unknown {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: pods.map((p) => ({
      resource: {
        attributes: [
          str('service.name', p.app),
          str('host.name', node),
          str('k8s.pod.name', p.name),
          str('k8s.pod.uid', p.uid),
          str('k8s.namespace.name', 'shop'),
          str('k8s.pod.label.app', p.app),
        ],
      },
      scopeSpans: [
        {
          scope: { name: 'test' },
          spans: Array.from({ length: spans }, () => {
            const n = ++spanNo;
            return {
              traceId: n.toString(16).padStart(32, '0'),
              spanId: n.toString(16).padStart(16, '0'),
              name: `GET /${p.app}`,
              kind: 2,
              startTimeUnixNano: String(now),
              endTimeUnixNano: String(now + 1_000_000n),
            };
          }),
        },
      ],
    })),
  };
}

async function post(port: number, body: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

const agentConfig = (port: number, gateway: number, name: string) => `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  smartencoding:
    directory: ./${name}-dictionary
    tags: { agent: ${name} }
    in_band: true
    in_band_resend_interval: 1h
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${gateway}
    retry_on_failure:
      initial_interval: 200ms
      max_elapsed_time: 300s
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [smartencoding]
      exporters: [otlp_http]
`;

const gatewayYaml = (n: number, port: number, http: number) => `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  clickhouse:
    endpoint: chdb://./store-${n}
    retry_on_failure:
      initial_interval: 200ms
    http_interface:
      enabled: true
      endpoint: 127.0.0.1:${http}
      username: reader
      password: secret
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [clickhouse]
`;

test('two agents send encoded spans with in-band entries through OTLP to two gateways; a restarted gateway loses nothing; one query over both stores', async (t) => {
  const dir = tempDir('gateway');
  const [port1, port2, http1, http2, portA, portB] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const gatewayConfig = (n: number, port: number, http: number) => {
    const path = join(dir, `gateway-${n}.yaml`);
    writeFileSync(path, gatewayYaml(n, port, http));
    return path;
  };
  const configOf = (name: string, port: number, gateway: number) => {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, 'agent.yaml');
    writeFileSync(path, agentConfig(port, gateway, name));
    return path;
  };
  const query = async (store: number, sql: string) =>
    JSON.parse(await runQuery({ endpoint: `chdb://./store-${store}` }, sql, 'json', { configDir: dir })) as Array<
      Record<string, string | number>
    >;
  const spansStored = (store: number, n: number) =>
    waitFor(`${n} spans in store ${store}`, async () => {
      const rows = await query(store, 'SELECT count() AS n FROM otel_traces').catch(() => []);
      return Number(rows[0]?.n) === n;
    });

  const config1 = gatewayConfig(1, port1, http1);
  let gateway1 = await runCollector(t, config1, port1);
  const gateway2 = await runCollector(t, gatewayConfig(2, port2, http2), port2);
  await runCollector(t, configOf('agent-a', portA, port1), portA);
  await runCollector(t, configOf('agent-b', portB, port2), portB);

  await post(portA, traces('node-a', [SHARED, POD_A], 2));
  await spansStored(1, 4);

  // gateway 1 goes away after agent a's entries are stored; agent a's next batch carries none
  assert.equal(await gateway1.stop(), 0, gateway1.output());
  gateway1 = await runCollector(t, config1, port1);
  await post(portA, traces('node-a', [SHARED, POD_A], 3));
  await post(portB, traces('node-b', [SHARED, POD_B], 1));
  await spansStored(1, 10);
  await spansStored(2, 2);

  for (const [store, expected] of [
    [1, ['agent-a node-a shared-0 5', 'agent-a node-a web-a 5']],
    [2, ['agent-b node-b db-b 1', 'agent-b node-b shared-0 1']],
  ] as const) {
    const perPod = await query(
      store,
      'SELECT tag.agent AS agent, host, pod, count() AS n FROM otel_traces GROUP BY agent, host, pod ORDER BY agent, pod',
    );
    assert.deepEqual(
      perPod.map((r) => `${r.agent} ${r.host} ${r.pod} ${r.n}`),
      expected,
    );
    const dangling = await query(
      store,
      `SELECT count() AS n FROM otel_traces WHERE pod_id != 0 AND pod_id NOT IN (SELECT id FROM flowtel_tag_dictionary WHERE kind = 'pod')`,
    );
    assert.deepEqual(dangling, [{ n: 0 }], 'no row has an id without its entry');
  }
  assert.deepEqual(
    await query(1, "SELECT kind, count() AS n FROM flowtel_tag_dictionary FINAL WHERE kind = 'pod' GROUP BY kind"),
    [{ kind: 'pod', n: 2 }],
    'one entry per pod, though sent once and then the gateway restarted',
  );

  // one query over both stores, each answering for its own rows with its own dictionary
  const engine = openEngine(tempDir('union'));
  assert.ok(engine, 'chdb');
  t.after(() => engine.close());
  const shard = (http: number, sql: string, structure: string) => {
    const inner = `${translateTagNames(sql, { database: 'otel' })} FORMAT TabSeparated`;
    const url = `http://127.0.0.1:${http}/?user=reader&password=secret&query=${encodeURIComponent(inner).replace(/'/g, '%27')}`;
    return `SELECT * FROM url('${url}', 'TabSeparated', '${structure}')`;
  };
  const both = (sql: string, structure: string) =>
    `${shard(http1, sql, structure)} UNION ALL ${shard(http2, sql, structure)}`;
  const union = await engine.rows(
    `SELECT pod, sum(n) AS n, groupUniqArray(agent) AS agents FROM (${both(
      'SELECT tag.agent AS agent, pod, count() AS n FROM otel.otel_traces GROUP BY agent, pod',
      'agent String, pod String, n UInt64',
    )}) GROUP BY pod ORDER BY pod`,
  );
  assert.deepEqual(
    union.map((r) => `${r.pod} ${r.n} ${[...(r.agents as string[])].sort().join('+')}`),
    ['db-b 1 agent-b', 'shared-0 6 agent-a+agent-b', 'web-a 5 agent-a'],
  );
  const ids = await engine.rows(
    `SELECT uniqExact(id) AS ids FROM (${both("SELECT DISTINCT pod_id FROM otel.otel_traces WHERE pod = 'shared-0'", 'id UInt64')})`,
  );
  assert.deepEqual(ids, [{ ids: 1 }], 'the pod both agents saw has one id in both stores');
  for (const g of [gateway1, gateway2]) assert.doesNotMatch(g.output(), /"level":(50|60)/, 'no error logged');
});
