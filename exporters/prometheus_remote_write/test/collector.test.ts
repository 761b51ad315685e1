// The whole way as a user runs it: an app instrumented with the OpenTelemetry JS SDK exports
// OTLP/HTTP to the flowtel CLI (otlp receiver → prometheusremotewrite exporter), which writes
// into a real Prometheus; Prometheus's HTTP API answers what the app recorded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  freePort,
  Prometheus,
  prometheusBinary,
  startCollector,
  type RunningCollector,
  waitFor,
  waitForOutput,
} from '@flowtel/testkit';

const skipReason =
  prometheusBinary() === undefined && process.env.CI !== 'true'
    ? 'prometheus is not installed (apt-get install prometheus)'
    : false;

describe('SDK → flowtel collector → Prometheus', { skip: skipReason }, () => {
  let prom: Prometheus;
  let collector: RunningCollector;
  let otlpPort: number;

  before(async () => {
    prom = await Prometheus.start();
    otlpPort = await freePort();
    collector = startCollector(`receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
exporters:
  prometheusremotewrite:
    endpoint: ${prom.writeUrl}
    external_labels:
      collector: flowtel
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheusremotewrite]
`);
    await waitForOutput(collector, 'Everything is ready', 60_000);
  });
  after(async () => {
    await collector?.stop();
    await prom?.stop();
  });

  test('counter and histogram values recorded by the app are what Prometheus answers', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${otlpPort}/v1/metrics` }),
      exportIntervalMillis: 60_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        'service.name': 'shop',
        'service.namespace': 'retail',
        'service.instance.id': 'pod-7',
        'k8s.node.name': 'n1',
      }),
      readers: [reader],
    });
    const meter = provider.getMeter('app');
    const orders = meter.createCounter('orders.placed', { unit: '{order}' });
    const latency = meter.createHistogram('checkout.duration', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [10, 100] },
    });
    orders.add(2, { payment: 'card' });
    orders.add(3, { payment: 'card' });
    orders.add(1, { payment: 'cash' });
    for (const v of [5, 50, 60, 500]) latency.record(v);
    await reader.forceFlush();
    await provider.shutdown();

    const now = Date.now() / 1000;
    const card = await waitFor(
      'orders_placed_total in Prometheus',
      async () => (await prom.query('orders_placed_total{payment="card"}', now))[0],
      90_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${collector.output()}`);
    });
    assert.deepEqual(card.metric, {
      __name__: 'orders_placed_total',
      job: 'retail/shop',
      instance: 'pod-7',
      payment: 'card',
      collector: 'flowtel',
    });
    assert.equal(card.value![1], '5');
    assert.equal((await prom.query('orders_placed_total{payment="cash"}', now))[0]?.value?.[1], '1');
    const buckets = await prom.query('checkout_duration_milliseconds_bucket', now);
    assert.deepEqual(Object.fromEntries(buckets.map((b) => [b.metric.le, b.value![1]])), {
      '10': '1',
      '100': '3',
      '+Inf': '4',
    });
    assert.equal((await prom.query('checkout_duration_milliseconds_sum', now))[0]?.value?.[1], '615');
    const info = (await prom.query('target_info', now))[0];
    assert.equal(info?.metric.k8s_node_name, 'n1');
  });
});
