// The default pipeline (pipeline.config.yaml, as `npm start` runs it: the bundle) under nginx at
// DEFAULT_PIPELINE_RATES requests/s offered by hey (default 2000,10000), captures filtered to
// nginx's port as in issue 26: flowtel's CPU (% of one core, from /proc, engine threads
// included), peak RSS, the p99 it adds to nginx, and whether every request reached the
// embedded store (l7_flow_log rows and spans per side against hey's request count, read back
// with `flowtel query`'s runQuery once the collector has stopped). The OTLP pipelines are idle.
//   node --import tsx bench/default-pipeline.ts   (DEFAULT_PIPELINE_SECONDS=30,
//     DEFAULT_PIPELINE_FLUSH=1s: the clickhouse exporter's insert_flush_interval, 0 = off;
//     DEFAULT_PIPELINE_TLS=false: the ebpf receiver's tls.enabled, on by default;
//     DEFAULT_PIPELINE_UNSTORED=traces/ebpf,...: pipelines whose clickhouse exporter is taken
//     out, to attribute the store's cost table by table)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runQuery } from '@flowtel/clickhouse';
import { freePort, hasCommand, startNginx, waitForOutput } from '@flowtel/testkit';
import { captureUnavailable } from '../ebpf-receiver/test/capture-support.ts';
import { startBundle } from './lib/bundle.ts';
import { processUsage, report } from './lib/report.ts';

const SECONDS = Number(process.env.DEFAULT_PIPELINE_SECONDS ?? 30);
const RATES = (process.env.DEFAULT_PIPELINE_RATES ?? '2000,10000').split(',').map(Number);
const FLUSH = process.env.DEFAULT_PIPELINE_FLUSH ?? '1s';
const TLS = process.env.DEFAULT_PIPELINE_TLS !== 'false';
const UNSTORED = (process.env.DEFAULT_PIPELINE_UNSTORED ?? '').split(',').filter(Boolean);
const PAGE = `<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>${'<p>flowtel default pipeline benchmark page.</p>'.repeat(14)}</body></html>\n`;

const number = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);

function hey(url: string, rate: number) {
  const r = spawnSync('hey', ['-z', `${SECONDS}s`, '-c', '20', '-q', String(rate / 20), url], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`hey failed: ${r.stderr}`);
  const out = r.stdout;
  const statuses = [...out.matchAll(/\[(\d+)\]\s+(\d+) responses/g)];
  return {
    requests: statuses.reduce((n, m) => n + Number(m[2]), 0),
    requests_per_second: number(out, /Requests\/sec:\s+([\d.]+)/),
    p50_us: Math.round(number(out, /50% in ([\d.]+) secs/) * 1e6),
    p99_us: Math.round(number(out, /99% in ([\d.]+) secs/) * 1e6),
  };
}

const why = captureUnavailable() ?? ['hey', 'nginx'].find((tool) => !hasCommand(tool));
if (why) {
  process.stderr.write(`default-pipeline cannot run: ${why}\n`);
  process.exit(1);
}

const nginx = await startNginx({ files: { 'index.html': PAGE } });
const url = `http://127.0.0.1:${nginx.port}/index.html`;

/** pipeline.config.yaml with free ports, a fresh data folder, and captures on nginx's port only. */
async function config(dir: string): Promise<{ path: string; clickhouse: unknown; metricsPort: number }> {
  const cfg = parse(readFileSync(join(import.meta.dirname, '../pipeline.config.yaml'), 'utf8')) as Record<string, any>;
  cfg.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${await freePort()}`;
  cfg.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${await freePort()}`;
  cfg.receivers.ebpf.filters.ports = { allow: [nginx.port] };
  if (!TLS) cfg.receivers.ebpf.tls = { enabled: false };
  for (const name of UNSTORED) {
    const pipeline = cfg.service.pipelines[name];
    if (!pipeline) throw new Error(`DEFAULT_PIPELINE_UNSTORED: no pipeline ${name}`);
    pipeline.exporters = pipeline.exporters.filter((e: string) => e !== 'clickhouse');
    // a pipeline needs an exporter: the debug exporter at its basic verbosity only counts
    if (pipeline.exporters.length === 0) pipeline.exporters = ['debug'];
  }
  cfg.processors.smartencoding.directory = join(dir, 'smartencoding');
  cfg.exporters.clickhouse.endpoint = `chdb://${join(dir, 'clickhouse')}`;
  cfg.exporters.clickhouse.insert_flush_interval = FLUSH;
  cfg.extensions.health_check.endpoint = `127.0.0.1:${await freePort()}`;
  const metricsPort = await freePort();
  cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port = metricsPort;
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify(cfg));
  return { path, clickhouse: cfg.exporters.clickhouse, metricsPort };
}

async function count(clickhouse: unknown, dir: string, sql: string): Promise<Record<string, number>> {
  const out = JSON.parse(await runQuery(clickhouse, sql, 'json', { configDir: dir })) as Array<{
    k: string;
    n: string;
  }>;
  return Object.fromEntries(out.map((r) => [r.k, Number(r.n)]));
}

