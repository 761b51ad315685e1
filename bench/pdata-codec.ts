// Benchmark (c) of issue 3: decode and encode throughput of our OTLP protobuf codec against
// protobufjs (reflection over the same .proto definitions) on the same payloads. 64-bit values
// stay exact on both sides: bigint for us, Long for protobufjs.
//   node --import tsx bench/pdata-codec.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import type protobuf from 'protobufjs';
import { decodeMetrics, decodeTraces, encodeMetrics, encodeTraces, type KeyValue, type Metrics, type Traces } from '@flowtel/pdata';
import { loadOtlpTypes } from '../packages/pdata/test/support/otlp-proto.ts';

const SECONDS_PER_RUN = Number(process.env.BENCH_SECONDS ?? 1.5);
const RUNS = 3;

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const int = (key: string, value: bigint): KeyValue => ({ key, value: { intValue: value } });
const id = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);
const T0 = 1_732_000_000_000_000_000n;

function resource(): Traces['resourceSpans'][number]['resource'] {
  return {
    attributes: [
      str('service.name', 'checkout'),
      str('service.version', '2.4.1'),
      str('host.name', 'ip-10-0-12-34.ec2.internal'),
      str('k8s.pod.name', 'checkout-7d9f8b6c4-x2x9z'),
      str('k8s.namespace.name', 'shop'),
      str('telemetry.sdk.language', 'nodejs'),
    ],
    droppedAttributesCount: 0,
    entityRefs: [],
  };
}

/** One export request as the SDK batches it: 100 spans of ~10 attributes, some with events. */
function tracesPayload(spans: number): Traces {
  return {
    resourceSpans: [
      {
        resource: resource(),
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: id(16, i >> 3),
              spanId: id(8, i + 1000),
              traceState: '',
              parentSpanId: i % 8 === 0 ? new Uint8Array(0) : id(8, i + 999),
              flags: 0x101,
              name: i % 2 ? 'GET /api/orders/{id}' : 'SELECT shop.orders',
              kind: i % 2 ? 2 : 3,
              startTimeUnixNano: T0 + BigInt(i) * 1_000_123n,
              endTimeUnixNano: T0 + BigInt(i) * 1_000_123n + 4_567_890n,
              attributes: [
                str('http.request.method', 'GET'),
                str('url.path', `/api/orders/${100000 + i}`),
                str('url.scheme', 'https'),
                int('http.response.status_code', 200n),
                str('server.address', 'checkout.shop.svc.cluster.local'),
                int('server.port', 8080n),
                str('network.protocol.version', '1.1'),
                str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'),
                str('http.route', '/api/orders/{id}'),
                int('http.request.body.size', BigInt(512 + i)),
              ],
              droppedAttributesCount: 0,
              events: i % 10 === 0 ? [{ timeUnixNano: T0 + BigInt(i), name: 'exception', attributes: [str('exception.type', 'TimeoutError'), str('exception.message', 'upstream timed out after 3000 ms')], droppedAttributesCount: 0 }] : [],
              droppedEventsCount: 0,
              links: [],
              droppedLinksCount: 0,
              status: i % 10 === 0 ? { code: 2, message: 'timeout' } : { code: 0, message: '' },
            })),
          },
        ],
      },
    ],
  };
}

/** A scrape's worth of metrics: counters, gauges and histograms over a few label sets. */
function metricsPayload(metrics: number, pointsPerMetric: number): Metrics {
  const point = (m: number, p: number) => ({
    attributes: [str('http.route', `/api/route/${p}`), str('http.request.method', p % 2 ? 'GET' : 'POST'), int('http.response.status_code', 200n + BigInt(p % 3))],
    startTimeUnixNano: T0,
    timeUnixNano: T0 + 60_000_000_000n,
    exemplars: [],
    flags: 0,
  });
  return {
    resourceMetrics: [
      {
        resource: resource(),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 'flowtel-bench', version: '1', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: Array.from({ length: metrics }, (_, m) => {
              const base = { name: `bench.metric.${m}`, description: 'a benchmark metric', unit: m % 3 === 2 ? 'ms' : '1', metadata: [] };
              const points = Array.from({ length: pointsPerMetric }, (_, p) => point(m, p));
              if (m % 3 === 0) return { ...base, sum: { dataPoints: points.map((p, i) => ({ ...p, asInt: BigInt(m * 1000 + i) })), aggregationTemporality: 2, isMonotonic: true } };
              if (m % 3 === 1) return { ...base, gauge: { dataPoints: points.map((p, i) => ({ ...p, asDouble: m + i / 7 })) } };
              return {
                ...base,
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: points.map((p, i) => ({
                    ...p,
                    count: 1000n + BigInt(i),
                    sum: 12345.678 + i,
                    bucketCounts: [5n, 20n, 100n, 400n, 300n, 100n, 50n, 20n, 4n, 1n, 0n],
                    explicitBounds: [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000],
                    min: 0.5,
                    max: 1700.25,
                  })),
                },
              };
            }),
          },
        ],
      },
    ],
  };
}

