// service::telemetry as otelcol reads it: the deprecated metrics address, level none, and
// metrics pushed over OTLP into another collector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, otlpToFileConfig, startCollector, waitFor, waitForHttp, waitForOutput } from '@flowtel/testkit';

const pipeline = (port: number) => `
receivers:
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:${port}}
exporters:
  debug:
`;

test('the older metrics::address still serves the metrics, with a deprecation warning', async () => {
  const metrics = await freePort();
  const collector = startCollector(`${pipeline(await freePort())}
service:
  telemetry:
    metrics:
      address: 127.0.0.1:${metrics}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`);
  try {
    const text = await (await waitForHttp(`http://127.0.0.1:${metrics}/metrics`)).text();
    assert.match(text, /otelcol_process_uptime_total/);
    await waitForOutput(collector, 'service::telemetry::metrics::address is deprecated');
    // the metrics are served before the pipelines finish starting; SIGTERM is handled once they have
    await waitForOutput(collector, 'Everything is ready');
  } finally {
    assert.equal(await collector.stop(), 0);
  }
});

test('level none serves no metrics', async () => {
  const metrics = await freePort();
  const collector = startCollector(`${pipeline(await freePort())}
service:
  telemetry:
    metrics:
      level: none
      readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metrics}}}}}]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`);
  try {
    await waitForOutput(collector, 'Everything is ready');
    await assert.rejects(fetch(`http://127.0.0.1:${metrics}/metrics`));
  } finally {
    assert.equal(await collector.stop(), 0);
  }
});

test('a periodic OTLP reader pushes the otelcol metrics into another collector', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-telemetry-'));
  const out = join(dir, 'metrics.jsonl');
  const sinkPort = await freePort();
  const sink = startCollector(otlpToFileConfig(sinkPort, out, { signal: 'metrics' }));
  const source = startCollector(`${pipeline(await freePort())}
service:
  telemetry:
    metrics:
      readers:
        - periodic:
            interval: 500
            exporter:
              otlp: {protocol: http/protobuf, endpoint: 'http://127.0.0.1:${sinkPort}'}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`);
  try {
    const names = () => {
      if (!existsSync(out)) return new Set<string>();
      const lines = readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      return new Set<string>(
        lines.flatMap((l) =>
          l.resourceMetrics.flatMap((rm: any) =>
            rm.scopeMetrics.flatMap((sm: any) => sm.metrics.map((m: any) => m.name)),
          ),
        ),
      );
    };
    // two collectors start first: on a loaded machine that alone can take most of 20 s
    await waitFor('otelcol metrics pushed over OTLP', async () => names().has('otelcol_process_memory_rss'), 60_000);
    assert.ok(names().has('otelcol_process_cpu_seconds'));
    await waitForOutput(source, 'Everything is ready');
    await waitForOutput(sink, 'Everything is ready');
  } finally {
    // both stopped before either is checked: a failed check must not leave the sink running
    const exits = await Promise.all([source.stop(), sink.stop()]);
    assert.deepEqual(exits, [0, 0]);
  }
});

test("the collector's own metrics over OTLP/gRPC and its logs over OTLP/JSON reach another collector", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-telemetry-'));
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const sink = startCollector(`
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:${grpcPort}}
      http: {endpoint: 127.0.0.1:${httpPort}}
exporters:
  file/metrics: {path: ${join(dir, 'metrics.jsonl')}}
  file/logs: {path: ${join(dir, 'logs.jsonl')}}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [file/metrics]}
    logs: {receivers: [otlp], exporters: [file/logs]}
`);
  const source = startCollector(`${pipeline(await freePort())}
service:
  telemetry:
    logs:
      processors:
        - batch:
            schedule_delay: 200
            exporter:
              otlp: {protocol: http/json, endpoint: 'http://127.0.0.1:${httpPort}'}
    metrics:
      readers:
        - periodic:
            interval: 500
            exporter:
              otlp: {protocol: grpc, endpoint: '127.0.0.1:${grpcPort}', insecure: true}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`);
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');
  try {
    await waitFor(
      'otelcol metrics pushed over OTLP/gRPC',
      async () => read('metrics.jsonl').includes('"otelcol_process_memory_rss"'),
      60_000,
    );
    await waitFor(
      'log records pushed over OTLP/JSON',
      async () => read('logs.jsonl').includes('Everything is ready'),
      60_000,
    );
  } finally {
    const exits = await Promise.all([source.stop(), sink.stop()]);
    assert.deepEqual(exits, [0, 0]);
  }
});
