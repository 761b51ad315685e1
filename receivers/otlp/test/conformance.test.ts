// Conformance with the OpenTelemetry JS SDK exporters as real clients. Each SDK exporter sends
// to flowtel A (otlp receiver), which forwards with both otlp_grpc and otlp_http to flowtel B;
// B's two otlp receivers feed a recording exporter. What B got must equal, field by field, what
// the SDK's own protobuf serializer makes of the same telemetry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as TraceJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import {
  Graph,
  Registry,
  createTelemetry,
  parseYamlSource,
  resolveConfig,
  telemetrySchema,
  z,
  type Batch,
  type ExporterFactory,
  type PipelineSignal,
} from '@flowtel/core';
import { decodeLogs, decodeMetrics, decodeTraces } from '@flowtel/pdata';
import { factory as otlpGrpc } from '@flowtel/exporter-otlp-grpc';
import { factory as otlpHttp } from '@flowtel/exporter-otlp-http';
import { freePort, waitFor } from '@flowtel/testkit';
import { factory as otlpReceiver } from '../src/index.ts';

const recorded = new Map<string, Batch[]>();
const recorder: ExporterFactory = {
  kind: 'exporter',
  type: 'record',
  stability: { traces: 'development', metrics: 'development', logs: 'development' },
  configSchema: z.object({}).strict(),
  createExporter: (s) => ({
    start: async () => void recorded.set(s.id, []),
    shutdown: async () => {},
    consume: async (b: Batch) => void recorded.get(s.id)!.push(b),
  }),
};
const registry = new Registry().add(otlpReceiver).add(otlpGrpc).add(otlpHttp).add(recorder);

async function runGraph(yaml: string): Promise<Graph> {
  const telemetry = await createTelemetry(
    telemetrySchema.parse({ metrics: { level: 'none' }, logs: { level: 'error' } }),
    {
      command: 'test',
      version: '0',
    },
  );
  const graph = new Graph(resolveConfig(parseYamlSource('conformance.yaml', yaml, process.cwd()), registry), telemetry);
  await graph.start();
  return graph;
}

const ports = { aGrpc: 0, aHttp: 0, bGrpc: 0, bHttp: 0 };
const graphs: Graph[] = [];
const pipelines = (receivers: string, exporters: string) =>
  ['traces', 'metrics', 'logs']
    .map((s) => `    ${s}: {receivers: [${receivers}], exporters: [${exporters}]}`)
    .join('\n');

before(async () => {
  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
  graphs.push(
    await runGraph(`
receivers:
  otlp/grpc_in: {protocols: {grpc: {endpoint: "127.0.0.1:${ports.bGrpc}"}}}
  otlp/http_in: {protocols: {http: {endpoint: "127.0.0.1:${ports.bHttp}"}}}
exporters:
  record/via_grpc: {}
  record/via_http: {}
service:
  pipelines:
${pipelines('otlp/grpc_in', 'record/via_grpc').replace(/^ {4}(\w+):/gm, '    $1/g:')}
${pipelines('otlp/http_in', 'record/via_http').replace(/^ {4}(\w+):/gm, '    $1/h:')}
`),
  );
  graphs.push(
    await runGraph(`
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${ports.aGrpc}"}, http: {endpoint: "127.0.0.1:${ports.aHttp}"}}}
exporters:
  otlp: {endpoint: "127.0.0.1:${ports.bGrpc}", tls: {insecure: true}}
  otlphttp: {endpoint: "http://127.0.0.1:${ports.bHttp}"}
service:
  pipelines:
${pipelines('otlp', 'otlp, otlphttp')}
`),
  );
});

after(async () => {
  for (const g of graphs.reverse()) await g.shutdown();
});

// ---- telemetry made with the SDK ----

const resource = resourceFromAttributes({
  'service.name': 'conformance',
  'service.version': '1.0.0',
  'host.cores': 2,
  'deployment.blue': true,
});
const richAttributes: Attributes = {
  str: 'value',
  int: 9_007_199_254,
  dbl: 3.25,
  bool: false,
  strs: ['a', 'b'],
  ints: [1, 2, 3],
  dbls: [0.5, 1.5],
  bools: [true, false],
};

function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('conformance-tracer', '1.2.3', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  });
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    attributes: richAttributes,
    startTime: [1_700_000_000, 123_456_789],
  });
  const parentContext = {
    traceId: root.spanContext().traceId,
    spanId: root.spanContext().spanId,
    traceFlags: 1,
    isRemote: true,
    traceState: undefined,
  };
  const child = tracer.startSpan(
    'SELECT orders',
    {
      kind: SpanKind.CLIENT,
      startTime: [1_700_000_000, 200_000_001],
      links: [{ context: parentContext, attributes: { 'link.kind': 'follows' } }],
    },
    undefined,
  );
  child.addEvent('retry', { attempt: 2 }, [1_700_000_000, 250_000_999]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
  child.end([1_700_000_000, 300_000_003]);
  root.setStatus({ code: SpanStatusCode.OK });
  root.end([1_700_000_001, 0]);
  tracer.startSpan('produce', { kind: SpanKind.PRODUCER }).end();
  return memory.getFinishedSpans();
}

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function makeMetrics(): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('conformance-meter', '0.1.0');
  const counter = meter.createCounter('requests', { unit: '{request}', description: 'requests served' });
  counter.add(5, { route: '/a' });
  counter.add(7, { route: '/b' });
  meter.createUpDownCounter('inflight').add(-3);
  meter.createGauge('temperature', { unit: 'Cel' }).record(21.5, { room: 'lab' });
  const hist = meter.createHistogram('latency', { unit: 'ms' });
  const exp = meter.createHistogram('latency.exp', { unit: 'ms' });
  for (const v of [0.2, 1, 3.7, 12, 12, 250, 1200]) {
    hist.record(v, { route: '/a' });
    exp.record(v, { route: '/a' });
  }
  exp.record(0);
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  return resourceMetrics;
}

