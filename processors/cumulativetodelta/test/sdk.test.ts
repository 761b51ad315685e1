// The OpenTelemetry JS SDK's metrics (cumulative by default) over OTLP/gRPC through
// `otlp -> cumulativetodelta -> file` in a flowtel child process: a counter that adds 5 then 3
// arrives as the deltas 5 and 3, and a histogram's second export as what was recorded between.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { CONDITION_TIMEOUT_MS, freePort, metricsInFile, runCollector, waitFor } from '@flowtel/testkit';

test('JS SDK cumulative metrics through otlp -> cumulativetodelta -> file', { timeout: 300_000 }, async (t) => {
  const grpc = await freePort();
  const out = join(mkdtempSync(join(tmpdir(), 'flowtel-ctd-')), 'metrics.jsonl');
  await runCollector(
    t,
    `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  cumulativetodelta:
    initial_value: keep
exporters:
  file: {path: ${out}}
service:
  pipelines:
    metrics: {receivers: [otlp], processors: [cumulativetodelta], exporters: [file]}
`,
    grpc,
  );

  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${grpc}`, timeoutMillis: CONDITION_TIMEOUT_MS }),
    exportIntervalMillis: 3_600_000,
    exportTimeoutMillis: CONDITION_TIMEOUT_MS,
  });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('test');
  const counter = meter.createCounter('jobs');
  const latency = meter.createHistogram('latency', { advice: { explicitBucketBoundaries: [10] } });
  counter.add(5);
  latency.record(5);
  latency.record(50);
  await reader.forceFlush();
  await waitFor('the first export in the file', async () => metricsInFile(out).length >= 2, CONDITION_TIMEOUT_MS);
  counter.add(3);
  latency.record(7);
  await reader.forceFlush();
  await provider.shutdown();

  const seen = await waitFor(
    'both exports in the file',
    async () => {
      const m = metricsInFile(out);
      return m.filter((x) => x.name === 'jobs').length >= 3 && m;
    },
    CONDITION_TIMEOUT_MS,
  );
  // the SDK's counters are doubles; its shutdown exports once more (nothing added: a delta of 0)
  const jobs = seen.filter((m) => m.name === 'jobs').map((m) => m.sum!);
  assert.deepEqual(
    jobs.map((s) => [s.aggregationTemporality, s.dataPoints[0].asDouble]),
    [
      [1, 5],
      [1, 3],
      [1, 0],
    ].slice(0, jobs.length),
  );
  const hist = seen.filter((m) => m.name === 'latency').map((m) => m.histogram!);
  assert.ok(hist.length >= 2);
  const second = hist[1].dataPoints[0];
  assert.equal(hist[1].aggregationTemporality, 1);
  assert.deepEqual([second.count, second.sum, second.bucketCounts], ['1', 7, ['1', '0']]);
});
