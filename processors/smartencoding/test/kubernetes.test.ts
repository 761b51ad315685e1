// The Kubernetes path against recorded API responses: no API server can run on this machine,
// so a loopback HTTPS server (test CA from openssl, bearer token checked) serves the lists
// and watch streams a real one would.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { attr, type KeyValue } from '@flowtel/pdata';
import { CONDITION_TIMEOUT_MS } from '@flowtel/testkit';
import { decodeBatch } from '../src/index.ts';
import type { SmartEncodingProcessor } from '../src/smartencoding.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';
import { logsBatch, plain, processor, tempDir, dictionaryOf, host } from './helpers.ts';

const CHECKOUT_CONTAINER = 'a3c2b1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2';

async function withCluster(
  t: TestContext,
  extra: Record<string, unknown>,
  body: (api: FakeApiServer, p: SmartEncodingProcessor, config: Record<string, unknown>) => Promise<void>,
) {
  const api = await startFakeApiServer();
  if (!api) {
    if (process.env.CI === 'true') assert.fail('openssl is needed to make the test CA');
    t.skip('openssl is not installed: cannot make the test CA');
    return;
  }
  const config = {
    directory: tempDir('k8s'),
    kubernetes: { api_url: api.url, token_file: api.tokenFile, ca_file: api.caFile, max_backoff: '200ms', ...extra },
  };
  const p = processor(config);
  try {
    await p.start(host);
    await body(api, p, config);
  } finally {
    await p.shutdown();
    await api.close();
  }
}

