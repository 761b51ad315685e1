// Benchmark (c) of issue 3: decode and encode throughput of our OTLP protobuf codec against
// protobufjs (reflection over the same .proto definitions) on the same payloads. 64-bit values
// stay exact on both sides: bigint for us, Long for protobufjs.
//   node --import tsx bench/pdata-codec.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type protobuf from 'protobufjs';
import {
  decodeMetrics,
  decodeTraces,
  encodeMetrics,
  encodeTraces,
  type KeyValue,
  type Metrics,
  type Traces,
} from '@flowtel/pdata';
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
            scope: {
              name: '@opentelemetry/instrumentation-http',
              version: '0.57.0',
              attributes: [],
              droppedAttributesCount: 0,
            },
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
              events:
                i % 10 === 0
                  ? [
                      {
                        timeUnixNano: T0 + BigInt(i),
                        name: 'exception',
                        attributes: [
                          str('exception.type', 'TimeoutError'),
                          str('exception.message', 'upstream timed out after 3000 ms'),
                        ],
                        droppedAttributesCount: 0,
                      },
                    ]
                  : [],
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
    attributes: [
      str('http.route', `/api/route/${p}`),
      str('http.request.method', p % 2 ? 'GET' : 'POST'),
      int('http.response.status_code', 200n + BigInt(p % 3)),
    ],
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
              const base = {
                name: `bench.metric.${m}`,
                description: 'a benchmark metric',
                unit: m % 3 === 2 ? 'ms' : '1',
                metadata: [],
              };
              const points = Array.from({ length: pointsPerMetric }, (_, p) => point(m, p));
              if (m % 3 === 0)
                return {
                  ...base,
                  sum: {
                    dataPoints: points.map((p, i) => ({ ...p, asInt: BigInt(m * 1000 + i) })),
                    aggregationTemporality: 2,
                    isMonotonic: true,
                  },
                };
              if (m % 3 === 1)
                return { ...base, gauge: { dataPoints: points.map((p, i) => ({ ...p, asDouble: m + i / 7 })) } };
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

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/**
 * Best throughput of RUNS runs, in MB of protobuf bytes per CPU second of this process: CPU
 * time rather than wall time, so that other work on a shared machine does not count against
 * whichever codec happened to run beside it.
 */
function measure(bytesPerOp: number, op: () => unknown): number {
  const warmupEnd = performance.now() + 300;
  while (performance.now() < warmupEnd) op();
  let best = 0;
  for (let run = 0; run < RUNS; run++) {
    let ops = 0;
    let cpu = 0;
    const start = process.cpuUsage();
    while (cpu < SECONDS_PER_RUN) {
      for (let i = 0; i < 10; i++) op();
      ops += 10;
      cpu = cpuSeconds(start);
    }
    best = Math.max(best, (ops * bytesPerOp) / cpu / 1e6);
  }
  return Math.round(best * 10) / 10;
}

type PayloadName = 'traces' | 'metrics';
type CodecName = 'ours' | 'protobufjs';
type OpName = 'decode' | 'encode';

interface Measured {
  mb_s: number;
  cpu_seconds: number;
  peak_rss_mib: number;
}

/** One codec, one operation, one payload, in this (fresh) process: no JIT or heap state shared. */
function measureHere(payload: PayloadName, codec: CodecName, op: OpName): Measured {
  const types = loadOtlpTypes();
  const type = payload === 'traces' ? types.traceRequest : types.metricsRequest;
  const bytes = Buffer.from(
    payload === 'traces' ? encodeTraces(tracesPayload(100)) : encodeMetrics(metricsPayload(60, 5)),
  );
  const start = process.cpuUsage();
  let mbs: number;
  if (codec === 'ours') {
    const decode = payload === 'traces' ? decodeTraces : decodeMetrics;
    const encode = (payload === 'traces' ? encodeTraces : encodeMetrics) as (m: unknown) => Uint8Array;
    const model = decode(bytes);
    mbs = op === 'decode' ? measure(bytes.length, () => decode(bytes)) : measure(bytes.length, () => encode(model));
  } else {
    const message = type.decode(bytes);
    mbs =
      op === 'decode'
        ? measure(bytes.length, () => type.decode(bytes))
        : measure(bytes.length, () => type.encode(message).finish());
  }
  return { mb_s: mbs, cpu_seconds: cpuSeconds(start), peak_rss_mib: process.resourceUsage().maxRSS / 1024 };
}

