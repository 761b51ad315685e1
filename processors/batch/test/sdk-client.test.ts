// The OpenTelemetry JS SDK as the client, with its defaults: a BatchSpanProcessor (one export
// at a time, 2048 spans queued at most, the rest dropped) and the OTLP/gRPC exporter (at most
// 30 requests in flight, more refused with "Concurrent export limit reached"), sending ~10k
// spans/s for 3 s to a flowtel running `otlp -> batch -> file`. The batch processor answers
// once it holds the data, so no export waits for the batch timeout: no export fails, and
// flowtel accepts every span the SDK sends. What the SDK drops on its own full queue depends
// on how fast each export returns, so on the machine's load as well: at 10k spans/s its queue
// absorbs ~150 ms per export. Answering after the timeout (wait_for_result: true) makes every
// export take 200 ms or more and the SDK drops most spans; answering on accept it drops none
// on an idle machine, a few hundred at a load average of 20 on 2 cores: the bound below (5%)
// tells the two apart with room on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { freePort, spansInFile, startCollector, waitFor, waitForHttp, waitForPort } from '@flowtel/testkit';

const RATE = 10_000;
const SECONDS = 3;

/** The SDK's exporter, counting what each export call reported and how long it took. */
function counted(inner: SpanExporter) {
  const stats = { sent: 0, failed: 0, errors: new Set<string>(), latenciesMs: [] as number[] };
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      const started = performance.now();
      inner.export(spans, (result) => {
        stats.latenciesMs.push(performance.now() - started);
        if (result.code === 0) stats.sent += spans.length;
        else ((stats.failed += spans.length), stats.errors.add(String(result.error?.message)));
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
  return { exporter, stats };
}

test(
  'the JS SDK with its defaults at 10k spans/s through otlp -> batch: no export waits or fails, every span sent is accepted',
  { timeout: 120_000 },
  async (t) => {
    const grpc = await freePort();
    const metrics = await freePort();
    const out = join(mkdtempSync(join(tmpdir(), 'flowtel-sdk-')), 'spans.jsonl');
    const collector = startCollector(`
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}
processors:
  batch: {}
exporters:
  file: {path: ${out}}
service:
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metrics}}}}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [file]}
`);
    t.after(() => collector.stop());
    await waitForPort(grpc);

    const warnings: string[] = [];
    diag.setLogger(
      {
        error: (m) => warnings.push(m),
        warn: (m) => warnings.push(m),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.WARN,
    );
    t.after(() => diag.disable());
    const { exporter, stats } = counted(new OTLPTraceExporter({ url: `http://127.0.0.1:${grpc}` }));
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    const tracer = provider.getTracer('load');
    // the app's first span opens the gRPC channel, as any app's does before its load
    tracer.startSpan('warm-up').end();
    await provider.forceFlush();
    assert.equal(stats.sent, 1, [...stats.errors].join('; '));
    stats.latenciesMs.length = 0;

    // an app ending spans at RATE per second in 10 ms steps; a step the event loop delayed
    // catches up by at most one more step, so a starved test process slows down rather than
    // ending thousands of spans at once (a burst no SDK queue of 2048 takes, whoever answers)
    const total = RATE * SECONDS;
    const step = RATE / 100;
    let ended = 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE), ended + 2 * step);
        for (; ended < due; ended++) tracer.startSpan(`op ${ended}`).end();
        if (ended === total) (clearInterval(tick), resolve());
      }, 10);
    });
    const seconds = (performance.now() - started) / 1000;
    await provider.forceFlush();
    await provider.shutdown();

    const sorted = [...stats.latenciesMs].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
    t.diagnostic(
      `${total} spans in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s); ${sorted.length} exports, ` +
        `client export latency p50 ${sorted[sorted.length >> 1].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    assert.deepEqual([...stats.errors], [], 'no export failed or was refused');
    const dropped = total + 1 - stats.sent;
    t.diagnostic(
      `the SDK dropped ${dropped} spans on its full queue${warnings.length ? `: ${warnings.join('; ')}` : ''}`,
    );
    assert.ok(
      dropped <= total * 0.05,
      `the SDK dropped ${dropped} of ${total} spans: its exports waited (${warnings.join('; ')})`,
    );

    const accepted = async () => {
      const text = await (await waitForHttp(`http://127.0.0.1:${metrics}/metrics`, 200)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('otelcol_exporter_sent_spans_total') && l.includes('exporter="file"'));
      return line && Number(line.split(' ').pop()) === stats.sent;
    };
    await waitFor(
      `flowtel's file exporter to have sent the ${stats.sent} spans the SDK exported`,
      accepted,
      90_000,
      250,
    );
    // the file exporter writes through a buffer flushed on an interval: the file is whole once it has shut down
    assert.equal(await collector.stop(), 0);
    assert.equal(spansInFile(out).length, stats.sent, 'and they are all in the file');
  },
);
