// The load_balancing exporter routing by trace id to 3 backends: spans per CPU second and peak
// RSS. Batches of 1,000 spans (100 traces of 10 spans, 2 resources) are cut by contrib's ring
// and each backend's share is encoded to OTLP protobuf (what its otlp_grpc exporter sends); the
// backends' exporters are sinks here, so the gRPC send itself is not in the figure. Target
// (issue 18): 200k spans per CPU second.
//   node --import tsx bench/loadbalancing.ts
import { loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { factory } from '@flowtel/exporter-loadbalancing';
import { type Batch, type ExporterFactory, SharedState } from '@flowtel/core';
import { attr, encodeTraces, newResource, newScope, newSpan, type Traces } from '@flowtel/pdata';
import { report, selfUsage } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const settings = {
  id: 'load_balancing',
  kind: 'exporter' as const,
  logger: pino({ level: 'silent' }),
  meter: metrics.getMeter('bench'),
  metricsLevel: 'none' as const,
  configDir: process.cwd(),
};
let sent = 0;
let bytes = 0;
const sinkFactory = {
  kind: 'exporter',
  type: 'otlp_grpc',
  stability: { traces: 'stable' },
  configSchema: { parse: (c: unknown) => c },
  createExporter: () => ({
    start: async () => {},
    shutdown: async () => {},
    consume: async (b: Batch) => {
      bytes += encodeTraces(b.data as Traces).length;
      sent += b.items;
    },
  }),
} as unknown as ExporterFactory;
const config = factory.configSchema.parse({
  resolver: { static: { hostnames: ['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317'] } },
});
const exporter = factory.createExporter(settings, config, ['traces']);
await exporter.start({ getExtension: () => undefined, getFactory: () => sinkFactory, shared: new SharedState() });

function batch(): Traces {
  const resourceSpans = [0, 1].map((r) => {
    const spans = [];
    for (let t = 0; t < 50; t++) {
      const traceId = randomBytes(16);
      for (let s = 0; s < 10; s++)
        spans.push(
          newSpan({
            traceId,
            spanId: randomBytes(8),
            name: 'GET /api/orders',
            kind: 2,
            startTimeUnixNano: 1_700_000_000_000_000_000n,
            endTimeUnixNano: 1_700_000_000_001_000_000n,
            attributes: [attr('http.request.method', 'GET'), attr('http.response.status_code', 200)],
          }),
        );
    }
    return {
      resource: newResource([attr('service.name', `svc-${r}`), attr('host.name', 'bench')]),
      schemaUrl: '',
      scopeSpans: [{ scope: newScope('bench'), schemaUrl: '', spans }],
    };
  });
  return { resourceSpans };
}
const batches = Array.from({ length: 50 }, batch);
const input = (data: Traces) => ({ signal: 'traces', items: 1000, data }) as unknown as Batch;
for (const b of batches) await exporter.consume(input(b));
sent = 0;
const before = selfUsage();
const start = Date.now();
let spans = 0;
while (Date.now() - start < SECONDS * 1000) {
  for (const b of batches) await exporter.consume(input(b));
  spans += batches.length * 1000;
}
const after = selfUsage();
await exporter.shutdown();
const cpu = after.cpu_seconds - before.cpu_seconds;
if (sent !== spans) throw new Error(`sent ${sent} of ${spans} spans`);
report('loadbalancing', {
  spans_per_cpu_second: Math.round(spans / cpu),
  spans,
  backends: 3,
  encoded_mib: Math.round(bytes / 1048576),
  cpu_seconds: Math.round(cpu * 100) / 100,
  peak_rss_mib: Math.round(after.peak_rss_mib * 10) / 10,
  load_average_1m: loadavg()[0],
  target_spans_per_cpu_second: 200_000,
});
