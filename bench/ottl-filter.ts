// The filter processor with three conditions over 100-span OTLP requests: spans per CPU
// second, decode and encode included, and peak RSS. Two cases: every request loses its two
// health-check spans (re-encoded), and no request matches (kept whole: its bytes go on).
// The codec alone (decode as the receiver does, read, encode) is measured too: the floor.
// Target (issue 16): 1M spans per CPU second.
//   node --import tsx bench/ottl-filter.ts
import { loadavg } from 'node:os';
import { factory } from '@flowtel/processor-filter';
import { measure, nanosPerSpan, request } from './lib/ottl-rig.ts';
import { report } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const conditions = [
  'span.attributes["http.route"] == "/healthz"',
  'span.kind == SPAN_KIND_INTERNAL and span.name == "noop"',
  'IsMatch(span.attributes["url.path"], "^/metrics")',
];
const config = { trace_conditions: conditions };
const withHealthChecks = Array.from({ length: 20 }, (_, i) => request(i, 2));
const codec = measure(undefined, undefined, withHealthChecks, SECONDS);
const dropping = measure(factory, config, withHealthChecks, SECONDS);
const keeping = measure(
  factory,
  config,
  Array.from({ length: 20 }, (_, i) => request(i, 0)),
  SECONDS,
);
report('ottl-filter', {
  spans_per_cpu_second: dropping.spans_per_cpu_second,
  kept_whole_spans_per_cpu_second: keeping.spans_per_cpu_second,
  codec_only_spans_per_cpu_second: codec.spans_per_cpu_second,
  filter_ns_per_span: nanosPerSpan(dropping, codec),
  dropping,
  kept_whole: keeping,
  conditions,
  target_spans_per_cpu_second: 1_000_000,
  load_average_1m: loadavg()[0],
});
