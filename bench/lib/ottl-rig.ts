// What the OTTL benchmarks share: 100-span OTLP export requests as an SDK sends them, and a
// loop that takes each request as the OTLP receiver does (decoded to check it, kept as bytes),
// runs it through a processor's operator, and encodes what comes out. The figure is spans per
// CPU second of this process, decode and encode included.
import { Subject, map } from 'rxjs';
import { pino } from 'pino';
import { createNoopMeter } from '@opentelemetry/api';
import { Ack, type Batch, type Processor, type ProcessorFactory } from '@flowtel/core';
import { type KeyValue, type Traces, decodeTracesPassThrough, encodeTraces } from '@flowtel/pdata';
import { selfUsage } from './report.ts';

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const int = (key: string, value: bigint): KeyValue => ({ key, value: { intValue: value } });
const id = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);
const T0 = 1_732_000_000_000_000_000n;
export const SPANS_PER_REQUEST = 100;

/**
 * One request of 100 HTTP server and client spans with ~11 attributes; every 10th span is an
 * error, `healthChecks` spans are GET /healthz (what a filter drops).
 */
export function request(seed: number, healthChecks: number): Uint8Array {
  const traces: Traces = {
    resourceSpans: [
      {
        resource: {
          attributes: [
            str('service.name', 'checkout'),
            str('service.version', '2.4.1'),
            str('host.name', 'ip-10-0-12-34.ec2.internal'),
            str('k8s.pod.name', 'checkout-7d9f8b6c4-x2x9z'),
            str('k8s.namespace.name', 'shop'),
          ],
          droppedAttributesCount: 0,
          entityRefs: [],
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: {
              name: '@opentelemetry/instrumentation-http',
              version: '0.57.0',
              attributes: [],
              droppedAttributesCount: 0,
            },
            schemaUrl: '',
            spans: Array.from({ length: SPANS_PER_REQUEST }, (_, i) => {
              const health = i < healthChecks;
              const n = seed * SPANS_PER_REQUEST + i;
              return {
                traceId: id(16, n >> 3),
                spanId: id(8, n + 1000),
                traceState: '',
                parentSpanId: i % 8 === 0 ? new Uint8Array(0) : id(8, n + 999),
                flags: 0x101,
                name: health ? 'GET /healthz' : i % 2 ? 'GET /api/orders/{id}' : 'POST /api/cart',
                kind: i % 2 ? 2 : 3,
                startTimeUnixNano: T0 + BigInt(n) * 1_000_123n,
                endTimeUnixNano: T0 + BigInt(n) * 1_000_123n + 4_567_890n,
                attributes: [
                  str('http.request.method', i % 2 ? 'GET' : 'POST'),
                  str('url.full', `https://checkout.shop.svc:8080/api/orders/${100000 + n}?token=ab${n}cd&page=2`),
                  str('url.path', health ? '/healthz' : `/api/orders/${100000 + n}`),
                  str('http.route', health ? '/healthz' : '/api/orders/{id}'),
                  int('http.response.status_code', i % 10 === 0 ? 500n : 200n),
                  str('server.address', 'checkout.shop.svc.cluster.local'),
                  int('server.port', 8080n),
                  str('network.protocol.version', '1.1'),
                  str(
                    'user_agent.original',
                    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
                  ),
                  str('client.address', '10.0.3.17'),
                  int('http.request.body.size', BigInt(512 + i)),
                ],
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: i % 10 === 0 ? { code: 2, message: 'internal error' } : { code: 0, message: '' },
              };
            }),
          },
        ],
      },
    ],
  };
  return encodeTraces(traces);
}

/** What the processor adds to the codec, per span. */
export const nanosPerSpan = (withProcessor: Figures, codec: Figures): number =>
  Math.round((1 / withProcessor.spans_per_cpu_second - 1 / codec.spans_per_cpu_second) * 1e9);

export interface Figures {
  spans_per_cpu_second: number;
  spans_out: number;
  cpu_seconds: number;
  peak_rss_mib: number;
}

/**
 * Runs requests through the processor for `seconds` of this process's CPU time. Without a
 * factory: the codec alone (taken as the receiver takes it, read, encoded), the floor the
 * processor's figure is compared with.
 */
export function measure(
  factory: ProcessorFactory | undefined,
  config: unknown,
  requests: Uint8Array[],
  seconds: number,
): Figures {
  return measureProcessor(factory && benchProcessor(factory, config), requests, seconds);
}

/** A traces processor from its factory and config, silent, as the benchmarks build one. */
export function benchProcessor(factory: ProcessorFactory, config: unknown): Processor {
  return factory.createProcessor(
    {
      id: factory.type,
      kind: 'processor',
      logger: pino({ level: 'silent' }),
      meter: createNoopMeter(),
      metricsLevel: 'basic',
      configDir: process.cwd(),
    },
    factory.configSchema.parse(config),
    'traces',
    'traces',
  );
}

/** As `measure`, with a processor built (and started) by the caller. */
export function measureProcessor(processor: Processor | undefined, requests: Uint8Array[], seconds: number): Figures {
  const input = new Subject<Batch>();
  let spansOut = 0;
  let bytesOut = 0;
  const read = (b: Batch) => (void (b.data as Traces).resourceSpans, b);
  input.pipe(processor ? processor.operator() : map(read)).subscribe((b) => {
    const out = encodeTraces(b.data as Traces);
    bytesOut += out.length;
    spansOut += b.items;
    b.ack.resolve();
  });
  const feed = (n: number) => {
    for (let i = 0; i < n; i++) {
      const bytes = requests[i % requests.length];
      const data = decodeTracesPassThrough(bytes);
      input.next({ signal: 'traces', data, items: SPANS_PER_REQUEST, ack: Ack.none() } as Batch);
    }
  };
  feed(200); // warm-up: the JIT settles
  spansOut = 0;
  const start = selfUsage().cpu_seconds;
  let spansIn = 0;
  while (selfUsage().cpu_seconds - start < seconds) {
    feed(50);
    spansIn += 50 * SPANS_PER_REQUEST;
  }
  const cpu = selfUsage().cpu_seconds - start;
  if (bytesOut === 0) throw new Error('nothing came out');
  return {
    spans_per_cpu_second: Math.round(spansIn / cpu),
    spans_out: spansOut,
    cpu_seconds: Math.round(cpu * 100) / 100,
    peak_rss_mib: Math.round(selfUsage().peak_rss_mib * 10) / 10,
  };
}
