// Where the default pipeline's CPU goes: pipeline.config.yaml as `npm start` runs it (the
// bundle), captures filtered to nginx's port, first idle then under hey at PROFILE_RATE
// requests/s. Per phase: the process's CPU split by thread (/proc/PID/task/*/stat: the JS
// main thread, libuv's pool, V8's GC helpers, chdb's engine threads by name) and RSS.
// FLOWTEL_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=DIR' adds V8's profile of the main thread.
//   node --import tsx bench/default-pipeline-profile.ts   (PROFILE_SECONDS=20, PROFILE_RATE=10000,
//     PROFILE_TLS=false: the ebpf receiver's tls.enabled, on by default)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runQuery } from '@flowtel/clickhouse';
import { freePort, startNginx, waitForOutput } from '@flowtel/testkit';
import { startBundle } from './lib/bundle.ts';
import { report } from './lib/report.ts';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 20);
const RATE = Number(process.env.PROFILE_RATE ?? 10000);
const TLS = process.env.PROFILE_TLS !== 'false';

const PROCESS = '(process)';

/**
 * CPU seconds per thread name (threads of one name summed), from /proc, and the whole process's
 * under PROCESS: that one includes threads that have ended (the engine starts and ends threads
 * as its pools grow and shrink), which no task folder shows any more.
 */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const whole = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = whole.slice(whole.lastIndexOf(')') + 2).split(' ');
  out.set(PROCESS, (Number(fields[11]) + Number(fields[12])) / 100);
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = Number(tid) === pid ? 'main (JS)' : stat.slice(open + 1, close).replace(/\d+$/, '#');
    const f = stat.slice(close + 2).split(' ');
    out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
  }
  return out;
}

/** Resident memory by kind (anonymous: heaps; file: mapped code such as chdb's library), MiB. */
function rssMib(pid: number): Record<string, number> {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  const mib = (n: number) => Math.round(n / 102.4) / 10;
  return { rss: mib(kib('Rss')), anonymous: mib(kib('Anonymous')), file: mib(kib('Rss') - kib('Anonymous')) };
}

function phase(pid: number, before: Map<string, number>, seconds: number) {
  const after = threadCpu(pid);
  const by: Record<string, number> = {};
  const total = after.get(PROCESS)! - before.get(PROCESS)!;
  let live = 0;
  for (const [name, cpu] of after) {
    if (name === PROCESS) continue;
    const d = cpu - (before.get(name) ?? 0);
    live += d;
    if (d > 0) by[name] = Math.round((d / seconds) * 1000) / 10;
  }
  // threads that ended within the phase (their time is in the process's, in no task folder)
  if (total - live > 0.005) by['(threads that ended)'] = Math.round(((total - live) / seconds) * 1000) / 10;
  const sorted = Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]));
  return { percent_of_one_core: Math.round((total / seconds) * 1000) / 10, by_thread: sorted, rss_mib: rssMib(pid) };
}

const nginx = await startNginx({ files: { 'index.html': '<p>flowtel</p>\n'.repeat(60) } });
const dir = mkdtempSync(join(tmpdir(), 'flowtel-profile-'));
let collector: ReturnType<typeof startBundle> | undefined;
try {
  const cfg = parse(readFileSync(join(import.meta.dirname, '../pipeline.config.yaml'), 'utf8')) as Record<string, any>;
  cfg.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${await freePort()}`;
  cfg.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${await freePort()}`;
  cfg.receivers.ebpf.filters.ports = { allow: [nginx.port] };
  if (!TLS) cfg.receivers.ebpf.tls = { enabled: false };
  cfg.processors.smartencoding.directory = join(dir, 'smartencoding');
  cfg.exporters.clickhouse.endpoint = `chdb://${join(dir, 'clickhouse')}`;
  cfg.extensions.health_check.endpoint = `127.0.0.1:${await freePort()}`;
  cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port = await freePort();
  writeFileSync(join(dir, 'config.yaml'), stringify(cfg));
  collector = startBundle(join(dir, 'config.yaml'));
  await waitForOutput(collector, 'Everything is ready', 120_000);
  const pid = collector.process.pid!;
  // settle: table creation and the first merges are start-up, not idle
  await new Promise((r) => setTimeout(r, 5000));
  let mark = threadCpu(pid);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const idle = phase(pid, mark, SECONDS);
  process.stderr.write(`[profile] idle ${JSON.stringify(idle)}\n`);
  mark = threadCpu(pid);
  const t0 = performance.now();
  const hey = spawnSync(
    'hey',
    ['-z', `${SECONDS}s`, '-c', '20', '-q', String(RATE / 20), `http://127.0.0.1:${nginx.port}/`],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const loaded = phase(pid, mark, (performance.now() - t0) / 1000);
  const reqs = Number(/Requests\/sec:\s+([\d.]+)/.exec(hey.stdout)?.[1] ?? Number.NaN);
  process.stderr.write(`[profile] ${reqs} req/s ${JSON.stringify(loaded)}\n`);
  // the engine's own view of its memory: what it tracks, and its caches
  const engineMemory = await runQuery(
    cfg.exporters.clickhouse,
    "SELECT metric, value FROM system.metrics WHERE metric IN ('MemoryTracking', 'MergesMutationsMemoryTracking')",
    'json',
    { configDir: dir },
  ).catch((err: Error) => err.message);
  process.stderr.write(`[profile] engine memory ${engineMemory}\n`);
  const stopAt = performance.now();
  await collector.stop();
  const shutdownSeconds = Number(((performance.now() - stopAt) / 1000).toFixed(2));
  report('default-pipeline-profile', {
    seconds: SECONDS,
    offered_requests_per_second: RATE,
    requests_per_second: reqs,
    tls_capture: TLS,
    idle,
    loaded,
    shutdown_seconds: shutdownSeconds,
    load_average: loadavg().map((l) => Number(l.toFixed(2))),
  });
} finally {
  // stopped on every path: a collector left running would load the machine for everyone
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
  await nginx.stop();
}
