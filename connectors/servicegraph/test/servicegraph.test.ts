// The servicegraph connector against contrib's README and connector: pairing by span ids,
// failures, latency buckets in seconds, dimensions, database edges, virtual nodes for expired
// halves, the store's max_items and its counters, and the config's defaults and errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SpanKind,
  StatusCode,
  attr,
  newResource,
  newScope,
  newSpan,
  type KeyValue,
  type Metric,
  type Metrics,
  type ResourceSpans,
  type Span,
} from '@flowtel/pdata';
import { testSettings } from '@flowtel/testkit';
import { configSchema } from '../src/config.ts';
import { ServiceGraphConnector } from '../src/servicegraph.ts';

const T0 = 1_700_000_000_000_000_000n;
const trace = (n: number) => new Uint8Array(16).fill(n);
const id = (n: number) => new Uint8Array(8).fill(n);

function span(kind: number, ms: number, fields: Partial<Span> = {}): Span {
  return newSpan({
    name: 'op',
    kind,
    traceId: trace(1),
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + BigInt(ms * 1e6),
    ...fields,
  });
}

const rs = (service: string | undefined, spans: Span[], extra: KeyValue[] = []): ResourceSpans => ({
  resource: newResource(service === undefined ? extra : [attr('service.name', service), ...extra]),
  schemaUrl: '',
  scopeSpans: [{ scope: newScope('lib'), schemaUrl: '', spans }],
});

const connector = (config: unknown = {}) =>
  new ServiceGraphConnector(testSettings('servicegraph', 'connector'), configSchema.parse(config), {});

const plain = (attrs: KeyValue[]) =>
  Object.fromEntries(attrs.map((kv) => [kv.key, Object.values(kv.value)[0] as unknown]));

function metric(m: Metrics, name: string): Metric | undefined {
  return m.resourceMetrics[0]?.scopeMetrics[0].metrics.find((x) => x.name === name);
}

const totals = (m: Metrics, name = 'traces_service_graph_request_total') =>
  (metric(m, name)?.sum?.dataPoints ?? []).map((p) => [plain(p.attributes), p.asInt]);

test('a client span and the server span it parents make one edge, whichever comes first', () => {
  const c = connector();
  const now = Date.now();
  c.aggregate([rs('web', [span(SpanKind.CLIENT, 30, { spanId: id(1) })])], now);
  assert.equal(c.pending, 1);
  c.aggregate([rs('api', [span(SpanKind.SERVER, 20, { spanId: id(2), parentSpanId: id(1) })])], now);
  assert.equal(c.pending, 0);
  // server first, then a failing client
  c.aggregate(
    [
      rs('api', [span(SpanKind.SERVER, 600, { traceId: trace(2), spanId: id(4), parentSpanId: id(3) })]),
      rs('web', [
        span(SpanKind.CLIENT, 700, {
          traceId: trace(2),
          spanId: id(3),
          status: { code: StatusCode.ERROR, message: '' },
        }),
      ]),
    ],
    now,
  );
  const m = c.build(now);
  assert.equal(m.resourceMetrics[0].scopeMetrics[0].scope.name, 'traces_service_graph');
  assert.deepEqual(totals(m), [
    [{ client: 'web', server: 'api', connection_type: '', failed: false }, 1n],
    [{ client: 'web', server: 'api', connection_type: '', failed: true }, 1n],
  ]);
  assert.deepEqual(totals(m, 'traces_service_graph_request_failed_total'), [
    [{ client: 'web', server: 'api', connection_type: '', failed: true }, 1n],
  ]);
  const server = metric(m, 'traces_service_graph_request_server')!;
  const client = metric(m, 'traces_service_graph_request_client')!;
  assert.equal(server.unit, 's');
  const ok = server.histogram!.dataPoints[0];
  assert.deepEqual(
    ok.explicitBounds,
    [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15],
  );
  // 20 ms in (0.01, 0.05]; the client's 30 ms there too; 600 and 700 ms in (0.4, 0.8]
  assert.equal(ok.bucketCounts[5], 1n);
  assert.equal(client.histogram!.dataPoints[0].bucketCounts[5], 1n);
  assert.equal(server.histogram!.dataPoints[1].bucketCounts[9], 1n);
  assert.equal(client.histogram!.dataPoints[1].sum, 0.7);
  assert.equal(m.resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.aggregationTemporality, 2);
});

