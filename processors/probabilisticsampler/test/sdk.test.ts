// The OpenTelemetry JS SDK as the client, its trace ids chosen: spans over OTLP/gRPC through
// `otlp -> probabilistic_sampler -> file` in a flowtel child process. Two of contrib's
// TestHashingFunction cases share hash_seed 561: at 50% trace 0a0af00f... is kept and
// 2a8aa76c... dropped; the kept span leaves with `ot=rv:<14 hex>;th:8`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CONDITION_TIMEOUT_MS, freePort, runCollector, spansInFile, waitFor } from '@flowtel/testkit';

const KEPT = '0a0af00f63e098a39883705a423b0aa8';
const DROPPED = '2a8aa76c18d08e1e8be935541f9318c7';
const LAST = 'ffffffffffffffffffffffffffffffff';

test(
  'JS SDK spans through otlp -> probabilistic_sampler (hash_seed 561, 50%) -> file',
  { timeout: 300_000 },
  async (t) => {
    const grpc = await freePort();
    const out = join(mkdtempSync(join(tmpdir(), 'flowtel-sampler-')), 'spans.jsonl');
    await runCollector(
      t,
      `
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  probabilistic_sampler:
    sampling_percentage: 50
    hash_seed: 561
exporters:
  file: {path: ${out}}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [probabilistic_sampler], exporters: [file]}
`,
      grpc,
    );

    const ids = [KEPT, DROPPED];
    const provider = new BasicTracerProvider({
      idGenerator: {
        generateTraceId: () => ids.shift() ?? LAST,
        generateSpanId: () => '00000000fefefefe',
      },
      spanProcessors: [
        new SimpleSpanProcessor(
          new OTLPTraceExporter({ url: `http://127.0.0.1:${grpc}`, timeoutMillis: CONDITION_TIMEOUT_MS }),
        ),
      ],
    });
    const tracer = provider.getTracer('test');
    tracer.startSpan('kept').end();
    tracer.startSpan('dropped').end();
    // sampling.priority above 0 keeps a span whatever its hash
    tracer.startSpan('last', { attributes: { 'sampling.priority': 1 } }).end();
    // every export answered: the pipeline took (or the sampler dropped) each span
    await provider.forceFlush();
    await provider.shutdown();

    await waitFor(
      'the kept and last spans in the file',
      async () => ['kept', 'last'].every((n) => spansInFile(out).some((s) => s.name === n)),
      CONDITION_TIMEOUT_MS,
    );
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    const spans = lines.flatMap((l) =>
      JSON.parse(l).resourceSpans.flatMap(
        (rs: { scopeSpans: { spans: { name: string; traceState?: string; traceId: string }[] }[] }) =>
          rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    );
    const kept = spans.find((s) => s.name === 'kept')!;
    assert.equal(kept.traceId, KEPT);
    assert.match(kept.traceState ?? '', /^ot=rv:[0-9a-f]{14};th:8$/);
    assert.ok(!spans.some((s) => s.name === 'dropped'));
  },
);
