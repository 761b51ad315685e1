// Hand-built metrics through the exporter into a real Prometheus, read back over its HTTP API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Exporter } from '@flowtel/core';
import { Prometheus, prometheusBinary, testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import {
  attrs,
  batchOf,
  counter,
  exponentialHistogram,
  exponentialPoint,
  gauge,
  histogram,
  histogramPoint,
  metricsOf,
  numberPoint,
  summary,
  summaryPoint,
  upDownCounter,
} from './support/metrics.ts';

const missing = prometheusBinary() === undefined;
const skipReason =
  missing && process.env.CI !== 'true' ? 'prometheus is not installed (apt-get install prometheus)' : false;

async function exporterFor(config: Record<string, unknown>): Promise<Exporter> {
  const parsed = factory.configSchema.parse({ remote_write_queue: { enabled: false }, ...config });
  const e = factory.createExporter(testSettings('prometheus_remote_write', 'exporter'), parsed, ['metrics']);
  await e.start(testHost());
  return e;
}

const RESOURCE = attrs({
  'service.name': 'checkout',
  'service.namespace': 'shop',
  'service.instance.id': 'i-1',
  'host.name': 'h1',
  'deployment.environment': 'prod',
});

describe('into a real Prometheus', { skip: skipReason }, () => {
  let prom: Prometheus;
  before(async () => {
    prom = await Prometheus.start();
  });
  after(async () => {
    await prom?.stop();
  });

  test('every metric kind arrives under contrib names, with job, instance, target_info and external labels', async () => {
    const t = Date.now() - 5_000;
    const e = await exporterFor({ endpoint: prom.writeUrl, external_labels: { cluster: 'eu-1' } });
    const data = metricsOf(RESOURCE, [
      gauge('system.memory.usage', 'By', [numberPoint(t, 1024, attrs({ state: 'used' }))]),
      gauge('cpu.utilization', '1', [numberPoint(t, 0.25)]),
      counter('http.server.requests', '{request}', [
        numberPoint(t, 42, attrs({ 'http.method': 'GET', 'http.status_code': 200 })),
      ]),
      upDownCounter('queue.length', '{item}', [numberPoint(t, 7)]),
      histogram('http.server.duration', 'ms', [histogramPoint(t, [5, 10, 25], [1, 2, 3, 4], 123.5)]),
      summary('rpc.latency', 's', [
        summaryPoint(
          t,
          [
            [0.5, 0.12],
            [0.99, 0.9],
          ],
          30.5,
          100,
        ),
      ]),
      exponentialHistogram('request.size', 'By', [
        exponentialPoint(t, { scale: 0, offset: 0, counts: [1, 2], zeroCount: 1, sum: 10 }),
      ]),
      gauge('odd.keys', '', [numberPoint(t, 3, attrs({ 'a.b': 'x', a_b: 'y', '1st': 'one', _private: 'p' }))]),
    ]);
    await e.consume(batchOf(data));
    await e.shutdown();

    const at = t / 1000;
    const one = async (expr: string) => {
      const r = await prom.query(expr, at);
      assert.equal(r.length, 1, `${expr}: ${JSON.stringify(r)}`);
      return r[0];
    };
    const common = { job: 'shop/checkout', instance: 'i-1', cluster: 'eu-1' };

    const memory = await one('system_memory_usage_bytes');
    assert.deepEqual(memory.metric, { __name__: 'system_memory_usage_bytes', ...common, state: 'used' });
    assert.equal(memory.value![1], '1024');
    assert.equal(memory.value![0], at);

    assert.equal((await one('cpu_utilization_ratio')).value![1], '0.25');

    const requests = await one('http_server_requests_total');
    assert.deepEqual(requests.metric, {
      __name__: 'http_server_requests_total',
      ...common,
      http_method: 'GET',
      http_status_code: '200',
    });
    assert.equal(requests.value![1], '42');

    assert.equal((await one('queue_length')).value![1], '7');

    const buckets = await prom.query('http_server_duration_milliseconds_bucket', at);
    const byLe = Object.fromEntries(buckets.map((b) => [b.metric.le, b.value![1]]));
    assert.deepEqual(byLe, { '5': '1', '10': '3', '25': '6', '+Inf': '10' });
    assert.equal((await one('http_server_duration_milliseconds_sum')).value![1], '123.5');
    assert.equal((await one('http_server_duration_milliseconds_count')).value![1], '10');

    const quantiles = await prom.query('rpc_latency_seconds', at);
    assert.deepEqual(Object.fromEntries(quantiles.map((q) => [q.metric.quantile, q.value![1]])), {
      '0.5': '0.12',
      '0.99': '0.9',
    });
    assert.equal((await one('rpc_latency_seconds_count')).value![1], '100');
    assert.equal((await one('rpc_latency_seconds_sum')).value![1], '30.5');

    const native = await one('request_size_bytes');
    assert.ok(native.histogram, `a native histogram: ${JSON.stringify(native)}`);
    assert.equal(native.histogram[1].count, '4');
    assert.equal(native.histogram[1].sum, '10');
    // scale 0: OTLP bucket 0 is (1,2], bucket 1 is (2,4]; plus the zero bucket
    const bounds = native.histogram[1].buckets!.map(([, lo, hi, n]) => `${lo}..${hi}:${n}`);
    assert.deepEqual(
      bounds.filter((b) => !b.endsWith(':0')),
      ['-1e-128..1e-128:1', '1..2:1', '2..4:2'],
    );
    assert.equal((await one('histogram_count(request_size_bytes)')).value![1], '4');

    const odd = await one('odd_keys');
    assert.deepEqual(odd.metric, { __name__: 'odd_keys', ...common, a_b: 'x;y', key_1st: 'one', key_private: 'p' });

    const info = await one('target_info');
    assert.deepEqual(info.metric, {
      __name__: 'target_info',
      ...common,
      host_name: 'h1',
      deployment_environment: 'prod',
    });
    assert.equal(info.value![1], '1');

    const names = (await prom.series('{job="shop/checkout"}', at - 60, at + 60)).map((s) => s.__name__);
    assert.ok(!names.some((n) => n.includes('delta')), 'nothing else came in');
  });

  test('delta sums and histograms are dropped and counted, the rest of the batch still arrives', async () => {
    const t = Date.now() - 4_000;
    const e = await exporterFor({ endpoint: prom.writeUrl });
    const data = metricsOf(attrs({ 'service.name': 'deltas' }), [
      counter('delta.requests', '', [numberPoint(t, 5), numberPoint(t, 6, attrs({ a: 'b' }))], 'delta'),
      histogram('delta.latency', 's', [histogramPoint(t, [1], [1, 1], 2)], 'delta'),
      gauge('kept', '', [numberPoint(t, 1)]),
    ]);
    await e.consume(batchOf(data));
    await e.shutdown();
    const names = (await prom.series('{job="deltas"}', t / 1000 - 60, t / 1000 + 60)).map((s) => s.__name__);
    assert.deepEqual(names, ['kept']);
  });

  test('a point flagged NoRecordedValue becomes a staleness marker: the series ends there', async () => {
    const t1 = Date.now() - 20_000;
    const t2 = t1 + 10_000;
    const e = await exporterFor({ endpoint: prom.writeUrl });
    const resource = attrs({ 'service.name': 'stale' });
    await e.consume(
      batchOf(
        metricsOf(resource, [
          gauge('stale.gauge', '', [numberPoint(t1, 5)]),
          histogram('stale.hist', '', [histogramPoint(t1, [1], [1, 1], 3)]),
        ]),
      ),
    );
    const NO_RECORDED_VALUE = 1;
    await e.consume(
      batchOf(
        metricsOf(resource, [
          gauge('stale.gauge', '', [numberPoint(t2, 0, [], NO_RECORDED_VALUE)]),
          histogram('stale.hist', '', [histogramPoint(t2, [1], [0, 0], 0, [], NO_RECORDED_VALUE)]),
        ]),
      ),
    );
    await e.shutdown();
    assert.equal((await prom.query('stale_gauge', t1 / 1000 + 1))[0]?.value?.[1], '5', 'the value before the marker');
    // without the marker, the 5m lookback would still find 5 here
    assert.deepEqual(await prom.query('stale_gauge', t2 / 1000 + 1), []);
    assert.deepEqual(await prom.query('stale_hist_bucket', t2 / 1000 + 1), []);
    assert.deepEqual(await prom.query('stale_hist_count', t2 / 1000 + 1), []);
  });

  test('exemplars of counters and histogram buckets are stored with their trace and span ids', async () => {
    const t = Date.now() - 2_000;
    const e = await exporterFor({ endpoint: prom.writeUrl });
    const exemplar = (value: number, trace: number) => ({
      filteredAttributes: attrs({ user: 'alice' }),
      timeUnixNano: BigInt(t) * 1_000_000n,
      asDouble: value,
      traceId: new Uint8Array(16).fill(trace),
      spanId: new Uint8Array(8).fill(0xab),
    });
    const sum = numberPoint(t, 10);
    sum.exemplars = [exemplar(1, 0x11)];
    const hist = histogramPoint(t, [1, 5], [1, 1, 0], 4);
    hist.exemplars = [exemplar(3, 0x22)];
    await e.consume(
      batchOf(
        metricsOf(attrs({ 'service.name': 'ex' }), [counter('ex.calls', '', [sum]), histogram('ex.size', '', [hist])]),
      ),
    );
    await e.shutdown();
    const stored = await prom.exemplars('{job="ex"}', t / 1000 - 60, t / 1000 + 60);
    const byName = Object.fromEntries(
      stored.map((s) => [
        `${s.seriesLabels.__name__}${s.seriesLabels.le ? `{le=${s.seriesLabels.le}}` : ''}`,
        s.exemplars,
      ]),
    );
    assert.deepEqual(Object.keys(byName).sort(), ['ex_calls_total', 'ex_size_bucket{le=5}']);
    assert.deepEqual(byName.ex_calls_total[0].labels, {
      trace_id: '11'.repeat(16),
      span_id: 'ab'.repeat(8),
      user: 'alice',
    });
    assert.equal(byName.ex_calls_total[0].value, '1');
    assert.equal(
      byName['ex_size_bucket{le=5}'][0].labels.trace_id,
      '22'.repeat(16),
      'on the first bucket that holds 3',
    );
  });

  test('a batch cut into many small requests arrives whole', async () => {
    const t = Date.now() - 1_000;
    const e = await exporterFor({ endpoint: prom.writeUrl, max_batch_size_bytes: 16_384 });
    const points = Array.from({ length: 3000 }, (_, i) =>
      numberPoint(t, i, attrs({ shard: String(i % 30), item: `item-${i}`, zone: 'eu-west-1a' })),
    );
    await e.consume(batchOf(metricsOf(attrs({ 'service.name': 'many' }), [gauge('many.items', '', points)])));
    await e.shutdown();
    const [count] = await prom.query('count(many_items)', t / 1000);
    assert.equal(count?.value?.[1], '3000');
    const [sum] = await prom.query('sum(many_items)', t / 1000);
    assert.equal(sum?.value?.[1], String((2999 * 3000) / 2));
  });

  test('namespace and resource_to_telemetry_conversion', async () => {
    const t = Date.now() - 3_000;
    const e = await exporterFor({
      endpoint: prom.writeUrl,
      namespace: 'app',
      resource_to_telemetry_conversion: { enabled: true },
    });
    await e.consume(
      batchOf(
        metricsOf(RESOURCE, [
          gauge('temperature', 'Cel', [numberPoint(t, 21.5, attrs({ room: 'a', 'host.name': 'overridden' }))]),
        ]),
      ),
    );
    await e.shutdown();
    const r = await prom.query('app_temperature_celsius', t / 1000);
    assert.equal(r.length, 1);
    assert.deepEqual(r[0].metric, {
      __name__: 'app_temperature_celsius',
      job: 'shop/checkout',
      instance: 'i-1',
      room: 'a',
      host_name: 'h1',
      deployment_environment: 'prod',
      service_name: 'checkout',
      service_namespace: 'shop',
      service_instance_id: 'i-1',
    });
    assert.equal((await prom.query('app_target_info', t / 1000)).length, 1);
  });
});
