// hostmetrics with every scraper: CPU per scrape, all scrapers together and each alone, with
// contrib's default metrics. Scrapes run back to back: the CPU one scrape costs does not
// depend on the interval, so at `collection_interval: 10s` the receiver's share of a core is
// cpu_ms_per_scrape / 10,000. The process scraper's cost grows with the number of processes
// (reported beside it).
import { loadavg } from 'node:os';
import { readdirSync } from 'node:fs';
import { testSettings } from '../packages/testkit/src/index.ts';
import { configSchema, HostMetricsReceiver } from '../receivers/hostmetrics/src/index.ts';
import { report, selfUsage } from './lib/report.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const SCRAPERS = ['cpu', 'memory', 'load', 'disk', 'filesystem', 'network', 'paging', 'processes', 'process', 'system'];

async function measure(scrapers: string[]) {
  const receiver = new HostMetricsReceiver(
    testSettings('hostmetrics', 'receiver'),
    configSchema.parse({ scrapers: Object.fromEntries(scrapers.map((s) => [s, null])) }),
    {},
  );
  await receiver.scrape(); // warm: boot time, user table, JIT
  const start = process.cpuUsage();
  const wall = performance.now();
  let points = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const { metrics } = await receiver.scrape();
    for (const rm of metrics.resourceMetrics)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) points += (m.sum ?? m.gauge)!.dataPoints.length;
  }
  const cpu = process.cpuUsage(start);
  return {
    cpu_ms_per_scrape: +((cpu.user + cpu.system) / 1000 / ROUNDS).toFixed(2),
    wall_ms_per_scrape: +((performance.now() - wall) / ROUNDS).toFixed(2),
    points_per_scrape: Math.round(points / ROUNDS),
  };
}

const figures: Record<string, unknown> = {
  rounds: ROUNDS,
  processes: readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length,
  load_average_before: loadavg().map((l) => +l.toFixed(1)),
};
const all = await measure(SCRAPERS);
figures.all_scrapers = {
  ...all,
  share_of_one_core_at_10s_percent: +((all.cpu_ms_per_scrape / 10_000) * 100).toFixed(3),
};
const each: Record<string, unknown> = {};
for (const s of SCRAPERS) each[s] = await measure([s]);
figures.each_scraper = each;
figures.load_average_after = loadavg().map((l) => +l.toFixed(1));
report('hostmetrics', { ...figures, ...selfUsage() });
