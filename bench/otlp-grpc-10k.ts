// Benchmark (a): OTLP/gRPC → batch → OTLP/gRPC at 10,000 spans/s in requests of 100 spans, the
// shape of otelcol's load tests. Figures: flowtel's CPU as % of one core and its peak RSS.
// Target: ≤ 10% of a core and ≤ 100 MiB (otelcol's own ceiling in that test: 20%, 100 MiB).
import { processUsage, report } from './lib/report.ts';
import { drain, loadFigures, runLoad, sleep, startFlowtel, startSink } from './lib/otlp-rig.ts';

const RATE = 10_000;
const SPANS_PER_REQUEST = 100;
const WARMUP_SECONDS = 5;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);

const sink = await startSink();
const flowtel = await startFlowtel(sink.port);
try {
  const target = `127.0.0.1:${flowtel.port}`;
  await runLoad({ target, spansPerRequest: SPANS_PER_REQUEST, seconds: WARMUP_SECONDS, rate: RATE, concurrency: 100 });
  await sleep(1000);
  const spansBefore = sink.spans;
  const before = await processUsage(flowtel.pid);
  const load = await runLoad({
    target,
    spansPerRequest: SPANS_PER_REQUEST,
    seconds: SECONDS,
    rate: RATE,
    concurrency: 100,
  });
  const after = await processUsage(flowtel.pid);
  await drain(sink, spansBefore + load.accepted_spans);
  const received = sink.spans - spansBefore;
  report('otlp-grpc-10k', {
    target_spans_per_second: RATE,
    spans_per_request: SPANS_PER_REQUEST,
    seconds: SECONDS,
    sent_spans_per_second: Math.round(load.accepted_spans / load.elapsed_seconds),
    ...loadFigures(load, received, before, after),
    batch_processor: true,
    targets: { cpu_percent: 10, peak_rss_mib: 100 },
  });
} finally {
  await flowtel.collector.stop();
  await sink.stop();
}
