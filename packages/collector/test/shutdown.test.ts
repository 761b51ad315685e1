// Graceful shutdown under load: a collector that receives OTLP/HTTP from concurrent clients
// is sent SIGTERM mid-stream. It must exit within 5 s, and every span it acknowledged (200)
// must be in its exporter's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spansInFile, startCollector, tracesRequestJson, waitFor, waitForOutput } from '@flowtel/testkit';

test('SIGTERM under load: exits within 5 s and everything acknowledged was exported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-sigterm-'));
  const out = join(dir, 'spans.jsonl');
  const port = await freePort();
  const collector = startCollector(`
receivers:
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:${port}}
processors:
  batch: {timeout: 200ms, send_batch_size: 500}
exporters:
  file: {path: ${out}}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [file]}
`);
  await waitForOutput(collector, 'Everything is ready');
  const acknowledged = new Set<string>();
  let next = 0;
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const id = ++next;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tracesRequestJson(id, 20) });
        if (res.status === 200) for (let i = 0; i < 20; i++) acknowledged.add(`r${id}s${i}`);
        await res.arrayBuffer();
      } catch {
        // refused or reset once the collector is going away
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  await waitFor('load to build up', async () => acknowledged.size >= 2000, 30_000);
  const signalled = Date.now();
  const exit = collector.stop();
  const code = await exit;
  const took = Date.now() - signalled;
  stopped = true;
  await Promise.all(clients);
  assert.equal(code, 0, collector.output());
  assert.ok(took < 5000, `took ${took} ms to exit`);
  const exported = new Set(spansInFile(out).map((s) => s.name));
  const missing = [...acknowledged].filter((n) => !exported.has(n));
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged spans were not exported`);
});
