// What eBPF capture costs the traffic it watches (issue 4, item 7): nginx on loopback serving
// a small page, with and without the ebpf receiver capturing every socket's payload heads.
// (a) 10,000 requests/s offered by `hey -z 10s -c 20 -q 500`: p50/p99 latency, events/s
//     delivered, events lost, and the capture process's CPU.
// (b) saturated by `wrk -t2 -c50 -d10s`: requests/s lost with flowtel capturing, beside the
//     floor: the same kernel programs drained by a C consumer that only counts events; the CPU
//     of each consumer while wrk ran.
// The capture process (ebpf-receiver/bench/capture-process.ts) is flowtel's receiver with a
// pipeline that only counts; cpu_seconds/peak_rss_mib are its figures during run (a).
// The variants run interleaved REPEAT times (default 3) and each figure is the median, so a
// neighbour's burst on a shared machine moves one sample, not a whole variant.
// What the capture head costs: EBPF_BENCH_PAYLOAD_SIZE (default 1024, the receiver's
// payload_size), and traffic whose messages outgrow it: EBPF_BENCH_HEADER_BYTES (a Cookie of that
// many bytes on every request) and EBPF_BENCH_PAGE_BYTES (the page's size; nginx then writes it
// with writev instead of sendfile, so the capture sees it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processUsage, report } from './lib/report.ts';
import { startNginx } from '../ebpf-receiver/test/servers.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const receiverDir = join(here, '..', 'ebpf-receiver');
const floorBinary = join(receiverDir, 'build', 'bpf', 'floor_consumer');
const SECONDS = Number(process.env.EBPF_BENCH_SECONDS ?? 10);
const REPEAT = Number(process.env.REPEAT ?? 3);
const PAYLOAD_SIZE = Number(process.env.EBPF_BENCH_PAYLOAD_SIZE ?? 1024);
const HEADER_BYTES = Number(process.env.EBPF_BENCH_HEADER_BYTES ?? 0);
const PAGE_BYTES =
  process.env.EBPF_BENCH_PAGE_BYTES === undefined ? undefined : Number(process.env.EBPF_BENCH_PAGE_BYTES);
const SMALL_PAGE = `<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>${'<p>flowtel capture benchmark page.</p>'.repeat(14)}</body></html>\n`;
const PAGE =
  PAGE_BYTES === undefined ? SMALL_PAGE : `${SMALL_PAGE}${'x'.repeat(Math.max(0, PAGE_BYTES - SMALL_PAGE.length))}`;
/** hey's and wrk's option for the Cookie header, when asked for */
const HEADER = HEADER_BYTES > 0 ? ['-H', `Cookie: session=${'c'.repeat(HEADER_BYTES)}`] : [];

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync(join(receiverDir, 'build', 'Release', 'flowtel_ebpf.node')) || !existsSync(floorBinary))
    return 'capture is not built (npm run setup -w @flowtel/ebpf-receiver)';
  for (const tool of ['hey', 'wrk', 'nginx'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  return undefined;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout;
}

const seconds = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);

function hey(url: string) {
  const out = run('hey', ['-z', `${SECONDS}s`, '-c', '20', '-q', '500', ...HEADER, url]);
  return {
    requests_per_second: seconds(out, /Requests\/sec:\s+([\d.]+)/),
    p50_us: Math.round(seconds(out, /50% in ([\d.]+) secs/) * 1e6),
    p99_us: Math.round(seconds(out, /99% in ([\d.]+) secs/) * 1e6),
    ok_responses: Number(/\[200\]\s+(\d+) responses/.exec(out)?.[1] ?? 0),
  };
}

function wrk(url: string) {
  const out = run('wrk', ['-t2', '-c50', `-d${SECONDS}s`, ...HEADER, url]);
  return { requests_per_second: seconds(out, /Requests\/sec:\s+([\d.]+)/) };
}

function lines(child: ChildProcess): AsyncIterator<string> {
  let buffered = '';
  let ended = false;
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  child.stdout!.on('data', (d) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    queue.push(...parts.filter(Boolean));
    wake?.();
  });
  child.stdout!.on('end', () => {
    ended = true;
    wake?.();
  });
  return {
    next: async () => {
      while (queue.length === 0) {
        if (ended) throw new Error(`${child.spawnfile} ended its output early`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return { value: queue.shift()!, done: false };
    },
  };
}

interface FlowtelFigures {
  events_per_second: number;
  /** payload bytes through the ring buffer per second */
  payload_bytes_per_second: number;
  events_delivered: number;
  events_lost: number;
  events_dropped: number;
  batches: number;
  cpu_seconds: number;
  cpu_percent_of_one_core: number;
  peak_rss_mib: number;
}

type HeyFigures = ReturnType<typeof hey>;
type WrkFigures = ReturnType<typeof wrk>;

/** Runs `load` while the flowtel capture process captures; its CPU counts from ready to stop. */
async function withFlowtel<T>(load: () => T): Promise<{ result: T; flowtel: FlowtelFigures }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(receiverDir, 'bench', 'capture-process.ts'),
      JSON.stringify({ payload_size: PAYLOAD_SIZE }),
    ],
    {
      cwd: receiverDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const out = lines(child);
  await out.next();
  const before = await processUsage(child.pid!);
  const started = performance.now();
  const result = load();
  const wall = (performance.now() - started) / 1000;
  const after = await processUsage(child.pid!);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const counts = JSON.parse((await out.next()).value);
  await exited;
  const cpu = after.cpu_seconds - before.cpu_seconds;
  return {
    result,
    flowtel: {
      events_per_second: Math.round(counts.delivered / wall),
      payload_bytes_per_second: Math.round(counts.payloadBytes / wall),
      events_delivered: counts.delivered,
      events_lost: counts.lost,
      events_dropped: counts.dropped,
      batches: counts.batches,
      cpu_seconds: cpu,
      cpu_percent_of_one_core: Math.round((cpu / wall) * 1000) / 10,
      peak_rss_mib: after.peak_rss_mib,
    },
  };
}

