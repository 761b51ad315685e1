// The OpenTelemetry JS SDK's metrics, serialized as OTLP, decoded by pdata, exported to a real
// Prometheus: what the SDK recorded is what Prometheus answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { decodeMetrics } from '@flowtel/pdata';
import { Prometheus, prometheusBinary, testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import { batchOf } from './support/metrics.ts';

const skipReason =
  prometheusBinary() === undefined && process.env.CI !== 'true'
    ? 'prometheus is not installed (apt-get install prometheus)'
    : false;

/** A reader the test pulls from, cumulative like a Prometheus-bound SDK. */
class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('OpenTelemetry JS SDK → flowtel → Prometheus', { skip: skipReason }, () => {
  let prom: Prometheus;
  before(async () => {
    prom = await Prometheus.start();
  });
  after(async () => {
    await prom?.stop();
  });

  test('counters, up-down counters, gauges and histograms read back with the values the SDK recorded', async () => {
    const reader = new PullReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        'service.name': 'sdk-app',
        'service.instance.id': 'sdk-1',
        'host.arch': 'amd64',
      }),
      readers: [reader],
    });
    const meter = provider.getMeter('e2e', '1.2.3');
    const requests = meter.createCounter('app.requests', { unit: '{request}', description: 'requests served' });
    const inflight = meter.createUpDownCounter('app.inflight', { unit: '{request}' });
    const latency = meter.createHistogram('app.latency', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 0.5, 1] },
    });
    const temperature = meter.createGauge('app.temperature', { unit: 'Cel' });
    requests.add(3, { route: '/a' });
    requests.add(4, { route: '/a' });
    requests.add(1, { route: '/b' });
    inflight.add(5);
    inflight.add(-2);
    for (const v of [0.05, 0.2, 0.3, 0.7, 2]) latency.record(v, { route: '/a' });
    temperature.record(21.5);

    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    const metrics = decodeMetrics(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);

    const e = factory.createExporter(
      testSettings('prometheusremotewrite', 'exporter'),
      factory.configSchema.parse({ endpoint: prom.writeUrl, remote_write_queue: { enabled: false } }),
      ['metrics'],
    );
    await e.start(testHost());
    await e.consume(batchOf(metrics));
    await e.shutdown();
    await provider.shutdown();

    const sdkTime = resourceMetrics.scopeMetrics[0].metrics[0].dataPoints[0].endTime;
    const at = sdkTime[0] + Math.floor(sdkTime[1] / 1e6) / 1000;
    const value = async (expr: string) => {
      const r = await prom.query(expr, at);
      assert.equal(r.length, 1, `${expr}: ${JSON.stringify(r)}`);
      return r[0];
    };
    const a = await value('app_requests_total{route="/a"}');
    assert.deepEqual(a.metric, { __name__: 'app_requests_total', job: 'sdk-app', instance: 'sdk-1', route: '/a' });
    assert.equal(a.value![1], '7');
    assert.equal((await value('app_requests_total{route="/b"}')).value![1], '1');
    assert.equal((await value('app_inflight')).value![1], '3');
    assert.equal((await value('app_temperature_celsius')).value![1], '21.5');
    assert.equal((await value('app_latency_seconds_count')).value![1], '5');
    assert.equal(Number((await value('app_latency_seconds_sum')).value![1]), 0.05 + 0.2 + 0.3 + 0.7 + 2);
    const buckets = await prom.query('app_latency_seconds_bucket', at);
    assert.deepEqual(Object.fromEntries(buckets.map((b) => [b.metric.le, b.value![1]])), {
      '0.1': '1',
      '0.5': '3',
      '1': '4',
      '+Inf': '5',
    });

    const info = await value('target_info');
    assert.deepEqual(info.metric, { __name__: 'target_info', job: 'sdk-app', instance: 'sdk-1', host_arch: 'amd64' });
  });
});