function makeLogs(): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('conformance-logger', '4.5.6');
  logger.emit({
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'disk almost full',
    attributes: { 'disk.free': 1024 },
    timestamp: [1_700_000_000, 999_999_999],
  });
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    body: { structured: { nested: [1, 'two', true] } },
    eventName: 'app.started',
  });
  return memory.getFinishedLogRecords();
}

// ---- the matrix ----

type Transport = 'grpc' | 'http/protobuf' | 'http/json';
const TRANSPORTS: Transport[] = ['grpc', 'http/protobuf', 'http/json'];

interface SdkExporter<T> {
  export(items: T, done: (r: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
}

function exporterFor(signal: PipelineSignal, transport: Transport, gzip: boolean): SdkExporter<unknown> {
  const compression = (gzip ? 'gzip' : 'none') as never;
  const httpUrl = `http://127.0.0.1:${ports.aHttp}/v1/${signal}`;
  const grpc = { url: `http://127.0.0.1:${ports.aGrpc}`, compression };
  const http = { url: httpUrl, compression };
  const classes = {
    traces: {
      grpc: () => new TraceGrpc(grpc),
      'http/protobuf': () => new TraceProto(http),
      'http/json': () => new TraceJson(http),
    },
    metrics: {
      grpc: () => new MetricsGrpc(grpc),
      'http/protobuf': () => new MetricsProto(http),
      'http/json': () => new MetricsJson(http),
    },
    logs: {
      grpc: () => new LogsGrpc(grpc),
      'http/protobuf': () => new LogsProto(http),
      'http/json': () => new LogsJson(http),
    },
  } as const;
  return classes[signal as 'traces'][transport]() as unknown as SdkExporter<unknown>;
}

async function expectedAndItems(signal: PipelineSignal): Promise<{ items: unknown; expected: unknown }> {
  if (signal === 'traces') {
    const items = makeSpans();
    return { items, expected: decodeTraces(ProtobufTraceSerializer.serializeRequest(items)!) };
  }
  if (signal === 'metrics') {
    const items = await makeMetrics();
    return { items, expected: decodeMetrics(ProtobufMetricsSerializer.serializeRequest(items)!) };
  }
  const items = makeLogs();
  return { items, expected: decodeLogs(ProtobufLogsSerializer.serializeRequest(items)!) };
}

for (const signal of ['traces', 'metrics', 'logs'] as const) {
  for (const transport of TRANSPORTS) {
    for (const gzip of [false, true]) {
      test(`conformance: SDK ${signal} over ${transport}${gzip ? ' gzip' : ''} → flowtel → otlp_grpc and otlp_http → flowtel, field by field`, async () => {
        const { items, expected } = await expectedAndItems(signal);
        const before = { g: recorded.get('record/via_grpc')!.length, h: recorded.get('record/via_http')!.length };
        const exporter = exporterFor(signal, transport, gzip);
        const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(items, resolve));
        await exporter.shutdown();
        assert.equal(result.code, 0, `SDK export failed: ${result.error?.message}`);
        for (const [id, from] of [
          ['record/via_grpc', before.g],
          ['record/via_http', before.h],
        ] as const) {
          const got = await waitFor(
            `${id} to receive the ${signal}`,
            async () => recorded.get(id)!.slice(from).length > 0 && recorded.get(id)!.slice(from),
          );
          assert.equal(got.length, 1, `${id} got ${got.length} batches`);
          assert.equal(got[0].signal, signal);
          assert.deepEqual(got[0].data, expected, `${id}: what flowtel B received differs from what the SDK sent`);
        }
      });
    }
  }
}

test('conformance data covers sums, gauges, histograms, exponential histograms, links, events, log event names, exact timestamps', async () => {
  const rm = await makeMetrics();
  const metrics = decodeMetrics(ProtobufMetricsSerializer.serializeRequest(rm)!);
  const kinds = metrics.resourceMetrics[0].scopeMetrics[0].metrics.map((m) =>
    Object.keys(m).find((k) => ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'].includes(k)),
  );
  assert.deepEqual(new Set(kinds), new Set(['sum', 'gauge', 'histogram', 'exponentialHistogram']));
  const traces = decodeTraces(ProtobufTraceSerializer.serializeRequest(makeSpans())!);
  const child = traces.resourceSpans[0].scopeSpans[0].spans.find((s) => s.name === 'SELECT orders')!;
  assert.equal(child.startTimeUnixNano, 1_700_000_000_200_000_001n);
  assert.equal(child.events[0].timeUnixNano, 1_700_000_000_250_000_999n);
  assert.equal(child.links.length, 1);
  const logs = decodeLogs(ProtobufLogsSerializer.serializeRequest(makeLogs())!);
  const records = logs.resourceLogs[0].scopeLogs[0].logRecords;
  assert.deepEqual(
    records.map((r) => r.eventName),
    ['', 'app.started'],
  );
  assert.equal(records[0].timeUnixNano, 1_700_000_000_999_999_999n);
});