/**
 * The collector's own count of what it did not store, before it stops: events the kernel could
 * not queue (ring buffer full), the receiver dropped or saw refused (pipelines behind), records
 * an exporter failed to send. A request missing from the store shows up here when it is load.
 */
async function notStored(metricsPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(\w*(?:lost|dropped|refused|failed)\w*)(?:\{[^}]*\})? ([\d.e+]+)$/gm)) {
    const v = Number(m[2]);
    if (v > 0) out[m[1]] = (out[m[1]] ?? 0) + v;
  }
  return out;
}

/**
 * Waits at least 2.5 s, then until the collector is idle again: under IDLE_SHARE of a core over
 * two seconds in a row (idle it spends 1-2%), or at most 180 s. A collector that fell behind
 * works its backlog off meanwhile, so the window holds all the work the load made (merges of
 * what it wrote included) instead of leaving it to shutdown. Returns the seconds it took.
 */
async function settled(pid: number): Promise<number> {
  const IDLE_SHARE = 0.05;
  const from = performance.now();
  await new Promise((r) => setTimeout(r, 2500));
  let quiet = 0;
  let last = await processUsage(pid);
  while (quiet < 2 && performance.now() - from < 180_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await processUsage(pid);
    quiet = now.cpu_seconds - last.cpu_seconds < IDLE_SHARE ? quiet + 1 : 0;
    last = now;
  }
  return Number(((performance.now() - from) / 1000).toFixed(1));
}

async function measure(rate: number) {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-default-pipeline-'));
  try {
    const baseline = hey(url, rate);
    const { path, clickhouse, metricsPort } = await config(dir);
    const collector = startBundle(path);
    await waitForOutput(collector, 'Everything is ready', 120_000);
    const pid = collector.process.pid!;
    const before = await processUsage(pid);
    const started = performance.now();
    const captured = hey(url, rate);
    // the batch timeout and the insert buffer's interval: what is held is written before stop;
    // and on a loaded machine, the backlog the collector fell behind by (its CPU belongs to the load)
    const drainSeconds = await settled(pid);
    const after = await processUsage(pid);
    const wall = (performance.now() - started) / 1000;
    const counted = await notStored(metricsPort);
    const stopAt = performance.now();
    const code = await collector.stop();
    const stopSeconds = (performance.now() - stopAt) / 1000;
    if (code !== 0) throw new Error(`flowtel exited with ${code}:\n${collector.output().slice(-2000)}`);
    const port = nginx.port;
    const logs = await count(
      clickhouse,
      dir,
      `SELECT tap_side AS k, count() AS n FROM l7_flow_log WHERE server_port = ${port} GROUP BY k`,
    );
    const spans = await count(clickhouse, dir, 'SELECT SpanKind AS k, count() AS n FROM otel_traces GROUP BY k');
    // the zero-code service map the servicegraph connector made of the captured traffic (flushed every 15 s)
    const serviceMap = JSON.parse(
      await runQuery(clickhouse, { serviceMap: true }, 'json', { configDir: dir }).catch(() => '[]'),
    ) as unknown[];
    const cpu = after.cpu_seconds - before.cpu_seconds;
    return {
      offered_requests_per_second: rate,
      baseline,
      captured,
      p99_added_us: captured.p99_us - baseline.p99_us,
      cpu_seconds: Number(cpu.toFixed(2)),
      cpu_percent_of_one_core: Math.round((cpu / wall) * 1000) / 10,
      cpu_us_per_captured_request: Math.round((cpu * 1e6) / captured.requests),
      peak_rss_mib: after.peak_rss_mib,
      l7_flow_log_rows_by_tap_side: logs,
      spans_by_kind: spans,
      service_map: serviceMap,
      server_request_logs_lost: captured.requests - (logs['s-p'] ?? 0),
      client_request_logs_lost: captured.requests - (logs['c-p'] ?? 0),
      counted_not_stored: counted,
      drain_seconds: drainSeconds,
      shutdown_seconds: Number(stopSeconds.toFixed(2)),
      load_average: loadavg().map((l) => Number(l.toFixed(2))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  const runs = [];
  for (const rate of RATES) {
    const r = await measure(rate);
    process.stderr.write(`[default-pipeline] ${JSON.stringify(r)}\n`);
    runs.push(r);
  }
  report('default-pipeline', {
    description:
      'pipeline.config.yaml as npm start runs it, captures filtered to nginx, hey at each rate for the given seconds',
    seconds: SECONDS,
    insert_flush_interval: FLUSH,
    tls_capture: TLS,
    unstored_pipelines: UNSTORED,
    runs,
    cpu_seconds: Math.max(...runs.map((r) => r.cpu_seconds)),
    peak_rss_mib: Math.max(...runs.map((r) => r.peak_rss_mib)),
  });
} finally {
  await nginx.stop();
}
