// Agents -> gateway -> store, each a flowtel collector in a child process: two agents encode
// OTLP from pods with in_band entries and send it on over OTLP/HTTP; one gateway without a
// smartencoding processor stores it encoded in the embedded ClickHouse. The gateway is
// restarted between an agent's first batch (which carried the entries) and its second (which
// does not): nothing is lost, and a pod both agents saw is one pod in the store.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, runCollector, waitFor } from '@flowtel/testkit';
import { runQuery } from '@flowtel/clickhouse';
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

test('two agents send encoded spans with in-band entries through OTLP; a restarted gateway stores all of them encoded', async (t) => {
  const dir = tempDir('gateway');
  const [gatewayPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
  const gatewayConfig = join(dir, 'gateway.yaml');
  writeFileSync(
    gatewayConfig,
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${gatewayPort}
exporters:
  clickhouse:
    endpoint: chdb://./store
    retry_on_failure:
      initial_interval: 200ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [clickhouse]
`,
  );
  const configOf = (name: string, port: number) => {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, 'agent.yaml');
    writeFileSync(path, agentConfig(port, gatewayPort, name));
    return path;
  };
  const query = async (sql: string) =>
    JSON.parse(await runQuery({ endpoint: 'chdb://./store' }, sql, 'json', { configDir: dir })) as Array<
      Record<string, string | number>
    >;
  const spansStored = (n: number) =>
    waitFor(`${n} spans in otel_traces`, async () => {
      const rows = await query('SELECT count() AS n FROM otel_traces').catch(() => []);
      return Number(rows[0]?.n) === n;
    });

  let gateway = await runCollector(t, gatewayConfig, gatewayPort);
  await runCollector(t, configOf('agent-a', portA), portA);
  await runCollector(t, configOf('agent-b', portB), portB);

  await post(portA, traces('node-a', [SHARED, POD_A], 2));
  await spansStored(4);

  // the gateway goes away after agent a's entries are stored; the next batches carry none
  assert.equal(await gateway.stop(), 0, gateway.output());
  gateway = await runCollector(t, gatewayConfig, gatewayPort);
  await post(portA, traces('node-a', [SHARED, POD_A], 3));
  await post(portB, traces('node-b', [SHARED, POD_B], 1));
  await spansStored(4 + 6 + 2);

  const perPod = await query(
    'SELECT tag.agent AS agent, host, pod, count() AS n FROM otel_traces GROUP BY agent, host, pod ORDER BY agent, pod',
  );
  assert.deepEqual(
    perPod.map((r) => `${r.agent} ${r.host} ${r.pod} ${r.n}`),
    ['agent-a node-a shared-0 5', 'agent-a node-a web-a 5', 'agent-b node-b db-b 1', 'agent-b node-b shared-0 1'],
  );
  const shared = await query(
    "SELECT uniqExact(pod_id) AS ids, uniqExact(agent_id) AS agents, count() AS n FROM otel_traces WHERE pod = 'shared-0' AND k8s.label.app = 'shared'",
  );
  assert.deepEqual(shared, [{ ids: 1, agents: 2, n: 6 }], 'the pod both agents saw has one id');
  const entries = await query(
    "SELECT kind, count() AS n FROM flowtel_tag_dictionary FINAL WHERE kind IN ('pod', 'namespace', 'host', 'agent') GROUP BY kind ORDER BY kind",
  );
  assert.deepEqual(
    entries.map((r) => `${r.kind} ${r.n}`),
    ['agent 2', 'host 2', 'namespace 1', 'pod 3'],
    'one entry per thing, whoever sent it',
  );
  const dangling = await query(
    `SELECT count() AS n FROM otel_traces WHERE pod_id != 0 AND pod_id NOT IN (SELECT id FROM flowtel_tag_dictionary WHERE kind = 'pod')`,
  );
  assert.deepEqual(dangling, [{ n: 0 }], 'no row has an id without its entry');
  assert.doesNotMatch(gateway.output(), /"level":(50|60)/, 'the gateway logged no error');
});
