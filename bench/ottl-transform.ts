// The transform processor with five typical statements (set from a Concat, replace_pattern on
// a URL, delete_key, a where-clause on status, truncate_all) over 100-span OTLP requests:
// spans per CPU second, decode and encode included, and peak RSS; and the codec alone (decode
// as the receiver does, read, encode), the floor. Target (issue 16): 300k.
//   node --import tsx bench/ottl-transform.ts
import { loadavg } from 'node:os';
import { factory } from '@flowtel/processor-transform';
import { measure, nanosPerSpan, request } from './lib/ottl-rig.ts';
import { report } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const requests = Array.from({ length: 20 }, (_, i) => request(i, 0));
const statements = [
  'set(span.attributes["service.operation"], Concat([resource.attributes["service.name"], span.name], "/"))',
  'replace_pattern(span.attributes["url.full"], "token=[^&]*", "token=***")',
  'delete_key(span.attributes, "user_agent.original")',
  'set(span.attributes["error"], true) where span.status.code == STATUS_CODE_ERROR',
  'truncate_all(span.attributes, 64)',
];
const codec = measure(undefined, undefined, requests, SECONDS);
const figures = measure(factory, { trace_statements: statements }, requests, SECONDS);
report('ottl-transform', {
  ...figures,
  codec_only_spans_per_cpu_second: codec.spans_per_cpu_second,
  transform_ns_per_span: nanosPerSpan(figures, codec),
  statements,
  target_spans_per_cpu_second: 300_000,
  load_average_1m: loadavg()[0],
});
