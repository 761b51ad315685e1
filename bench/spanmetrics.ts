// The spanmetrics connector aggregating decoded spans: spans per CPU second and peak RSS, with
// 5 configured dimensions and 1,000 series (10 services x 100 span name / attribute sets), a
// flush (the metrics built) once per 100 batches of 1,000 spans. Target (issue 18): 500k spans
// per CPU second.
//   node --import tsx bench/spanmetrics.ts
import { loadavg } from 'node:os';
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { factory } from '@flowtel/connector-spanmetrics';
import type { Batch, Consumer } from '@flowtel/core';
import {
  SpanKind,
  attr,
  newResource,
  newScope,
  newSpan,
  type Metrics,
  type ResourceSpans,
  type Traces,
} from '@flowtel/pdata';
import { report, selfUsage } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const settings = {
  id: 'spanmetrics',
  kind: 'connector' as const,
  logger: pino({ level: 'silent' }),
  meter: metrics.getMeter('bench'),
  metricsLevel: 'none' as const,
  configDir: process.cwd(),
};
const config = factory.configSchema.parse({
  dimensions: [
    { name: 'http.request.method' },
    { name: 'http.route' },
    { name: 'http.response.status_code' },
    { name: 'server.address' },
    { name: 'deployment.environment', default: 'prod' },
  ],
  metrics_flush_interval: '0s',
});
let flushed = 0;
const sink: Consumer = { consume: async () => void flushed++ };
const connector = factory.createConnector(settings, config, { metrics: sink }) as ReturnType<
  typeof factory.createConnector
> & { flush(): void; build(nowMs: number): Metrics };

/** A batch of 1,000 spans: 10 resources (services) of 100 spans, each a distinct series. */
function batch(seed: number): Traces {
  const resourceSpans: ResourceSpans[] = [];
  for (let s = 0; s < 10; s++) {
    const spans = [];
    for (let i = 0; i < 100; i++) {
      const n = (i + seed) % 100;
      spans.push(
        newSpan({
          traceId: new Uint8Array(16).fill(n + 1),
          spanId: new Uint8Array(8).fill(i + 1),
          name: `GET /api/${n}`,
          kind: SpanKind.SERVER,
          startTimeUnixNano: 1_700_000_000_000_000_000n,
          endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt((n + 1) * 1_300_000),
          attributes: [
            attr('http.request.method', n % 2 ? 'GET' : 'POST'),
            attr('http.route', `/api/${n}`),
            attr('http.response.status_code', 200 + (n % 5)),
            attr('server.address', 'shop.internal'),
            attr('url.path', `/api/${n % 20}/${seed}`),
            attr('user_agent.original', 'bench/1.0'),
            attr('network.peer.address', '10.0.0.7'),
            attr('network.peer.port', 40_000 + i),
          ],
        }),
      );
    }
    resourceSpans.push({
      resource: newResource([
        attr('service.name', `svc-${s}`),
        attr('host.name', 'bench'),
        attr('process.pid', 100 + s),
      ]),
      schemaUrl: '',
      scopeSpans: [{ scope: newScope('bench'), schemaUrl: '', spans }],
    });
  }
  return { resourceSpans };
}

const batches = Array.from({ length: 10 }, (_, i) => batch(i * 7));
const input = (data: Traces) => ({ signal: 'traces', items: 1000, data }) as unknown as Batch;
// warm up: every series exists before the measurement
for (const b of batches) await connector.consume(input(b));
const before = selfUsage();
const start = Date.now();
let spans = 0;
let rounds = 0;
while (Date.now() - start < SECONDS * 1000) {
  for (const b of batches) await connector.consume(input(b));
  spans += batches.length * 1000;
  if (++rounds % 10 === 0) connector.flush();
}
const after = selfUsage();
const cpu = after.cpu_seconds - before.cpu_seconds;
const series = connector
  .build(Date.now())
  .resourceMetrics.reduce((n, rm) => n + rm.scopeMetrics[0].metrics[0].sum!.dataPoints.length, 0);
report('spanmetrics', {
  spans_per_cpu_second: Math.round(spans / cpu),
  spans,
  cpu_seconds: Math.round(cpu * 100) / 100,
  peak_rss_mib: Math.round(after.peak_rss_mib * 10) / 10,
  load_average_1m: loadavg()[0],
  flushes: flushed,
  series,
  dimensions: config.dimensions.length,
  target_spans_per_cpu_second: 500_000,
});