test('spans of other kinds and resources without service.name make no edge', () => {
  const c = connector();
  c.aggregate(
    [
      rs('a', [span(SpanKind.INTERNAL, 1, { spanId: id(1) })]),
      rs(undefined, [span(SpanKind.CLIENT, 1, { spanId: id(2) })]),
    ],
    Date.now(),
  );
  assert.equal(c.pending, 0);
  assert.equal(c.build(Date.now()).resourceMetrics.length, 0);
});

test('producer and consumer make a messaging_system edge; dimensions from resource or span', () => {
  const c = connector({ dimensions: ['k8s.namespace', 'http.method'] });
  const now = Date.now();
  c.aggregate(
    [
      rs(
        'orders',
        [span(SpanKind.PRODUCER, 1, { spanId: id(1), attributes: [attr('http.method', 'POST')] })],
        [attr('k8s.namespace', 'shop')],
      ),
      rs(
        'mailer',
        [span(SpanKind.CONSUMER, 1, { spanId: id(2), parentSpanId: id(1) })],
        [attr('k8s.namespace', 'mail')],
      ),
    ],
    now,
  );
  assert.deepEqual(totals(c.build(now)), [
    [
      {
        client: 'orders',
        server: 'mailer',
        connection_type: 'messaging_system',
        failed: false,
        'client_k8s.namespace': 'shop',
        'client_http.method': 'POST',
        'server_k8s.namespace': 'mail',
      },
      1n,
    ],
  ]);
});

test('database edge: a client span with db.name is a whole edge to the database', () => {
  const c = connector();
  const now = Date.now();
  c.aggregate([rs('api', [span(SpanKind.CLIENT, 3, { spanId: id(1), attributes: [attr('db.name', 'orders')] })])], now);
  assert.equal(c.pending, 0);
  assert.deepEqual(totals(c.build(now)), [
    [{ client: 'api', server: 'orders', connection_type: 'database', failed: false }, 1n],
  ]);
  const named = connector({ database_name_attributes: ['db.namespace', 'db.name'] });
  named.aggregate(
    [
      rs('api', [
        span(SpanKind.CLIENT, 3, { spanId: id(1), attributes: [attr('db.name', 'x'), attr('db.namespace', 'y')] }),
      ]),
    ],
    now,
  );
  assert.equal((totals(named.build(now))[0][0] as Record<string, unknown>).server, 'y');
});

test('expired halves: counted, and edges to a virtual node named by the peer attribute, or from the user', () => {
  const c = connector({
    virtual_node_extra_label: true,
    virtual_node_peer_attributes: ['peer.service', 'server.address'],
  });
  const now = Date.now();
  c.aggregate(
    [
      rs('web', [
        span(SpanKind.CLIENT, 10, { spanId: id(1), attributes: [attr('server.address', 'api.example.com')] }),
        span(SpanKind.CLIENT, 10, { spanId: id(5) }),
      ]),
      // a root server span: its caller is the user
      rs('web', [span(SpanKind.SERVER, 40, { spanId: id(2) })]),
      // a server span whose parent never comes: expires, no virtual node (contrib's rule)
      rs('api', [span(SpanKind.SERVER, 40, { spanId: id(3), parentSpanId: id(9) })]),
    ],
    now,
  );
  assert.equal(c.pending, 4);
  c.expire(now + 1000);
  assert.equal(c.pending, 4, 'the ttl (2s) has not passed');
  c.expire(now + 2001);
  assert.equal(c.pending, 0);
  assert.deepEqual(totals(c.build(now)), [
    [
      {
        client: 'web',
        server: 'api.example.com',
        connection_type: 'virtual_node',
        failed: false,
        virtual_node: 'server',
      },
      1n,
    ],
    [{ client: 'web', server: 'unknown', connection_type: 'virtual_node', failed: false, virtual_node: 'server' }, 1n],
    [{ client: 'user', server: 'web', connection_type: 'virtual_node', failed: false, virtual_node: 'client' }, 1n],
  ]);
  const none = connector({ virtual_node_peer_attributes: [] });
  none.aggregate(
    [rs('web', [span(SpanKind.CLIENT, 10, { spanId: id(1), attributes: [attr('peer.service', 'x')] })])],
    now,
  );
  none.expire(now + 3000);
  assert.equal(none.build(now).resourceMetrics.length, 0, 'no peer attributes: no virtual nodes');
});

