// An instrumented app, for bench/otlp-sdk-relay.ts: the OpenTelemetry JS SDK with its defaults
// (BatchSpanProcessor: 2048 queued spans, exports of 512, OTLP exporter's concurrency limit)
// ending `rate` spans per second for `warmup + seconds`, exporting over OTLP/gRPC, HTTP/protobuf
// or HTTP/JSON. Run in its own process:
//   node --import tsx bench/lib/sdk-load.ts <json options>
// Prints `{"phase":"measure"}` when the warm-up ends, `{"phase":"end"}` when span creation
// stops, then, after the SDK has flushed and shut down, one JSON line of figures. Every
// export() call is timed from the call to its callback: the client's export latency.
import { performance } from 'node:perf_hooks';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { ExportResult } from '@opentelemetry/core';

export interface SdkLoadOptions {
  protocol: 'grpc' | 'http/protobuf' | 'http/json';
  /** host:port of the collector's gRPC or HTTP listener */
  endpoint: string;
  rate: number;
  warmupSeconds: number;
  seconds: number;
}

export interface SdkLoadResult {
  created_spans: number;
  /** spans in export() calls that succeeded / failed; the rest the SDK dropped before export */
  exported_spans: number;
  failed_spans: number;
  export_calls: number;
  failed_calls: number;
  errors: Record<string, number>;
  /** export() latency over the measured window, ms */
  export_latency_ms: { p50: number; p99: number; max: number };
  /** seconds of the measured window */
  elapsed_seconds: number;
  /** this process's CPU over the measured window: a starved SDK drops spans itself */
  sdk_cpu_percent_of_one_core: number;
}

const opts = JSON.parse(process.argv[2]) as SdkLoadOptions;

function makeExporter(): SpanExporter {
  switch (opts.protocol) {
    case 'grpc':
      return new GrpcExporter({ url: `http://${opts.endpoint}` });
    case 'http/protobuf':
      return new ProtoExporter({ url: `http://${opts.endpoint}/v1/traces` });
    case 'http/json':
      return new JsonExporter({ url: `http://${opts.endpoint}/v1/traces` });
  }
}

/** Times every export() call and counts its outcome. */
class TimedExporter implements SpanExporter {
  readonly latencies: Array<[start: number, ms: number]> = [];
  readonly stats = {
    exported_spans: 0,
    failed_spans: 0,
    export_calls: 0,
    failed_calls: 0,
    errors: {} as Record<string, number>,
  };
  private readonly inner: SpanExporter;
  constructor(inner: SpanExporter) {
    this.inner = inner;
  }
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    const start = performance.now();
    this.stats.export_calls++;
    this.inner.export(spans, (result) => {
      this.latencies.push([start, performance.now() - start]);
      if (result.code === 0) this.stats.exported_spans += spans.length;
      else {
        this.stats.failed_spans += spans.length;
        this.stats.failed_calls++;
        const key = result.error?.message.slice(0, 80) ?? 'unknown';
        this.stats.errors[key] = (this.stats.errors[key] ?? 0) + 1;
      }
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

const exporter = new TimedExporter(makeExporter());
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'sdk-load', 'host.name': 'bench' }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
});
const tracer = provider.getTracer('sdk-load', '1.0.0');

let created = 0;
const t0 = performance.now();
const measureFrom = t0 + opts.warmupSeconds * 1000;
const stopAt = measureFrom + opts.seconds * 1000;
let measuring = false;
let cpuAtMeasure = process.cpuUsage();

// open loop: each tick creates what the rate owes since the start
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now();
    if (!measuring && now >= measureFrom) {
      measuring = true;
      cpuAtMeasure = process.cpuUsage();
      process.stdout.write('{"phase":"measure"}\n');
    }
    const owed = Math.floor(((Math.min(now, stopAt) - t0) / 1000) * opts.rate);
    for (; created < owed; created++) {
      const span = tracer.startSpan(`GET /api/v1/items/${created % 10}`, {
        kind: 1,
        attributes: {
          'http.request.method': 'GET',
          'http.response.status_code': 200,
          'server.address': '10.0.0.1',
          seq: created,
        },
      });
      span.end();
    }
    if (now >= stopAt) resolve();
    else setTimeout(tick, 5);
  };
  tick();
});
process.stdout.write('{"phase":"end"}\n');
const elapsed = (performance.now() - measureFrom) / 1000;
const cpu = process.cpuUsage(cpuAtMeasure);
await provider.forceFlush();
await provider.shutdown();

const window = exporter.latencies
  .filter(([start]) => start >= measureFrom && start < stopAt)
  .map(([, ms]) => ms)
  .sort((a, b) => a - b);
const pct = (p: number) =>
  window.length ? Math.round(window[Math.min(window.length - 1, Math.floor(p * window.length))] * 10) / 10 : 0;
const result: SdkLoadResult = {
  created_spans: created,
  ...exporter.stats,
  export_latency_ms: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
  elapsed_seconds: Math.round(elapsed * 100) / 100,
  sdk_cpu_percent_of_one_core: Math.round(((cpu.user + cpu.system) / 1e4 / elapsed) * 10) / 10,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
