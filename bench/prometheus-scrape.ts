// prometheus receiver: samples per CPU second for a 10,000-series node_exporter-like page,
// text format and OpenMetrics. `parse_first` parses the page and every series' labels (a
// target's first scrape); `parse_again` is every later scrape: the page parsed, each series
// looked up by its text in the cache of parsed series. `receiver` is the whole path: the
// receiver scraping the page from nginx (its own process) every 100 ms, parsing, labelling,
// translating to OTLP and handing each batch to a consumer that counts its points; CPU of
// this process only.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Consumer } from '@flowtel/core';
import { startNginx, testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../receivers/prometheus/src/index.ts';
import { parseExposition, parseSeries, type ParsedSeries } from '../packages/prometheus/src/index.ts';
import { nodeExporterPage } from './lib/node-exporter-page.ts';
import { report, selfUsage } from './lib/report.ts';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const PHASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function receiverFigures(format: 'text' | 'openmetrics', pages: string[], samplesPerPage: number) {
  const nginx = await startNginx({
    files: { 'metrics.txt': pages[0] },
    serverBlock:
      format === 'openmetrics'
        ? 'location = /metrics.txt { types {} default_type "application/openmetrics-text; version=1.0.0"; }'
        : '',
  });
  let points = 0;
  let scrapes = 0;
  const consumer: Consumer = {
    consume: async (batch) => {
      points += batch.items;
      scrapes++;
      // the next scrape finds other values, as on a live target
      writeFileSync(join(nginx.dir, 'www', 'metrics.txt'), pages[scrapes % pages.length]);
    },
  };
  const config = factory.configSchema.parse({
    config: {
      scrape_configs: [
        {
          job_name: 'bench',
          scrape_interval: '100ms',
          scrape_timeout: '100ms',
          metrics_path: '/metrics.txt',
          static_configs: [{ targets: [`127.0.0.1:${nginx.port}`] }],
        },
      ],
    },
  });
  const receiver = factory.createReceiver(testSettings('prometheus', 'receiver'), config, { metrics: consumer });
  await receiver.start(testHost());
  // the first scrapes fill the series cache; measure from then on
  while (scrapes < 3) await new Promise((r) => setTimeout(r, 50));
  const start = process.cpuUsage();
  const [points0, scrapes0] = [points, scrapes];
  await new Promise((r) => setTimeout(r, PHASE_SECONDS * 3000));
  const cpu = process.cpuUsage(start);
  await receiver.shutdown();
  await nginx.stop();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const n = scrapes - scrapes0;
  return {
    scrapes: n,
    data_points: points - points0,
    samples_per_cpu_second: Math.round((n * samplesPerPage) / cpuSeconds),
    data_points_per_cpu_second: Math.round((points - points0) / cpuSeconds),
    cpu_ms_per_scrape: +((cpuSeconds * 1000) / n).toFixed(2),
  };
}

function measure(work: (round: number) => number) {
  const start = process.cpuUsage();
  const wallStart = performance.now();
  let samples = 0;
  let round = 0;
  while (performance.now() - wallStart < PHASE_SECONDS * 1000) samples += work(round++);
  const cpu = process.cpuUsage(start);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    scrapes: round,
    samples,
    samples_per_cpu_second: Math.round(samples / cpuSeconds),
    cpu_ms_per_scrape: +((cpuSeconds * 1000) / round).toFixed(2),
  };
}

const figures: Record<string, unknown> = { series: SERIES, load_average_before: loadavg().map((l) => +l.toFixed(1)) };
for (const format of ['text', 'openmetrics'] as const) {
  const pages = Array.from({ length: 8 }, (_, i) => nodeExporterPage(SERIES, format, i));
  const samplesPerPage = parseExposition(pages[0], format).series.length;
  const parseFirst = measure((round) => {
    const page = parseExposition(pages[round % pages.length], format);
    for (const s of page.series) parseSeries(s);
    return page.series.length;
  });
  const cache = new Map<string, ParsedSeries>();
  const parseAgain = measure((round) => {
    const page = parseExposition(pages[round % pages.length], format);
    for (const s of page.series) {
      let parsed = cache.get(s);
      if (parsed === undefined) cache.set(s, (parsed = parseSeries(s)));
    }
    return page.series.length;
  });
  figures[format] = {
    samples_per_page: samplesPerPage,
    page_bytes: pages[0].length,
    parse_first: parseFirst,
    parse_again: parseAgain,
    receiver: await receiverFigures(format, pages, samplesPerPage),
  };
}
figures.load_average_after = loadavg().map((l) => +l.toFixed(1));
report('prometheus-scrape', { ...figures, ...selfUsage() });
