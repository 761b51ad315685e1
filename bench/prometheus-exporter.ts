// prometheus exporter: CPU per scrape of /metrics while it holds N series (default 10,000:
// 100 metrics of 100 series, a quarter of them histograms with 10 buckets), text format and
// OpenMetrics, each scrape a real HTTP GET with gzip as Prometheus sends it: after a new batch
// of all N points (the page is written again), and with nothing new (the last page is served).
import { loadavg } from 'node:os';
import { Ack } from '../packages/core/src/index.ts';
import type { Metric, Metrics } from '../packages/pdata/src/index.ts';
import { AggregationTemporality, attr, dataPointCount, newResource, newScope } from '../packages/pdata/src/index.ts';
import { freePort, testHost, testSettings } from '../packages/testkit/src/index.ts';
import { configSchema, factory } from '../exporters/prometheus/src/index.ts';
import { report, selfUsage } from './lib/report.ts';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PER_METRIC = 100;

function batchOf(round: number): Metrics {
  const now = BigInt(Date.now()) * 1_000_000n;
  const start = now - 60_000_000_000n;
  const metrics: Metric[] = [];
  for (let m = 0; m < SERIES / PER_METRIC; m++) {
    const histogram = m % 4 === 0;
    const points = Array.from({ length: PER_METRIC }, (_, i) => ({
      attributes: [attr('http.route', `/api/v1/items/${i}`), attr('http.request.method', 'GET')],
      startTimeUnixNano: start,
      timeUnixNano: now,
      exemplars: [],
      flags: 0,
    }));
    metrics.push(
      histogram
        ? {
            name: `app.request.duration.${m}`,
            description: 'request duration',
            unit: 's',
            metadata: [],
            histogram: {
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPoints: points.map((p) => ({
                ...p,
                count: BigInt(100 + round),
                sum: 12.5 + round,
                bucketCounts: Array.from({ length: 11 }, () => 9n),
                explicitBounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
              })),
            },
          }
        : {
            name: `app.requests.${m}`,
            description: 'requests',
            unit: '{request}',
            metadata: [],
            sum: {
              isMonotonic: true,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPoints: points.map((p) => ({ ...p, asInt: BigInt(1000 + round) })),
            },
          },
    );
  }
  return {
    resourceMetrics: [
      {
        resource: newResource([
          attr('service.name', 'shop'),
          attr('service.instance.id', 'i-1'),
          attr('host.name', 'h1'),
        ]),
        schemaUrl: '',
        scopeMetrics: [{ scope: newScope('bench', '1.0'), metrics, schemaUrl: '' }],
      },
    ],
  };
}

const port = await freePort();
const exporter = factory.createExporter(
  testSettings('prometheus', 'exporter'),
  configSchema.parse({ endpoint: `127.0.0.1:${port}`, enable_open_metrics: true }),
  ['metrics'],
);
await exporter.start(testHost());
const figures: Record<string, unknown> = { series: SERIES, load_average_before: loadavg().map((l) => +l.toFixed(1)) };

const data = batchOf(0);
const t0 = process.cpuUsage();
await exporter.consume({ signal: 'metrics', items: dataPointCount(data), data, ack: Ack.none() });
const take = process.cpuUsage(t0);
figures.cpu_ms_to_take_the_first_batch = +((take.user + take.system) / 1000).toFixed(1);

for (const [format, accept] of [
  ['text', 'text/plain;version=0.0.4'],
  ['openmetrics', 'application/openmetrics-text;version=1.0.0'],
] as const) {
  let bytes = 0;
  let lines = 0;
  const get = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept, 'accept-encoding': 'gzip' } });
    const body = await res.text();
    bytes = body.length;
    lines = body.split('\n').length;
  };
  await get(); // warm
  // a new batch before every scrape: the page is written again
  let takeMs = 0;
  let start = process.cpuUsage();
  for (let i = 1; i <= ROUNDS; i++) {
    const t = process.cpuUsage();
    const batch = batchOf(i);
    await exporter.consume({ signal: 'metrics', items: dataPointCount(batch), data: batch, ack: Ack.none() });
    const took = process.cpuUsage(t);
    takeMs += (took.user + took.system) / 1000;
    await get();
  }
  let cpu = process.cpuUsage(start);
  const changed = (cpu.user + cpu.system) / 1000 / ROUNDS - takeMs / ROUNDS;
  // nothing new between scrapes: the page written last is served again
  start = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) await get();
  cpu = process.cpuUsage(start);
  const unchanged = (cpu.user + cpu.system) / 1000 / ROUNDS;
  figures[format] = {
    page_bytes: bytes,
    page_lines: lines,
    // the bench's own fetch and gunzip are in these figures too: they are upper bounds
    cpu_ms_per_scrape_after_new_data: +changed.toFixed(1),
    series_per_cpu_second_after_new_data: Math.round(SERIES / (changed / 1000)),
    cpu_ms_per_scrape_unchanged: +unchanged.toFixed(1),
    cpu_ms_to_take_a_batch: +(takeMs / ROUNDS).toFixed(1),
  };
}
await exporter.shutdown();
figures.load_average_after = loadavg().map((l) => +l.toFixed(1));
report('prometheus-exporter', { ...figures, ...selfUsage() });
