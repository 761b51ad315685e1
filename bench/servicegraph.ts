// The servicegraph connector pairing decoded spans: spans per CPU second and peak RSS. Each
// batch of 1,000 spans holds 500 client spans of one service and the 500 server spans of the
// next one's earlier calls, so every client waits in the store for one batch and then pairs
// (20 services, 20 edges, store max_items 10,000); the store is expired and the metrics built
// once per 100 batches. Target (issue 18): 300k spans per CPU second.
//   node --import tsx bench/servicegraph.ts
import { loadavg } from 'node:os';
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { factory } from '@flowtel/connector-servicegraph';
import type { Batch, Consumer } from '@flowtel/core';
import {
  SpanKind,
  attr,
  newResource,
  newScope,
  newSpan,
  type ResourceSpans,
  type Span,
  type Traces,
} from '@flowtel/pdata';
import { report, selfUsage } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PAIRS = 500;
const BATCHES = 200;
const settings = {
  id: 'servicegraph',
  kind: 'connector' as const,
  logger: pino({ level: 'silent' }),
  meter: metrics.getMeter('bench'),
  metricsLevel: 'none' as const,
  configDir: process.cwd(),
};
const config = factory.configSchema.parse({ store: { max_items: 10_000 }, metrics_flush_interval: '1h' });
let flushed = 0;
const sink: Consumer = { consume: async () => void flushed++ };
type Graph = ReturnType<typeof factory.createConnector> & {
  flush(): void;
  expire(now: number): void;
  pending: number;
};
const connector = factory.createConnector(settings, config, { metrics: sink }) as Graph;

const T0 = 1_700_000_000_000_000_000n;
const ids = (b: number, i: number) => {
  const trace = new Uint8Array(16);
  new DataView(trace.buffer).setUint32(0, b * PAIRS + i + 1);
  const client = new Uint8Array(8);
  new DataView(client.buffer).setUint32(0, b * PAIRS + i + 1);
  const server = new Uint8Array(8);
  new DataView(server.buffer).setUint32(4, b * PAIRS + i + 1);
  return { trace, client, server };
};
const resource = (service: string, spans: Span[]): ResourceSpans => ({
  resource: newResource([attr('service.name', service), attr('host.name', 'bench')]),
  schemaUrl: '',
  scopeSpans: [{ scope: newScope('bench'), schemaUrl: '', spans }],
});
const span = (kind: number, traceId: Uint8Array, spanId: Uint8Array, parentSpanId: Uint8Array, ms: number) =>
  newSpan({
    traceId,
    spanId,
    parentSpanId,
    kind,
    name: 'GET /api',
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + BigInt(ms * 1_000_000),
    attributes: [
      attr('http.request.method', 'GET'),
      attr('server.address', 'svc'),
      attr('http.response.status_code', 200),
    ],
  });

/** Batch b: clients of b, servers answering batch b-1's clients. */
function batch(b: number): Traces {
  const svc = b % 20;
  const clients: Span[] = [];
  const servers: Span[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const mine = ids(b, i);
    clients.push(span(SpanKind.CLIENT, mine.trace, mine.client, new Uint8Array(0), 12 + (i % 50)));
    const prev = ids((b + BATCHES - 1) % BATCHES, i);
    servers.push(span(SpanKind.SERVER, prev.trace, prev.server, prev.client, 10 + (i % 50)));
  }
  return { resourceSpans: [resource(`svc-${svc}`, clients), resource(`svc-${(svc + 19) % 20}-callee`, servers)] };
}

const batches = Array.from({ length: BATCHES }, (_, b) => batch(b));
const input = (data: Traces) => ({ signal: 'traces', items: 2 * PAIRS, data }) as unknown as Batch;
for (const b of batches) await connector.consume(input(b));
const before = selfUsage();
const start = Date.now();
let spans = 0;
let maxPending = 0;
while (Date.now() - start < SECONDS * 1000) {
  for (let i = 0; i < batches.length; i++) {
    await connector.consume(input(batches[i]));
    if (connector.pending > maxPending) maxPending = connector.pending;
    if (i % 100 === 99) {
      connector.expire(Date.now());
      connector.flush();
    }
  }
  spans += batches.length * 2 * PAIRS;
}
const after = selfUsage();
const cpu = after.cpu_seconds - before.cpu_seconds;
report('servicegraph', {
  spans_per_cpu_second: Math.round(spans / cpu),
  spans,
  cpu_seconds: Math.round(cpu * 100) / 100,
  peak_rss_mib: Math.round(after.peak_rss_mib * 10) / 10,
  load_average_1m: loadavg()[0],
  max_pending_halves: maxPending,
  flushes: flushed,
  target_spans_per_cpu_second: 300_000,
});
