// Benchmark (issue 5, item 9): the l7 pipeline end to end. nginx on loopback at a fixed
// 10,000 requests/s offered (`hey -z 10s -c 20 -q 500`), first alone, then with the collector
// as `npm start` runs it (the bundle) running ebpf → l7 → batch → file exporter on nginx's port:
// flowtel's CPU (% of one core, from /proc, ready to stop), the p99 latency it adds, and spans
// lost (requests hey made vs nginx server spans written). Both ends are on this host, so every
// request is captured twice (hey's client span and nginx's server span).
//   node --import tsx bench/l7-e2e.ts          (L7_E2E_SECONDS=10, L7_E2E_RING_BYTES=67108864,
//                                                L7_E2E_FORMAT=json|proto: the file exporter's format,
//                                                L7_E2E_REPEAT=3: runs, the median reported)
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodeTraces, tracesFromJson, type Traces } from '@flowtel/pdata';
import { freePort, hasCommand, startNginx, waitForOutput } from '@flowtel/testkit';
import { captureUnavailable } from '../ebpf-receiver/test/capture-support.ts';
import { lengthPrefixedRecords } from '@flowtel/exporter-file';
import { startBundle } from './lib/bundle.ts';
import { processUsage, report } from './lib/report.ts';

const SECONDS = Number(process.env.L7_E2E_SECONDS ?? 10);
/** the ebpf receiver's ring_buffer_size; unset: its default (64 MiB) */
const RING = process.env.L7_E2E_RING_BYTES;
/** the file exporter's format: json (its default) or proto */
const FORMAT = process.env.L7_E2E_FORMAT ?? 'json';
/** measurements, each with its own baseline and collector: the machine's noise is a few points */
const REPEAT = Number(process.env.L7_E2E_REPEAT ?? 3);
const PAGE = `<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>${'<p>flowtel end-to-end benchmark page.</p>'.repeat(14)}</body></html>\n`;

const number = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);

/** hey at 20 × 500 requests/s for SECONDS: its own request count and latency percentiles. */
function hey(url: string) {
  const r = spawnSync('hey', ['-z', `${SECONDS}s`, '-c', '20', '-q', '500', url], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`hey failed: ${r.stderr}`);
  const out = r.stdout;
  const statuses = [...out.matchAll(/\[(\d+)\]\s+(\d+) responses/g)];
  return {
    requests: statuses.reduce((n, m) => n + Number(m[2]), 0),
    ok_responses: Number(statuses.find((m) => m[1] === '200')?.[2] ?? 0),
    requests_per_second: number(out, /Requests\/sec:\s+([\d.]+)/),
    p50_us: Math.round(number(out, /50% in ([\d.]+) secs/) * 1e6),
    p99_us: Math.round(number(out, /99% in ([\d.]+) secs/) * 1e6),
  };
}

/** The requests in the file exporter's output: JSON lines, or length-prefixed protobuf. */
async function* requestsIn(path: string): AsyncGenerator<Traces> {
  if (FORMAT === 'json') {
    for await (const line of createInterface({ input: createReadStream(path) })) if (line) yield tracesFromJson(line);
    return;
  }
  for (const message of lengthPrefixedRecords(readFileSync(path))) yield decodeTraces(message);
}

/** Spans in the file exporter's output, counted by service.name and kind. */
async function countSpans(path: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for await (const request of requestsIn(path)) {
    for (const rs of request.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value;
      const name = service && 'stringValue' in service ? service.stringValue : '';
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          const key = `${name}/${s.kind === 2 ? 'server' : s.kind === 3 ? 'client' : s.kind}`;
          counts[key] = (counts[key] ?? 0) + 1;
        }
    }
  }
  return counts;
}

/** flowtel's own counters of what capture and parsing lost, from its Prometheus endpoint. */
async function losses(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(flowtel_(?:ebpf|l7)_[a-z_]+?)(?:_total)?(?:\{[^}]*\})? ([\d.e+]+)$/.exec(line);
    if (m) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

const why = captureUnavailable() ?? ['hey', 'nginx'].find((tool) => !hasCommand(tool));
if (why) {
  process.stderr.write(`l7-e2e cannot run: ${why}\n`);
  process.exit(1);
}

