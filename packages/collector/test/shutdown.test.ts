// Graceful shutdown under load: a collector that receives OTLP/HTTP from concurrent clients
// is sent SIGTERM mid-stream. It must exit within 5 s, and every span it acknowledged (200)
// must be in its exporter's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  otlpLoad,
  otlpToFileConfig,
  spansInFile,
  startCollector,
  waitFor,
  waitForOutput,
} from '@flowtel/testkit';

/** OTLP/HTTP on `port` through a batch processor into a file exporter writing `out`. */
const otlpToFile = (port: number, out: string) =>
  otlpToFileConfig(port, out, { processors: { batch: '{timeout: 200ms, send_batch_size: 500}' } });

test('SIGTERM under load: exits within 5 s and everything acknowledged was exported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-sigterm-'));
  const out = join(dir, 'spans.jsonl');
  const port = await freePort();
  const collector = startCollector(otlpToFile(port, out));
  await waitForOutput(collector, 'Everything is ready');
  const load = otlpLoad(port);
  await waitFor('load to build up', async () => load.acknowledged.size >= 2000);
  const signalled = Date.now();
  const exit = collector.stop();
  const code = await exit;
  const took = Date.now() - signalled;
  await load.stop();
  assert.equal(code, 0, collector.output());
  assert.ok(took < 5000, `took ${took} ms to exit`);
  const exported = new Set(spansInFile(out).map((s) => s.name));
  const missing = [...load.acknowledged].filter((n) => !exported.has(n));
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged spans were not exported`);
});

test('SIGTERM while the components start: the collector starts, then shuts down gracefully (not killed)', async () => {
  const port = await freePort();
  const collector = startCollector(
    otlpToFile(port, join(mkdtempSync(join(tmpdir(), 'flowtel-sigterm-')), 'spans.jsonl')),
  );
  // logged once the config is loaded, before any component starts
  await waitForOutput(collector, 'Starting flowtel');
  const code = await collector.stop();
  assert.equal(code, 0, collector.output());
  assert.match(collector.output(), /Shutdown complete/);
});
