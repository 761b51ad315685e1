// otelcol's component metrics as the SDK records them: what a dashboard reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Ack, permanent, type Batch } from '../src/index.ts';
import { ProcessorObs } from '../src/telemetry/obs.ts';

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test('processor outgoing items are counted when the next component settles them, with the outcome', async () => {
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  const obs = new ProcessorObs(provider.getMeter('t'), 'batch', 'traces');
  const upstream: Array<string | undefined> = [];
  const batch = (items: number): Batch => ({
    signal: 'traces',
    data: { resourceSpans: [] },
    items,
    ack: new Ack((e) => upstream.push(e?.message)),
  });

  const ok = obs.out(batch(3));
  const refused = obs.out(batch(5));
  ok.ack.resolve();
  refused.ack.reject(permanent('bad data'));
  obs.out(batch(7)); // not settled yet: not counted

  assert.deepEqual(upstream, [undefined, 'bad data'], 'the outcome still reaches the processor');
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'otelcol_processor_outgoing_items')!;
  const points = metric.dataPoints.map((p) => [
    p.attributes['otelcol.component.outcome'],
    p.attributes.processor,
    p.attributes.otel_signal,
    p.value,
  ]);
  assert.deepEqual(points.sort(), [
    ['refused', 'batch', 'traces', 5],
    ['success', 'batch', 'traces', 3],
  ]);
});