test('store::max_items bounds what waits: past it spans are dropped, and the store stays at max_items', () => {
  const c = connector({ store: { max_items: 3 } });
  const now = Date.now();
  c.aggregate(
    [
      rs(
        'web',
        [1, 2, 3, 4, 5].map((n) => span(SpanKind.CLIENT, 1, { spanId: id(n) })),
      ),
    ],
    now,
  );
  assert.equal(c.pending, 3);
  // the pair of a stored half still completes
  c.aggregate([rs('api', [span(SpanKind.SERVER, 1, { spanId: id(9), parentSpanId: id(2) })])], now);
  assert.equal(c.pending, 2);
  assert.equal(totals(c.build(now))[0][1], 1n);
});

test('latency_histogram_buckets and exponential_histogram_max_size', () => {
  const now = Date.now();
  const pair = (c: ServiceGraphConnector, ms: number, n: number) =>
    c.aggregate(
      [
        rs('a', [span(SpanKind.CLIENT, ms, { spanId: id(n) })]),
        rs('b', [span(SpanKind.SERVER, ms, { spanId: id(n + 100), parentSpanId: id(n) })]),
      ],
      now,
    );
  const explicit = connector({ latency_histogram_buckets: ['100ms', '1s'] });
  pair(explicit, 50, 1);
  pair(explicit, 500, 2);
  pair(explicit, 5000, 3);
  const p = metric(explicit.build(now), 'traces_service_graph_request_server')!.histogram!.dataPoints[0];
  assert.deepEqual(p.explicitBounds, [0.1, 1]);
  assert.deepEqual(p.bucketCounts, [1n, 1n, 1n]);
  const expo = connector({ exponential_histogram_max_size: 20 });
  pair(expo, 50, 1);
  pair(expo, 500, 2);
  const e = metric(expo.build(now), 'traces_service_graph_request_client')!.exponentialHistogram!.dataPoints[0];
  assert.equal(e.count, 2n);
  assert.ok(Math.abs(e.sum! - 0.55) < 1e-9);
});

test('cache_loop drops series no edge updated for 15 minutes', () => {
  const c = connector({ dimensions: [] });
  const now = Date.now();
  c.aggregate([rs('a', [span(SpanKind.CLIENT, 1, { spanId: id(1), attributes: [attr('db.name', 'd')] })])], now);
  c.cleanCache(now + 14 * 60_000);
  assert.equal(c.build(now).resourceMetrics.length, 1);
  c.cleanCache(now + 16 * 60_000);
  assert.equal(c.build(now).resourceMetrics.length, 0);
});

test("config: contrib's defaults; both histogram kinds refused", () => {
  const d = configSchema.parse({});
  assert.deepEqual(d.store, { ttl: 2000, max_items: 1000 });
  assert.equal(d.cache_loop, 60_000);
  assert.equal(d.store_expiration_loop, 2000);
  assert.equal(d.metrics_flush_interval, 60_000);
  assert.deepEqual(d.virtual_node_peer_attributes, ['peer.service', 'db.name', 'db.system']);
  assert.deepEqual(d.database_name_attributes, ['db.name']);
  assert.equal(configSchema.parse({ cache_loop: '0s' }).cache_loop, 60_000);
  assert.deepEqual(configSchema.parse({ database_name_attribute: 'db.namespace' }).database_name_attributes, [
    'db.namespace',
  ]);
  const r = configSchema.safeParse({ latency_histogram_buckets: ['1s'], exponential_histogram_max_size: 10 });
  assert.equal(r.success, false);
  assert.equal(configSchema.safeParse({ store: { size: 1 } }).success, false);
});