/** Encodes one resource and returns its decoded attributes and its ids. */
function tag(p: SmartEncodingProcessor, resource: KeyValue[], client?: string) {
  const batch = logsBatch([resource], client);
  p.process(batch);
  const ids = plain(batch.data.resourceLogs[0].resource.attributes);
  const decoded = plain(decodeBatch(batch, dictionaryOf('smartencoding')!).data.resourceLogs[0].resource.attributes);
  return { ids, decoded };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + CONDITION_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('start lists pods, services and replica sets over HTTPS with the token, then watches them', async (t) => {
  await withCluster(t, {}, async (api) => {
    for (const path of ['/api/v1/pods', '/api/v1/services', '/apis/apps/v1/replicasets']) {
      assert.ok(api.requests.includes(path), `listed ${path} before start returned`);
      await until(() => api.openWatches(path) === 1, `the ${path} watch`);
      assert.ok(
        api.requests.some((r) => r.startsWith(`${path}?watch=true&allowWatchBookmarks=true&resourceVersion=184467`)),
        `watched ${path} from the list's version`,
      );
    }
  });
});

test('pods are tagged from the API: container id, pod IP, owners, services; labels only in the dictionary', async (t) => {
  await withCluster(t, {}, async (_api, p) => {
    const checkout = tag(p, [attr('service.name', 'checkout'), attr('container.id', CHECKOUT_CONTAINER)]);
    for (const k of ['pod', 'namespace', 'node', 'workload', 'service', 'container'])
      assert.equal(typeof checkout.ids[`flowtel.tag.${k}_id`], 'bigint', k);
    assert.equal(
      Object.keys(checkout.ids).some((k) => k.startsWith('k8s.')),
      false,
      'no Kubernetes attribute on the record',
    );
    assert.equal(checkout.decoded['k8s.pod.name'], 'checkout-7d9f8b6c5d-x2k4p');
    assert.equal(checkout.decoded['k8s.pod.uid'], '5b0e6c2a-1f3d-4c8e-9a7b-2d4f6e8a0c11');
    assert.equal(checkout.decoded['k8s.namespace.name'], 'shop');
    assert.equal(checkout.decoded['k8s.node.name'], 'worker-1');
    assert.equal(checkout.decoded['k8s.deployment.name'], 'checkout');
    assert.equal(checkout.decoded['k8s.replicaset.name'], 'checkout-7d9f8b6c5d');
    assert.equal(checkout.decoded['k8s.service.name'], 'checkout', 'the service in the pod namespace, not staging');
    assert.equal(checkout.decoded['k8s.service.uid'], 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
    assert.equal(checkout.decoded['k8s.pod.label.tier'], 'backend');
    assert.equal(checkout.decoded['k8s.pod.annotation.prometheus.io/port'], '9090');
    assert.equal(checkout.decoded['container.name'], 'checkout');
    assert.equal(checkout.decoded['container.image.name'], 'registry.example.com/shop/checkout:1.4.2');

    const redis = tag(p, [attr('service.name', 'redis')], '10.244.1.23:53122');
    assert.equal(redis.decoded['k8s.pod.name'], 'redis-0', 'found by the OTLP client address');
    assert.equal(redis.decoded['k8s.statefulset.name'], 'redis');
    assert.equal(redis.decoded['k8s.service.name'], 'redis');
    assert.equal(redis.ids['flowtel.tag.node_id'], checkout.ids['flowtel.tag.node_id'], 'same node, same id');
    assert.equal(redis.ids['flowtel.tag.namespace_id'], checkout.ids['flowtel.tag.namespace_id']);

    const ipv6 = tag(p, [attr('service.name', 'checkout')], '[fd00:10:244:1::11]:4317');
    assert.equal(ipv6.ids['flowtel.tag.pod_id'], checkout.ids['flowtel.tag.pod_id'], 'second pod IP, IPv6');

    const hostNet = tag(p, [attr('service.name', 'agent')], '192.168.10.11:4000');
    assert.equal(hostNet.ids['flowtel.tag.pod_id'], undefined, 'a host-network pod is not found by the node IP');

    const report = tag(p, [attr('k8s.namespace.name', 'batch'), attr('k8s.pod.name', 'report-29398560-q9z8w')]);
    assert.equal(report.decoded['k8s.cronjob.name'], 'report', 'Job → CronJob');
    assert.equal(report.decoded['k8s.job.name'], 'report-29398560');
    assert.equal(report.decoded['k8s.node.name'], 'worker-2');

    const cart = tag(p, [attr('k8s.pod.uid', '3a5c7e9a-1c3e-4a5c-9e1a-5c7e9a1c3e5a')]);
    assert.equal(
      cart.decoded['k8s.deployment.name'],
      'cart',
      'ReplicaSet not listed: Deployment from pod-template-hash',
    );
    assert.equal(cart.ids['flowtel.tag.service_id'], undefined, 'no service selects cart');

    const daemon = tag(p, [attr('container.id', 'd6f5e4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5')]);
    assert.equal(daemon.decoded['k8s.daemonset.name'], 'fluent-bit');
  });
});

test('watch events change the dictionary: a label change keeps the id and bumps the version; adds and deletes follow', async (t) => {
  await withCluster(t, {}, async (api, p) => {
    await until(() => api.openWatches('/api/v1/pods') === 1, 'the pod watch');
    const before = tag(p, [attr('container.id', CHECKOUT_CONTAINER)]);
    const dictionary = dictionaryOf('smartencoding')!;
    const version = dictionary.version;

    const pod = structuredClone(api.lists['/api/v1/pods'].items[0]) as {
      metadata: { labels: Record<string, string>; resourceVersion: string };
    };
    pod.metadata.labels.version = 'v2';
    pod.metadata.resourceVersion = '184500';
    api.event('/api/v1/pods', 'MODIFIED', pod);
    await until(
      () => tag(p, [attr('container.id', CHECKOUT_CONTAINER)]).decoded['k8s.pod.label.version'] === 'v2',
      'the label change',
    );
    const after = tag(p, [attr('container.id', CHECKOUT_CONTAINER)]);
    assert.equal(after.ids['flowtel.tag.pod_id'], before.ids['flowtel.tag.pod_id']);
    assert.ok(dictionary.version > version, 'version bumped');
    assert.equal(
      dictionary.get('pod', after.ids['flowtel.tag.pod_id'] as bigint)!.version,
      dictionary.changedSince(version).find((e) => e.kind === 'pod')!.version,
    );

    const added = {
      metadata: {
        name: 'payments-6f7a8b9c0d-p1q2r',
        namespace: 'shop',
        uid: '9f1b3d5f-7a9c-4e1b-9d3f-5a7c9e1b3d5f',
        resourceVersion: '184501',
        labels: { app: 'payments' },
        ownerReferences: [{ kind: 'ReplicaSet', name: 'payments-6f7a8b9c0d', uid: 'x', controller: true }],
      },
      spec: { nodeName: 'worker-2' },
      status: { podIP: '10.244.2.77', podIPs: [{ ip: '10.244.2.77' }] },
    };
    api.event('/api/v1/pods', 'ADDED', added);
    await until(
      () => tag(p, [], '10.244.2.77:1234').decoded['k8s.pod.name'] === 'payments-6f7a8b9c0d-p1q2r',
      'the added pod',
    );
    api.event('/api/v1/pods', 'DELETED', added);
    await until(() => tag(p, [], '10.244.2.77:1234').ids['flowtel.tag.pod_id'] === undefined, 'the deleted pod');
    api.event('/api/v1/pods', 'BOOKMARK', { metadata: { resourceVersion: '184600' } });
    const svc = {
      metadata: {
        name: 'payments',
        namespace: 'shop',
        uid: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
        resourceVersion: '184601',
      },
      spec: { selector: { app: 'redis' } },
    };
    api.event('/api/v1/services', 'ADDED', svc);
    await until(
      () => tag(p, [], '10.244.1.23:1').decoded['k8s.service.name'] === 'payments',
      'a service that sorts first now selects redis-0',
    );
  });
});

test('an expired watch (410 Gone) and a closed watch lead to a fresh list and a resumed watch', async (t) => {
  await withCluster(t, {}, async (api, p) => {
    /** a label change to checkout's pod at `resourceVersion`, resolved once the processor applied it */
    const relabel = async (version: string, resourceVersion: string) => {
      const pod = structuredClone(api.lists['/api/v1/pods'].items[0]) as {
        metadata: { labels: Record<string, string>; resourceVersion: string };
      };
      pod.metadata.labels.version = version;
      pod.metadata.resourceVersion = resourceVersion;
      api.event('/api/v1/pods', 'MODIFIED', pod);
      await until(
        () => tag(p, [attr('container.id', CHECKOUT_CONTAINER)]).decoded['k8s.pod.label.version'] === version,
        `the label change to ${version}`,
      );
    };
    await until(() => api.openWatches('/api/v1/pods') === 1, 'the pod watch');
    const lists = () => api.requests.filter((r) => r === '/api/v1/pods').length;
    const first = lists();
    api.event('/api/v1/pods', 'ERROR', {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'too old resource version: 184467 (184900)',
      reason: 'Expired',
      code: 410,
    });
    await until(() => lists() === first + 1, 'a new list after 410');
    await until(() => api.openWatches('/api/v1/pods') >= 1, 'a new watch');
    const watchesBefore = api.requests.filter((r) => r.startsWith('/api/v1/pods?watch=true')).length;
    await relabel('v3', '185000');
    api.endWatches('/api/v1/pods');
    await until(
      () => api.requests.filter((r) => r.startsWith('/api/v1/pods?watch=true')).length > watchesBefore,
      'the watch resumed',
    );
    assert.match(api.requests.at(-1)!, /resourceVersion=185000/, 'resumed from the last version seen');
    assert.equal(lists(), first + 1, 'a closed watch resumes without listing again');
    await until(() => api.openWatches('/api/v1/pods') === 1, 'the resumed watch');
    api.event('/api/v1/pods', 'ADDED', { spec: {} });
    api.event('/api/v1/pods', 'ADDED', null);
    // an event after them applied: the same watch read past them
    await relabel('v4', '185001');
    assert.equal(lists(), first + 1, 'objects without metadata are skipped, not a reason to start over');
    assert.equal(api.openWatches('/api/v1/pods'), 1);
  });
});

test("node_name lists only that node's pods; a wrong token is retried and the processor keeps working", async (t) => {
  await withCluster(t, { node_name: 'worker-1', sync_timeout: '300ms' }, async (api, p) => {
    assert.ok(api.requests.includes(`/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=worker-1')}`));
    assert.equal(tag(p, [], '10.244.1.23:1').decoded['k8s.pod.name'], 'redis-0');
  });
  const api = await startFakeApiServer();
  if (!api) return;
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${api.tokenFile}.wrong`, 'not-the-token');
    const p = processor({
      directory: tempDir('k8s-denied'),
      kubernetes: {
        api_url: api.url,
        token_file: `${api.tokenFile}.wrong`,
        ca_file: api.caFile,
        sync_timeout: '300ms',
        max_backoff: '100ms',
      },
    });
    await p.start(host);
    const out = tag(p, [attr('service.name', 'x'), attr('container.id', CHECKOUT_CONTAINER)]);
    assert.equal(out.ids['flowtel.tag.pod_id'], undefined, 'no pods without access');
    assert.equal(typeof out.ids['flowtel.tag.container_id'], 'bigint', 'the container is still tagged');
    await until(() => api.requests.filter((r) => r === '/api/v1/pods').length >= 2, 'a retry');
    await p.shutdown();
  } finally {
    await api.close();
  }
});

test('request logs get the peer pod by IP on the other side: ids in encode mode, attributes when decoded', async (t) => {
  await withCluster(t, {}, async (_api, p, config) => {
    const requestLogs = () => {
      const batch = logsBatch([[attr('service.name', 'checkout'), attr('container.id', CHECKOUT_CONTAINER)]]);
      const records = batch.data.resourceLogs[0].scopeLogs[0].logRecords;
      records[0].attributes.push(attr('tap_side', 'c-p'), attr('ip_0', '10.244.1.17'), attr('ip_1', '10.244.1.23'));
      records.push({
        ...records[0],
        attributes: [attr('tap_side', 's-p'), attr('ip_0', '10.9.9.9'), attr('ip_1', '10.244.1.17')],
      });
      return { batch, records };
    };
    const { batch, records } = requestLogs();
    p.process(batch);
    const [toRedis, fromOutside] = records.map((r) => plain(r.attributes));
    assert.equal(typeof toRedis['flowtel.tag.peer.pod_id'], 'bigint');
    assert.equal(typeof toRedis['flowtel.tag.peer.workload_id'], 'bigint');
    assert.equal(fromOutside['flowtel.tag.peer.pod_id'], undefined, 'an address outside the cluster has no pod');
    const decoded = plain(
      decodeBatch(batch, dictionaryOf('smartencoding')!).data.resourceLogs[0].scopeLogs[0].logRecords[0].attributes,
    );
    assert.equal(decoded['flowtel.peer.k8s.pod.name'], 'redis-0');
    assert.equal(decoded['flowtel.peer.k8s.statefulset.name'], 'redis');
    assert.equal(decoded['flowtel.peer.k8s.service.name'], 'redis');
    assert.equal(decoded['flowtel.tag.peer.pod_id'], undefined);
    const { l7IdColumnValues } = await import('@flowtel/clickhouse');
    const columns = l7IdColumnValues(batch.data.resourceLogs[0].resource.attributes, records[0].attributes);
    assert.equal(columns.pod_id_1, toRedis['flowtel.tag.peer.pod_id']);
    assert.ok(columns.pod_id_0 > 0 && columns.pod_id_0 !== columns.pod_id_1);

    const enrich = processor({ ...config, mode: 'enrich' }, 'smartencoding/otlp');
    await enrich.start(host);
    try {
      const enriched = requestLogs();
      enrich.process(enriched.batch);
      assert.deepEqual(
        plain(enriched.records[0].attributes),
        decoded,
        'enrich mode emits what decoding the encoded record gives',
      );
    } finally {
      await enrich.shutdown();
    }
  });
});
