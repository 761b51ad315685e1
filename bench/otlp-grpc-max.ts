// Benchmark (b): the most spans/s flowtel sustains on one core with nothing lost, OTLP/gRPC →
// batch → OTLP/gRPC. flowtel is pinned to CPU 0; the load generator (closed loop: a fixed
// number of calls in flight, refused calls retried) and the counting sink share CPU 1.
// "Nothing lost": every span flowtel accepted reaches the sink. Target: ≥ 100,000 spans/s.
import { execFileSync } from 'node:child_process';
import { processUsage, report } from './lib/report.ts';
import { drain, loadFigures, runLoad, startFlowtel, startSink } from './lib/otlp-rig.ts';

const SPANS_PER_REQUEST = Number(process.env.BENCH_SPANS_PER_REQUEST ?? 100);
// more than send_batch_size (8192) spans in flight, so batches leave by size rather than by timeout
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 128);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
const sink = await startSink();
const flowtel = await startFlowtel(sink.port, { cpus: '0' });
try {
  const target = `127.0.0.1:${flowtel.port}`;
  await runLoad({ target, spansPerRequest: SPANS_PER_REQUEST, seconds: 5, rate: 0, concurrency: CONCURRENCY }, '1');
  await drain(sink, Number.MAX_SAFE_INTEGER, 1000);
  const sinkBefore = sink.spans;
  const before = await processUsage(flowtel.pid);
  const load = await runLoad(
    { target, spansPerRequest: SPANS_PER_REQUEST, seconds: SECONDS, rate: 0, concurrency: CONCURRENCY },
    '1',
  );
  const after = await processUsage(flowtel.pid);
  const receivedInWindow = sink.spans - sinkBefore;
  await drain(sink, sinkBefore + load.accepted_spans, 5000);
  const received = sink.spans - sinkBefore;
  report('otlp-grpc-max', {
    spans_per_request: SPANS_PER_REQUEST,
    concurrency: CONCURRENCY,
    seconds: load.elapsed_seconds,
    max_spans_per_second: Math.round(load.accepted_spans / load.elapsed_seconds),
    sink_spans_per_second_during_load: Math.round(receivedInWindow / load.elapsed_seconds),
    // what one fully busy core would carry at this cost per span: the figure to read when the
    // load generator, not flowtel, was the limit (flowtel's CPU well under 100%)
    spans_per_flowtel_cpu_second: Math.round(received / (after.cpu_seconds - before.cpu_seconds)),
    ...loadFigures(load, received, before, after),
    batch_processor: true,
    target_spans_per_second: 100_000,
  });
} finally {
  await flowtel.collector.stop();
  await sink.stop();
}
