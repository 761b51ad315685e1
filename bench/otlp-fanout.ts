// Fan-out: OTLP/gRPC → batch → one OTLP/gRPC exporter, then the same → two exporters (two
// sinks), at 10,000 spans/s in requests of 100 spans. Both exporters only read, so they share
// each batch and send the client's bytes as they came (no copy, no decode). Runs alternate
// (one, two, one, two, ...: this machine's speed drifts) and each run's flowtel CPU seconds
// are reported. The load generator reaches fewer spans/s on a busy machine, so the figure is
// per span: the ratio of the medians of CPU seconds per 100k spans, two exporters over one.
// Target: ≤ 1.2 (issue 14).
import { loadavg } from 'node:os';
import { processUsage, report } from './lib/report.ts';
import { drain, runLoad, sleep, startFlowtel, startSink, type Sink } from './lib/otlp-rig.ts';

const RATE = 10_000;
const SPANS_PER_REQUEST = 100;
const WARMUP_SECONDS = 5;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 2);

interface Run {
  exporters: number;
  cpu_seconds: number;
  cpu_seconds_per_100k_spans: number;
  peak_rss_mib: number;
  accepted_spans: number;
  received_spans_per_sink: number[];
  refused_calls: number;
  machine_load_1m: number;
}

async function run(exporters: number): Promise<Run> {
  const sinks: Sink[] = [];
  for (let i = 0; i < exporters; i++) sinks.push(await startSink());
  const flowtel = await startFlowtel(sinks.map((s) => s.port));
  try {
    const target = `127.0.0.1:${flowtel.port}`;
    await runLoad({
      target,
      spansPerRequest: SPANS_PER_REQUEST,
      seconds: WARMUP_SECONDS,
      rate: RATE,
      concurrency: 100,
    });
    await sleep(1000);
    const before = await processUsage(flowtel.pid);
    const spansBefore = sinks.map((s) => s.spans);
    const load = await runLoad({
      target,
      spansPerRequest: SPANS_PER_REQUEST,
      seconds: SECONDS,
      rate: RATE,
      concurrency: 100,
    });
    const after = await processUsage(flowtel.pid);
    for (const [i, sink] of sinks.entries()) await drain(sink, spansBefore[i] + load.accepted_spans);
    const cpu = after.cpu_seconds - before.cpu_seconds;
    return {
      exporters,
      cpu_seconds: Math.round(cpu * 100) / 100,
      cpu_seconds_per_100k_spans: Math.round((cpu / load.accepted_spans) * 1e5 * 1000) / 1000,
      peak_rss_mib: Math.round(after.peak_rss_mib * 10) / 10,
      accepted_spans: load.accepted_spans,
      received_spans_per_sink: sinks.map((s, i) => s.spans - spansBefore[i]),
      refused_calls: load.refused_calls,
      machine_load_1m: Math.round(loadavg()[0] * 10) / 10,
    };
  } finally {
    await flowtel.collector.stop();
    for (const sink of sinks) await sink.stop();
  }
}

const runs: Run[] = [];
for (let i = 0; i < PAIRS; i++) runs.push(await run(1), await run(2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const medianOf = (exporters: number, key: 'cpu_seconds' | 'cpu_seconds_per_100k_spans') =>
  median(runs.filter((r) => r.exporters === exporters).map((r) => r[key]));
const one = medianOf(1, 'cpu_seconds_per_100k_spans');
const two = medianOf(2, 'cpu_seconds_per_100k_spans');
report('otlp-fanout', {
  target_spans_per_second: RATE,
  spans_per_request: SPANS_PER_REQUEST,
  seconds: SECONDS,
  one_exporter_cpu_seconds_per_100k_spans: one,
  two_exporters_cpu_seconds_per_100k_spans: two,
  two_over_one_cpu: Math.round((two / one) * 100) / 100,
  cpu_seconds: medianOf(2, 'cpu_seconds'),
  peak_rss_mib: Math.max(...runs.map((r) => r.peak_rss_mib)),
  runs,
  targets: { two_over_one_cpu: 1.2 },
});
