// The OpenTelemetry JS SDK's metrics with delta temporality over OTLP/gRPC through
// `otlp -> deltatocumulative -> file` in a flowtel child process: a counter that adds 5 and then 3
// arrives as the cumulative 5 and 8, from the same start time.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CONDITION_TIMEOUT_MS, freePort, metricsInFile, runCollector, waitFor } from '@flowtel/testkit';

function sumsIn(path: string) {
  return metricsInFile(path)
    .filter((m) => m.name === 'orders' && m.sum)
    .flatMap((m) => m.sum!.dataPoints.map((point) => ({ temporality: m.sum!.aggregationTemporality, point })));
}

test('JS SDK delta metrics through otlp -> deltatocumulative -> file', { timeout: 300_000 }, async (t) => {
  const grpc = await freePort();
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-dtc-')), 'metrics.jsonl');
  await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  deltatocumulative: {}
exporters:
  file: {path: ${out}}
service:
  pipelines:
    metrics: {receivers: [otlp], processors: [deltatocumulative], exporters: [file]}
`,
    grpc,
  );

  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: `http://127.0.0.1:${grpc}`,
      timeoutMillis: CONDITION_TIMEOUT_MS,
      temporalityPreference: AggregationTemporality.DELTA,
    }),
    // exports happen on forceFlush only
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  const counter = provider.getMeter('test').createCounter('orders');
  counter.add(5);
  await reader.forceFlush();
  counter.add(3);
  await reader.forceFlush();
  await provider.shutdown();

  const sums = await waitFor(
    'two exports of orders in the file',
    async () => {
      const s = sumsIn(out);
      return s.length >= 2 && s;
    },
    CONDITION_TIMEOUT_MS,
  );
  assert.deepEqual(
    sums.map((s) => [s.temporality, Number(s.point.asDouble ?? s.point.asInt)]),
    [
      [2, 5],
      [2, 8],
    ],
  );
  assert.equal(sums[0].point.startTimeUnixNano, sums[1].point.startTimeUnixNano);
});
