// service::telemetry as otelcol reads it: the deprecated metrics address, level none, and
// metrics pushed over OTLP into another collector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  otlpToFileConfig,
  postOtlpJson,
  startCollector,
  tracesRequestJson,
  waitFor,
  waitForHttp,
  waitForOutput,
} from '@flowtel/testkit';

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

test('metrics::views as otelconf reads them: a metric dropped, one renamed with its description, attribute keys kept or left out', async () => {
  const metrics = await freePort();
  const otlp = await freePort();
  const collector = startCollector(`${pipeline(otlp)}
service:
  telemetry:
    metrics:
      readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metrics}}}}}]
      views:
        - selector: {instrument_name: otelcol_process_uptime}
          stream: {aggregation: {drop: {}}}
        - selector: {instrument_name: otelcol_process_runtime_heap_alloc_bytes, instrument_type: observable_gauge}
          stream: {name: heap_in_use, description: renamed by a view}
        - selector: {instrument_name: otelcol_receiver_accepted_spans}
          stream: {attribute_keys: {included: [receiver]}}
        - selector: {instrument_name: otelcol_exporter_sent_spans}
          stream: {attribute_keys: {excluded: [exporter]}}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`);
  try {
    await waitForOutput(collector, 'Everything is ready');
    await postOtlpJson(otlp, [['/v1/traces', JSON.parse(tracesRequestJson(1, 3))]]);
    const scrape = async () => (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    await waitFor('the spans counted', async () => /otelcol_exporter_sent_spans/.test(await scrape()));
    const text = await scrape();
    assert.doesNotMatch(text, /otelcol_process_uptime/, 'dropped');
    assert.doesNotMatch(text, /otelcol_process_runtime_heap_alloc_bytes/, 'renamed');
    assert.match(text, /# HELP heap_in_use renamed by a view\n/);
    assert.match(text, /^heap_in_use\{[^}]*\} \d+/m);
    // included: only `receiver` is left on the accepted counter (no `transport`)
    const accepted = text.split('\n').filter((l) => l.startsWith('otelcol_receiver_accepted_spans'));
    assert.ok(accepted.length > 0, text);
    for (const line of accepted) {
      assert.match(line, /receiver="otlp"/);
      assert.doesNotMatch(line, /transport=/);
    }
    // excluded: the exporter key is gone from the sent counter
    const sent = text.split('\n').filter((l) => l.startsWith('otelcol_exporter_sent_spans'));
    assert.ok(sent.length > 0);
    for (const line of sent) assert.doesNotMatch(line, /exporter="debug"/);
    // the other process metrics are untouched
    assert.match(text, /otelcol_process_memory_rss/);
  } finally {
    assert.equal(await collector.stop(), 0);
  }
});

test('metrics::views refusals: an unknown instrument type, two aggregations, a max_scale the SDK cannot take', async () => {
  const { telemetrySchema } = await import('@flowtel/core');
  const problem = (views: unknown) => {
    const r = telemetrySchema.safeParse({ metrics: { views } });
    return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };
  assert.match(problem([{ selector: { instrument_type: 'meter' } }]), /instrument_type/);
  assert.match(problem([{ stream: { aggregation: { sum: {}, drop: {} } } }]), /aggregation takes one of/);
  assert.match(
    problem([{ stream: { aggregation: { base2_exponential_bucket_histogram: { max_scale: 10 } } } }]),
    /max_scale/,
  );
  assert.equal(problem([{ selector: { instrument_name: 'x' }, stream: { attribute_keys: ['a'] } }]), '');
});