/** Best throughput of RUNS timed runs, in MB/s of protobuf bytes. */
function measure(bytesPerOp: number, op: () => unknown): number {
  const warmupEnd = performance.now() + 300;
  while (performance.now() < warmupEnd) op();
  let best = 0;
  for (let run = 0; run < RUNS; run++) {
    let ops = 0;
    const start = performance.now();
    const end = start + SECONDS_PER_RUN * 1000;
    let now = start;
    while (now < end) {
      for (let i = 0; i < 10; i++) op();
      ops += 10;
      now = performance.now();
    }
    best = Math.max(best, (ops * bytesPerOp) / ((now - start) / 1000) / 1e6);
  }
  return Math.round(best * 10) / 10;
}

function compare<T>(name: string, model: T, encode: (m: T) => Uint8Array, decode: (b: Uint8Array) => T, type: protobuf.Type) {
  const bytes = Buffer.from(encode(model));
  const pbMessage = type.decode(bytes);
  if (Buffer.compare(Buffer.from(type.encode(pbMessage).finish()), bytes) !== 0) throw new Error(`${name}: protobufjs re-encodes the payload differently`);
  const decoded = decode(bytes);
  const ours = { decode_mb_s: measure(bytes.length, () => decode(bytes)), encode_mb_s: measure(bytes.length, () => encode(decoded)) };
  const protobufjs = {
    decode_mb_s: measure(bytes.length, () => type.decode(bytes)),
    encode_mb_s: measure(bytes.length, () => type.encode(pbMessage).finish()),
  };
  return {
    payload_bytes: bytes.length,
    ours,
    protobufjs,
    decode_speedup: Math.round((ours.decode_mb_s / protobufjs.decode_mb_s) * 100) / 100,
    encode_speedup: Math.round((ours.encode_mb_s / protobufjs.encode_mb_s) * 100) / 100,
  };
}

/** Both codecs must keep 2^64-1 nanoseconds exact, or the comparison means nothing. */
function checkExact64(type: protobuf.Type): boolean {
  const traces = tracesPayload(1);
  traces.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano = 2n ** 64n - 1n;
  const bytes = encodeTraces(traces);
  const ours = decodeTraces(bytes).resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano;
  const pb = type.toObject(type.decode(bytes), { longs: String }) as { resourceSpans: { scopeSpans: { spans: { endTimeUnixNano: string }[] }[] }[] };
  return ours === 2n ** 64n - 1n && pb.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano === String(2n ** 64n - 1n);
}

const cpuStart = process.cpuUsage();
const types = loadOtlpTypes();
const exact64 = checkExact64(types.traceRequest);
const traces = compare('traces', tracesPayload(100), encodeTraces, decodeTraces, types.traceRequest);
const metrics = compare('metrics', metricsPayload(60, 5), encodeMetrics, decodeMetrics, types.metricsRequest);
const cpu = process.cpuUsage(cpuStart);
const result = {
  name: 'pdata-codec',
  description: 'OTLP protobuf decode/encode MB/s, our codec vs protobufjs reflection, same payloads',
  traces_request: { spans: 100, attributes_per_span: 10, ...traces },
  metrics_request: { metrics: 60, points_per_metric: 5, ...metrics },
  exact_64bit: exact64,
  target_decode_speedup: 1.5,
  target_met: exact64 && traces.decode_speedup >= 1.5 && metrics.decode_speedup >= 1.5,
  node: process.version,
  cpu_seconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
  peak_rss_mib: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
};
const json = JSON.stringify(result, null, 2);
mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench-results/pdata-codec.json', import.meta.url), `${json}\n`);
console.log(json);
