// prometheus receiver: samples per CPU second for a 10,000-series node_exporter-like page,
// text format and OpenMetrics. `parse_first` parses the page and every series' labels (a
// target's first scrape); `parse_again` is every later scrape: the page parsed, each series
// looked up by its text in the cache of parsed series.
import { loadavg } from 'node:os';
import { parseExposition, parseSeries, type ParsedSeries } from '../packages/prometheus/src/index.ts';
import { nodeExporterPage } from './lib/node-exporter-page.ts';
import { report, selfUsage } from './lib/report.ts';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const PHASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

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
  };
}
figures.load_average_after = loadavg().map((l) => +l.toFixed(1));
report('prometheus-scrape', { ...figures, ...selfUsage() });
