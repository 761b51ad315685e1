// A whole collector in a child process: a plugin's receiver and processor, the batch
// processor, the file exporter, health_check and the internal metrics, then signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  spansInFile,
  startCollector,
  tracesRequestJson,
  waitFor,
  waitForHttp,
  waitForOutput,
  type JsonSpan,
} from '@flowtel/testkit';

const stampOf = (s: JsonSpan) => s.attributes?.find((a) => a.key === 'example.stamp')?.value.stringValue;

async function config(opts: { count: number; interval: string; stamp: string; out: string }) {
  const health = await freePort();
  const metrics = await freePort();
  const yaml = `
receivers:
  example_counter:
    count: ${opts.count}
    interval: ${opts.interval}
processors:
  example_stamp:
    value: ${opts.stamp}
  batch:
    timeout: 50ms
exporters:
  file:
    path: ${opts.out}
    append: true
extensions:
  health_check:
    endpoint: 127.0.0.1:${health}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metrics}}}}
  pipelines:
    traces:
      receivers: [example_counter]
      processors: [example_stamp, batch]
      exporters: [file]
`;
  return { yaml, health, metrics };
}

test('a pipeline through a plugin: data flows, health answers, otelcol metrics are served, SIGTERM exits cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-e2e-'));
  const out = join(dir, 'spans.jsonl');
  const { yaml, health, metrics } = await config({ count: 20, interval: '10ms', stamp: 'one', out });
  const collector = startCollector(yaml, ['--plugin', '@flowtel/plugin-example']);
  try {
    const healthy = await waitForHttp(`http://127.0.0.1:${health}/`, 200);
    assert.equal((await healthy.json()).status, 'Server available');
    await waitFor('20 spans in the file', async () => spansInFile(out).length === 20);
    const spans = spansInFile(out);
    assert.deepEqual(spans.map((s) => s.name).sort(), Array.from({ length: 20 }, (_, i) => `count ${i + 1}`).sort());
    assert.ok(spans.every((s) => stampOf(s) === 'one'));

    const text = await (await waitForHttp(`http://127.0.0.1:${metrics}/metrics`, 200)).text();
    const value = (name: string, label: string) => {
      const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
      assert.ok(line, `${name}{${label}} in:\n${text}`);
      return Number(line.split(' ').pop());
    };
    assert.equal(value('otelcol_receiver_accepted_spans_total', 'receiver="example_counter"'), 20);
    assert.equal(value('otelcol_exporter_sent_spans_total', 'exporter="file"'), 20);
    assert.equal(value('otelcol_processor_incoming_items_total', 'processor="example_stamp"'), 20);
    assert.equal(value('otelcol_processor_outgoing_items_total', 'processor="batch"'), 20);
    assert.equal(value('otelcol_processor_outgoing_items_total', 'otelcol_component_outcome="success"'), 20);
    assert.ok(value('otelcol_process_memory_rss', '') > 10_000_000);
    assert.ok(value('otelcol_process_uptime_total', '') > 0);
    assert.ok(value('otelcol_process_cpu_seconds_total', '') > 0);
    assert.equal(
      text.split('\n').filter((l) => l.startsWith('# TYPE otelcol_processor_incoming_items_total ')).length,
      1,
      'one family per metric name',
    );
  } finally {
    const started = Date.now();
    assert.equal(await collector.stop(), 0, collector.output());
    assert.ok(Date.now() - started < 5000);
  }
});

test('SIGHUP reloads the config: the new value applies and nothing accepted is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-hup-'));
  const out = join(dir, 'spans.jsonl');
  const first = await config({ count: 1000000, interval: '5ms', stamp: 'before', out });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, first.yaml);
  const collector = startCollector(configPath, ['--plugin', '@flowtel/plugin-example']);
  try {
    await waitFor('spans stamped "before"', async () => spansInFile(out).some((s) => stampOf(s) === 'before'));
    writeFileSync(configPath, first.yaml.replace('value: before', 'value: after'));
    collector.process.kill('SIGHUP');
    await waitFor('spans stamped "after"', async () => spansInFile(out).some((s) => stampOf(s) === 'after'));
    await waitForOutput(collector, 'Config changed');
    // the counter restarts at 1 with the new pipelines; every number sent before is there once
    const before = spansInFile(out)
      .filter((s) => stampOf(s) === 'before')
      .map((s) => Number(s.name.split(' ')[1]));
    const max = Math.max(...before);
    assert.equal(new Set(before).size, before.length);
    assert.equal(before.length, max, 'a gap in the numbers means a span accepted before the reload was lost');
  } finally {
    assert.equal(await collector.stop(), 0, collector.output());
  }
});

test('a bad config on SIGHUP is logged and the running pipelines stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-hup-bad-'));
  const out = join(dir, 'spans.jsonl');
  const { yaml } = await config({ count: 1000000, interval: '5ms', stamp: 'kept', out });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, yaml);
  const collector = startCollector(configPath, ['--plugin', '@flowtel/plugin-example']);
  try {
    await waitFor('first spans', async () => spansInFile(out).length > 0);
    writeFileSync(configPath, yaml.replace('interval: 5ms', 'intervall: 5ms'));
    collector.process.kill('SIGHUP');
    await waitForOutput(collector, 'config reload rejected');
    assert.match(collector.output(), /receivers::example_counter::intervall: has invalid keys/);
    const n = spansInFile(out).length;
    await waitFor('more spans after the rejected reload', async () => spansInFile(out).length > n + 5);
  } finally {
    assert.equal(await collector.stop(), 0);
  }
});

test('a second SIGTERM while the shutdown drains is logged and ignored: the drain finishes and the exit is clean', async () => {
  // the backend holds the export, so the shutdown waits on it while the second signal comes
  let release: (() => void) | undefined;
  const backend = createServer((req, res) => {
    req.resume();
    req.on('end', () => (release = () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const collector = startCollector(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}}
exporters:
  otlphttp: {endpoint: "http://127.0.0.1:${(backend.address() as AddressInfo).port}", retry_on_failure: {enabled: false}}
service:
  telemetry: {metrics: {level: none}}
  pipelines: {traces: {receivers: [otlp], exporters: [otlphttp]}}
`);
  try {
    await waitForOutput(collector, 'Everything is ready');
    const sent = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: tracesRequestJson(1, 1),
    });
    assert.equal(sent.status, 200);
    await waitFor('the backend to hold the export', async () => release !== undefined);
    collector.process.kill('SIGTERM');
    await waitForOutput(collector, 'Starting shutdown');
    collector.process.kill('SIGTERM');
    await waitForOutput(collector, 'while shutting down; ignored');
    release!();
    assert.equal(await collector.exited, 0, collector.output());
    assert.match(collector.output(), /Shutdown complete/);
  } finally {
    await collector.stop();
    backend.close();
  }
});

test('a bad config at start exits non-zero with the error on stderr', async () => {
  const collector = startCollector('receivers: {nope: {}}\n');
  assert.equal(await collector.exited, 1);
  assert.match(collector.output(), /Error: invalid configuration:\n.*receivers::nope: unknown type: "nope"/);
});
