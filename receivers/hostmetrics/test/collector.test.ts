// The receiver in a running collector, to the file exporter as OTLP/JSON: contrib's names,
// units and scope, a scrape per collection_interval.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCollector, waitFor, waitForOutput } from '@flowtel/testkit';

interface JsonMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: Array<{ asDouble?: number; asInt?: string; attributes?: unknown[] }>; isMonotonic?: boolean };
  gauge?: { dataPoints: Array<{ asDouble?: number; asInt?: string }> };
}
interface JsonRequest {
  resourceMetrics: Array<{ scopeMetrics: Array<{ scope: { name: string }; metrics: JsonMetric[] }> }>;
}

test('hostmetrics -> file: every scrape arrives as OTLP/JSON with contrib names', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hostmetrics-'));
  const out = join(dir, 'metrics.json');
  const collector = startCollector(`
receivers:
  hostmetrics:
    collection_interval: 1s
    initial_delay: 0s
    scrapers:
      cpu:
      memory:
      load:
      network:
      system:
exporters:
  file:
    path: ${out}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [hostmetrics]
      exporters: [file]
`);
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready', 60_000);
  const requests = await waitFor(
    'two scrapes in the file',
    async () => {
      if (!existsSync(out)) return undefined;
      const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
      return lines.length >= 2 && lines.map((l) => JSON.parse(l) as JsonRequest);
    },
    60_000,
    200,
  );
  const metrics = requests[0].resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  const scopes = requests[0].resourceMetrics.flatMap((rm) => rm.scopeMetrics.map((sm) => sm.scope.name));
  assert.ok(
    scopes.includes(
      'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/cpuscraper',
    ),
  );
  const names = new Set(metrics.map((m) => m.name));
  for (const name of [
    'system.cpu.time',
    'system.memory.usage',
    'system.cpu.load_average.1m',
    'system.network.io',
    'system.uptime',
  ])
    assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
  const uptime = metrics.find((m) => m.name === 'system.uptime')!;
  assert.equal(uptime.unit, 's');
  assert.ok(uptime.gauge!.dataPoints[0].asDouble! > 0);
  const io = metrics.find((m) => m.name === 'system.network.io')!;
  assert.equal(io.unit, 'By');
  assert.equal(io.sum!.isMonotonic, true);
  assert.ok(io.sum!.dataPoints.every((p) => p.asInt !== undefined));
});
