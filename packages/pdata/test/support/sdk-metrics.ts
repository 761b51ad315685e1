// Metrics made by the OpenTelemetry JS SDK, for its own OTLP serializer to encode.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

class CollectOnDemand extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export async function sdkMetrics(): Promise<ResourceMetrics> {
  const reader = new CollectOnDemand();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-metrics', 'service.instance.id': 'i-1' }),
    readers: [reader],
    views: [{ instrumentName: 'latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('cross-check', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  const requests = meter.createCounter('requests', { description: 'requests served', unit: '{request}' });
  requests.add(5, { route: '/a' });
  requests.add(7, { route: '/b', code: 500 });
  const inflight = meter.createUpDownCounter('inflight');
  inflight.add(3);
  inflight.add(-10);
  const doubles = meter.createCounter('bytes.ratio');
  doubles.add(0.125);
  const latency = meter.createHistogram('latency', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [0, 5, 10, 100] },
  });
  for (const v of [1, 2, 7, 50, 500, -3]) latency.record(v, { route: '/a' });
  const exp = meter.createHistogram('latency.exp', { unit: 's' });
  for (const v of [0, 0.001, 0.5, 2, 2, 1000, -4]) exp.record(v);
  const gauge = meter.createGauge('temperature');
  gauge.record(-12.5, { room: 'cellar' });
  meter.createObservableGauge('queue.size').addCallback((result) => result.observe(42, { queue: 'q1' }));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}