interface FloorFigures {
  events: number;
  lost: number;
  /** the floor consumer's own CPU while the load ran: what flowtel's cpu_seconds is set against */
  cpu_seconds: number;
  cpu_percent_of_one_core: number;
}

async function withFloor<T>(load: () => T): Promise<{ result: T; floor: FloorFigures }> {
  const child = spawn(floorBinary, [String(PAYLOAD_SIZE), '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d) => String(d).includes('attached') && resolve());
    child.once('exit', () => reject(new Error('floor_consumer could not attach')));
  });
  const before = await processUsage(child.pid!);
  const started = performance.now();
  const result = load();
  const wall = (performance.now() - started) / 1000;
  const cpu = (await processUsage(child.pid!)).cpu_seconds - before.cpu_seconds;
  const out = lines(child);
  // the next run must not start while the floor's programs are still detaching
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  const counts = JSON.parse((await out.next()).value);
  await exited;
  return {
    result,
    floor: { ...counts, cpu_seconds: cpu, cpu_percent_of_one_core: Math.round((cpu / wall) * 1000) / 10 },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of every numeric field across samples of the same shape. */
function medians<T extends object>(samples: T[]): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(samples[0])) {
    const values = samples.map((s) => (s as Record<string, unknown>)[key]);
    out[key] =
      typeof values[0] === 'number'
        ? median(values as number[])
        : typeof values[0] === 'object'
          ? medians(values as object[])
          : values[0];
  }
  return out as T;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

const why = unavailable();
if (why) {
  report('ebpf-capture', { skipped: why });
} else {
  const nginx = await startNginx({ 'index.html': PAGE }, { workers: 'auto', sendfile: PAGE_BYTES === undefined });
  try {
    const url = `http://127.0.0.1:${nginx.port}/`;
    const fixed = { baseline: [] as HeyFigures[], captured: [] as { result: HeyFigures; flowtel: FlowtelFigures }[] };
    const saturated = {
      baseline: [] as number[],
      flowtel: [] as { result: WrkFigures; flowtel: FlowtelFigures }[],
      floor: [] as { result: WrkFigures; floor: FloorFigures }[],
    };
    for (let i = 0; i < REPEAT; i++) {
      fixed.baseline.push(hey(url));
      fixed.captured.push(await withFlowtel(() => hey(url)));
      saturated.baseline.push(wrk(url).requests_per_second);
      saturated.flowtel.push(await withFlowtel(() => wrk(url)));
      saturated.floor.push(await withFloor(() => wrk(url)));
    }
    const fixedBaseline = medians(fixed.baseline);
    const fixedCaptured = medians(fixed.captured.map((c) => c.result));
    const fixedFlowtel = medians(fixed.captured.map((c) => c.flowtel));
    const baselineRps = median(saturated.baseline);
    const flowtelRps = median(saturated.flowtel.map((c) => c.result.requests_per_second));
    const floorRps = median(saturated.floor.map((c) => c.result.requests_per_second));
    const lossPercent = (rps: number) => round1((1 - rps / baselineRps) * 100);
    report('ebpf-capture', {
      seconds_per_run: SECONDS,
      repeats: REPEAT,
      payload_size: PAYLOAD_SIZE,
      header_bytes: HEADER_BYTES,
      page_bytes: PAGE.length,
      /** hey prints latencies in steps of 0.1 ms */
      latency_resolution_us: 100,
      fixed_rate: {
        baseline: fixedBaseline,
        captured: fixedCaptured,
        p50_change_us: fixedCaptured.p50_us - fixedBaseline.p50_us,
        p99_change_us: fixedCaptured.p99_us - fixedBaseline.p99_us,
        ...fixedFlowtel,
      },
      saturated: {
        baseline_rps: baselineRps,
        flowtel_rps: flowtelRps,
        floor_rps: floorRps,
        flowtel_loss_percent: lossPercent(flowtelRps),
        floor_loss_percent: lossPercent(floorRps),
        points_above_floor: round1(lossPercent(flowtelRps) - lossPercent(floorRps)),
        flowtel: medians(saturated.flowtel.map((c) => c.flowtel)),
        floor: medians(saturated.floor.map((c) => c.floor)),
        samples_rps: {
          baseline: saturated.baseline,
          flowtel: saturated.flowtel.map((c) => c.result.requests_per_second),
          floor: saturated.floor.map((c) => c.result.requests_per_second),
        },
      },
      cpu_seconds: fixedFlowtel.cpu_seconds,
      peak_rss_mib: fixedFlowtel.peak_rss_mib,
    });
  } finally {
    await nginx.stop();
  }
}