function measureInChild(payload: PayloadName, codec: CodecName, op: OpName): Measured {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'measure', payload, codec, op],
    {
      encoding: 'utf8',
      env: process.env,
    },
  );
  if (child.status !== 0) throw new Error(`measuring ${codec} ${op} of ${payload} failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Measured;
}

/** Both codecs must keep 2^64-1 nanoseconds exact, or the comparison means nothing. */
function checkExact64(type: protobuf.Type): boolean {
  const traces = tracesPayload(1);
  traces.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano = 2n ** 64n - 1n;
  const bytes = encodeTraces(traces);
  const ours = decodeTraces(bytes).resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano;
  const pb = type.toObject(type.decode(bytes), { longs: String }) as {
    resourceSpans: { scopeSpans: { spans: { endTimeUnixNano: string }[] }[] }[];
  };
  return (
    ours === 2n ** 64n - 1n && pb.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano === String(2n ** 64n - 1n)
  );
}

/** protobufjs must read and re-write our payload byte for byte: the two codecs see the same data. */
function checkSamePayload(payload: PayloadName, type: protobuf.Type): number {
  const bytes = payload === 'traces' ? encodeTraces(tracesPayload(100)) : encodeMetrics(metricsPayload(60, 5));
  if (Buffer.compare(Buffer.from(type.encode(type.decode(bytes)).finish()), Buffer.from(bytes)) !== 0)
    throw new Error(`${payload}: protobufjs re-encodes the payload differently`);
  return bytes.length;
}

function comparePayload(payload: PayloadName, type: protobuf.Type) {
  const payloadBytes = checkSamePayload(payload, type);
  const runs: Record<string, Measured> = {};
  for (const codec of ['ours', 'protobufjs'] as const)
    for (const op of ['decode', 'encode'] as const) runs[`${codec}.${op}`] = measureInChild(payload, codec, op);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  return {
    payload_bytes: payloadBytes,
    ours: { decode_mb_s: runs['ours.decode'].mb_s, encode_mb_s: runs['ours.encode'].mb_s },
    protobufjs: { decode_mb_s: runs['protobufjs.decode'].mb_s, encode_mb_s: runs['protobufjs.encode'].mb_s },
    decode_speedup: ratio(runs['ours.decode'].mb_s, runs['protobufjs.decode'].mb_s),
    encode_speedup: ratio(runs['ours.encode'].mb_s, runs['protobufjs.encode'].mb_s),
    runs: Object.values(runs),
  };
}

function main(): void {
  const cpuStart = process.cpuUsage();
  const types = loadOtlpTypes();
  const exact64 = checkExact64(types.traceRequest);
  const { runs: traceRuns, ...traces } = comparePayload('traces', types.traceRequest);
  const { runs: metricRuns, ...metrics } = comparePayload('metrics', types.metricsRequest);
  const children = [...traceRuns, ...metricRuns];
  const result = {
    name: 'pdata-codec',
    description:
      'OTLP protobuf decode/encode throughput in MB per CPU second (one core), our codec vs protobufjs reflection over the same .proto definitions, same payloads, each measured in its own process',
    traces_request: { spans: 100, attributes_per_span: 10, ...traces },
    metrics_request: { metrics: 60, points_per_metric: 5, ...metrics },
    exact_64bit: exact64,
    target_decode_speedup: 1.5,
    target_met: exact64 && traces.decode_speedup >= 1.5 && metrics.decode_speedup >= 1.5,
    node: process.version,
    cpu_seconds: Math.round((cpuSeconds(cpuStart) + children.reduce((sum, r) => sum + r.cpu_seconds, 0)) * 100) / 100,
    peak_rss_mib:
      Math.round(Math.max(process.resourceUsage().maxRSS / 1024, ...children.map((r) => r.peak_rss_mib)) * 10) / 10,
  };
  // one line: bench/run.mjs takes the last line of stdout that is a JSON object
  const json = JSON.stringify(result);
  mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../bench-results/pdata-codec.json', import.meta.url), `${json}\n`);
  console.log(json);
}

if (process.argv[2] === 'measure') {
  const [, , , payload, codec, op] = process.argv as [string, string, string, PayloadName, CodecName, OpName];
  console.log(JSON.stringify(measureHere(payload, codec, op)));
} else main();