const nginx = await startNginx({ files: { 'index.html': PAGE } });
const url = `http://127.0.0.1:${nginx.port}/index.html`;
const dir = mkdtempSync(join(tmpdir(), 'flowtel-l7-e2e-'));

interface Run {
  baseline: ReturnType<typeof hey>;
  captured: ReturnType<typeof hey>;
  p99_added_us: number;
  p50_added_us: number;
  cpu_seconds: number;
  cpu_percent_of_one_core: number;
  cpu_us_per_request: number;
  peak_rss_mib: number;
  spans: Record<string, number>;
  /** requests hey counted minus spans written, per side (a request in flight when hey stops may have a span hey did not count: -1) */
  server_spans_lost: number;
  client_spans_lost: number;
  internal_metrics: Record<string, number>;
}

/** hey alone, then hey with a fresh collector capturing: one measurement. */
async function measure(run: number): Promise<Run> {
  const output = join(dir, `spans-${run}.${FORMAT}`);
  const baseline = hey(url);
  const metricsPort = await freePort();
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    `receivers:
  ebpf:${RING ? `\n    ring_buffer_size: ${RING}` : ''}
    filters:
      ports:
        allow: [${nginx.port}]
processors:
  l7:
  batch:
exporters:
  file:
    path: ${output}
    format: ${FORMAT}
service:
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metricsPort}}}}
  pipelines:
    traces:
      receivers: [ebpf]
      processors: [l7, batch]
      exporters: [file]
`,
  );
  // as `npm start` runs it: the bundle, with its V8 settings
  const collector = startBundle(configPath);
  await waitForOutput(collector, 'Everything is ready', 60_000);
  const pid = collector.process.pid!;
  const before = await processUsage(pid);
  const started = performance.now();
  const captured = hey(url);
  // what the pipeline still holds (batch timeout, file flush) is written before it exits
  await new Promise((r) => setTimeout(r, 1500));
  const after = await processUsage(pid);
  const internal = await losses(metricsPort);
  const wall = (performance.now() - started) / 1000;
  const code = await collector.stop();
  if (code !== 0) throw new Error(`flowtel exited with ${code}:\n${collector.output().slice(-2000)}`);
  const spans = await countSpans(output);
  rmSync(output, { force: true });
  const cpu = after.cpu_seconds - before.cpu_seconds;
  return {
    baseline,
    captured,
    p99_added_us: captured.p99_us - baseline.p99_us,
    p50_added_us: captured.p50_us - baseline.p50_us,
    cpu_seconds: cpu,
    cpu_percent_of_one_core: Math.round((cpu / wall) * 1000) / 10,
    cpu_us_per_request: Math.round((cpu / captured.requests) * 1e7) / 10,
    peak_rss_mib: after.peak_rss_mib,
    spans,
    server_spans_lost: captured.requests - (spans['nginx/server'] ?? 0),
    client_spans_lost: captured.requests - (spans['hey/client'] ?? 0),
    internal_metrics: internal,
  };
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

try {
  const runs: Run[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await measure(i));
  const cpu = runs.map((r) => r.cpu_seconds);
  report('l7-e2e', {
    description:
      'nginx at 10,000 requests/s offered (hey -z 10s -c 20 -q 500), alone and with flowtel ebpf -> l7 -> batch -> file capturing both ends',
    seconds: SECONDS,
    ring_buffer_size: RING ? Number(RING) : 'default',
    file_format: FORMAT,
    runs: runs.length,
    median_cpu_percent_of_one_core: median(runs.map((r) => r.cpu_percent_of_one_core)),
    median_cpu_us_per_request: median(runs.map((r) => r.cpu_us_per_request)),
    median_p99_added_us: median(runs.map((r) => r.p99_added_us)),
    most_spans_lost: Math.max(...runs.flatMap((r) => [r.server_spans_lost, r.client_spans_lost]), 0),
    every_run: runs,
    cpu_seconds: median(cpu),
    peak_rss_mib: Math.max(...runs.map((r) => r.peak_rss_mib)),
    load_average: loadavg(),
  });
} finally {
  await nginx.stop();
  rmSync(dir, { recursive: true, force: true });
}
