// The l7 processor as a pipeline stage: socket events in, spans / request logs / RED metrics
// out, with request pairing, timeouts and zero-code trace correlation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, from, toArray, Subject } from 'rxjs';
import {
  Direction,
  L4Protocol,
  SocketEventBatch,
  SocketEventKind,
  SocketRole,
  SpanKind,
  StatusCode,
  getAttr,
  type Logs,
  type Metrics,
  type SocketEvent,
  type Traces,
} from '@flowtel/pdata';
import { Ack, type Batch, type PipelineSignal } from '@flowtel/core';
import { testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const enc = new TextEncoder();
let nextId = 0;

interface Side {
  pid: number;
  tid: number;
  comm: string;
  role: number;
  local: [string, number];
  remote: [string, number];
  socketId: bigint;
}

function event(side: Side, direction: number, ms: number, text: string): SocketEvent {
  const payload = enc.encode(text);
  return {
    kind: SocketEventKind.DATA,
    timestampNs: 1_700_000_000_000_000_000n + BigInt(ms) * 1_000_000n,
    pid: side.pid,
    tid: side.tid,
    comm: side.comm,
    fd: 5,
    socketId: side.socketId,
    l4Protocol: L4Protocol.TCP,
    role: side.role,
    direction,
    localAddr: side.local[0],
    localPort: side.local[1],
    remoteAddr: side.remote[0],
    remotePort: side.remote[1],
    byteCount: payload.length,
    payload,
  };
}

/** Both ends of one loopback connection, as eBPF sees them: the client process and the server process. */
function connection(
  client: { pid: number; tid: number; comm: string },
  server: { pid: number; tid: number; comm: string },
  port: number,
) {
  const ephemeral = 40000 + nextId;
  const c: Side = {
    ...client,
    role: SocketRole.CLIENT,
    local: ['127.0.0.1', ephemeral],
    remote: ['127.0.0.1', port],
    socketId: BigInt(++nextId),
  };
  const s: Side = {
    ...server,
    role: SocketRole.SERVER,
    local: ['127.0.0.1', port],
    remote: ['127.0.0.1', ephemeral],
    socketId: BigInt(++nextId),
  };
  return {
    request: (ms: number, text: string) => [
      event(c, Direction.EGRESS, ms, text),
      event(s, Direction.INGRESS, ms + 1, text),
    ],
    response: (ms: number, text: string) => [
      event(s, Direction.EGRESS, ms, text),
      event(c, Direction.INGRESS, ms + 1, text),
    ],
  };
}

const httpRequest = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: shop.local\r\n${headers}\r\n`;
const httpResponse = (code: number, body = 'ok') =>
  `HTTP/1.1 ${code} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

async function run(
  id: string,
  signal: PipelineSignal,
  events: SocketEvent[],
  config: Record<string, unknown> = {},
): Promise<Batch[]> {
  const processor = factory.createProcessor(
    testSettings(id, 'processor'),
    factory.configSchema.parse(config),
    signal,
    signal,
  );
  await processor.start(testHost());
  const batch: Batch = {
    signal: 'socket',
    data: SocketEventBatch.from('ebpf', events),
    items: events.length,
    ack: Ack.none(),
  };
  const out = await firstValueFrom(from([batch]).pipe(processor.operator(), toArray()));
  await processor.shutdown();
  return out;
}

const spansOf = (batches: Batch[]) =>
  batches.flatMap((b) =>
    b.signal === 'traces'
      ? (b.data as Traces).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
      : [],
  );
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('both ends of an HTTP exchange become a client span and a server span of one trace, parent and child', async () => {
  const conn = connection({ pid: 10, tid: 10, comm: 'curl' }, { pid: 20, tid: 21, comm: 'nginx' }, 8080);
  const spans = spansOf(
    await run('l7/a', 'traces', [...conn.request(0, httpRequest('/cart')), ...conn.response(5, httpResponse(200))]),
  );
  assert.equal(spans.length, 2);
  const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  assert.equal(client.name, 'GET /cart');
  assert.equal(server.name, 'GET /cart');
  assert.equal(hex(server.traceId), hex(client.traceId));
  assert.equal(hex(server.parentSpanId), hex(client.spanId));
  assert.equal(getAttr(server.attributes, 'http.response.status_code'), 200n);
  assert.equal(getAttr(server.attributes, 'server.port'), 8080n);
  assert.equal(server.endTimeUnixNano - server.startTimeUnixNano, 4_000_000n);
});

test("a request carrying traceparent continues the application's trace", async () => {
  const conn = connection({ pid: 11, tid: 11, comm: 'app' }, { pid: 21, tid: 22, comm: 'api' }, 8081);
  const tp = 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n';
  const spans = spansOf(
    await run('l7/b', 'traces', [...conn.request(0, httpRequest('/x', tp)), ...conn.response(2, httpResponse(200))]),
  );
  for (const s of spans) assert.equal(hex(s.traceId), '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(hex(spans.find((s) => s.kind === SpanKind.SERVER)!.parentSpanId), '00f067aa0ba902b7');
  assert.equal(hex(spans.find((s) => s.kind === SpanKind.CLIENT)!.spanId), '00f067aa0ba902b7');
});

test("a call a server thread makes while serving a request is that request's child (syscall trace)", async () => {
  const front = connection({ pid: 12, tid: 12, comm: 'curl' }, { pid: 30, tid: 31, comm: 'gateway' }, 8082);
  const back = connection({ pid: 30, tid: 31, comm: 'gateway' }, { pid: 40, tid: 41, comm: 'backend' }, 8083);
  const events = [
    ...front.request(0, httpRequest('/order')),
    ...back.request(2, httpRequest('/stock')),
    ...back.response(4, httpResponse(200)),
    ...front.response(6, httpResponse(200)),
  ];
  const spans = spansOf(await run('l7/c', 'traces', events));
  assert.equal(spans.length, 4);
  const span = (name: string, kind: number) => spans.find((s) => s.kind === kind && s.name === name)!;
  const gatewayServer = span('GET /order', SpanKind.SERVER);
  const gatewayClient = span('GET /stock', SpanKind.CLIENT);
  const backendServer = span('GET /stock', SpanKind.SERVER);
  assert.equal(new Set(spans.map((s) => hex(s.traceId))).size, 1, 'one trace');
  assert.equal(hex(gatewayClient.parentSpanId), hex(gatewayServer.spanId));
  assert.equal(hex(backendServer.parentSpanId), hex(gatewayClient.spanId));
});

test('pipelined requests pair in order; an unanswered one times out as an error span', async () => {
  const conn = connection({ pid: 13, tid: 13, comm: 'wrk' }, { pid: 50, tid: 51, comm: 'nginx' }, 8084);
  const events = [
    ...conn.request(0, httpRequest('/a') + httpRequest('/b') + httpRequest('/c')),
    ...conn.response(3, httpResponse(200) + httpResponse(404)),
  ];
  const processor = factory.createProcessor(
    testSettings('l7/d', 'processor'),
    factory.configSchema.parse({ request_timeout: '50ms' }),
    'traces',
    'traces',
  );
  await processor.start(testHost());
  const input = new Subject<Batch>();
  const out: Batch[] = [];
  input.pipe(processor.operator()).subscribe((b) => out.push(b));
  input.next({ signal: 'socket', data: SocketEventBatch.from('ebpf', events), items: events.length, ack: Ack.none() });
  const server = () => spansOf(out).filter((s) => s.kind === SpanKind.SERVER);
  assert.deepEqual(
    server().map((s) => [s.name, getAttr(s.attributes, 'http.response.status_code')]),
    [
      ['GET /a', 200n],
      ['GET /b', 404n],
    ],
  );
  const timedOut = await waitFor('the unanswered request reported after the timeout', async () =>
    server().find((s) => s.name === 'GET /c'),
  );
  assert.equal(timedOut.status.code, StatusCode.ERROR);
  assert.equal(timedOut.status.message, 'no response');
  input.complete();
  await processor.shutdown();
});

test("request logs carry DeepFlow's l7_flow_log fields; RED metrics count by route and status", async () => {
  const conn = connection({ pid: 14, tid: 14, comm: 'curl' }, { pid: 60, tid: 61, comm: 'nginx' }, 8085);
  const events = [...conn.request(0, httpRequest('/pay')), ...conn.response(20, httpResponse(503))];
  const logs = (await run('l7/e', 'logs', events)).flatMap((b) =>
    (b.data as Logs).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
  );
  const server = logs.find((l) => getAttr(l.attributes, 'tap_side') === 's-p')!;
  assert.equal(getAttr(server.attributes, 'l7_protocol_str'), 'HTTP');
  assert.equal(getAttr(server.attributes, 'request_type'), 'GET');
  assert.equal(getAttr(server.attributes, 'request_resource'), '/pay');
  assert.equal(getAttr(server.attributes, 'response_code'), 503n);
  assert.equal(getAttr(server.attributes, 'response_status'), 3n, "DeepFlow's code for a server error");
  assert.equal(getAttr(server.attributes, 'server_port'), 8085n);
  assert.equal(getAttr(server.attributes, 'process_kname_1'), 'nginx');
  assert.equal(server.severityText, 'ERROR');

  const metrics = (await run('l7/f', 'metrics', events)).flatMap((b) => (b.data as Metrics).resourceMetrics);
  const nginx = metrics.find((rm) => getAttr(rm.resource.attributes, 'service.name') === 'nginx')!;
  const duration = nginx.scopeMetrics[0].metrics.find((m) => m.name === 'http.server.request.duration')!;
  const point = duration.histogram!.dataPoints[0];
  assert.equal(point.count, 1n);
  assert.equal(getAttr(point.attributes, 'http.route'), '/pay');
  assert.equal(getAttr(point.attributes, 'error.type'), '503');
  assert.ok(Math.abs(point.sum! - 0.019) < 1e-9);
  const requests = nginx.scopeMetrics[0].metrics.find((m) => m.name === 'flowtel.l7.requests')!;
  assert.equal(getAttr(requests.sum!.dataPoints[0].attributes, 'flowtel.l7.response_status'), 'server_error');
});

test('RED metrics add up requests of the same route and outcome in one cell, by bucket', async () => {
  const conn = connection({ pid: 16, tid: 16, comm: 'curl' }, { pid: 80, tid: 81, comm: 'nginx' }, 8087);
  const events = [
    ...conn.request(0, httpRequest('/pay')),
    ...conn.response(1, httpResponse(200)),
    ...conn.request(10, httpRequest('/pay')),
    ...conn.response(40, httpResponse(200)),
    ...conn.request(50, httpRequest('/pay')),
    ...conn.response(52, httpResponse(503)),
  ];
  const metrics = (await run('l7/g', 'metrics', events)).flatMap((b) => (b.data as Metrics).resourceMetrics);
  const nginx = metrics.filter((rm) => getAttr(rm.resource.attributes, 'service.name') === 'nginx').at(-1)!;
  const duration = nginx.scopeMetrics[0].metrics.find((m) => m.name === 'http.server.request.duration')!;
  const points = duration.histogram!.dataPoints;
  assert.equal(points.length, 2, 'one cell for the 200s, one for the 503');
  const ok = points.find((p) => getAttr(p.attributes, 'error.type') === undefined)!;
  assert.equal(ok.count, 2n);
  assert.equal(getAttr(ok.attributes, 'http.route'), '/pay');
  assert.equal(getAttr(ok.attributes, 'http.response.status_code'), 200n);
  // ~1 ms and ~30 ms: the buckets up to 5 ms and up to 50 ms of the semantic conventions
  assert.deepEqual(ok.bucketCounts, [1n, 0n, 0n, 1n, ...new Array(11).fill(0n)]);
  const failed = points.find((p) => getAttr(p.attributes, 'error.type') === '503')!;
  assert.equal(failed.count, 1n);
  const requests = nginx.scopeMetrics[0].metrics.find((m) => m.name === 'flowtel.l7.requests')!;
  const byStatus = Object.fromEntries(
    requests.sum!.dataPoints.map((p) => [getAttr(p.attributes, 'flowtel.l7.response_status'), p.asInt]),
  );
  assert.deepEqual(byStatus, { ok: 2n, server_error: 1n });
});

test('pipelines naming the same l7 processor share one parse of each capture batch', async () => {
  const conn = connection({ pid: 15, tid: 15, comm: 'curl' }, { pid: 70, tid: 71, comm: 'nginx' }, 8086);
  const events = [...conn.request(0, httpRequest('/')), ...conn.response(1, httpResponse(200))];
  const settings = testSettings('l7/shared', 'processor');
  const config = factory.configSchema.parse({});
  const tracesP = factory.createProcessor(settings, config, 'traces', 'traces');
  const logsP = factory.createProcessor(settings, config, 'logs', 'logs');
  const host = testHost();
  await tracesP.start(host);
  await logsP.start(host);
  const data = SocketEventBatch.from('ebpf', events);
  const a = new Subject<Batch>();
  const b = new Subject<Batch>();
  const out: Batch[] = [];
  a.pipe(tracesP.operator()).subscribe((x) => out.push(x));
  b.pipe(logsP.operator()).subscribe((x) => out.push(x));
  const acks = [Ack.withPromise(), Ack.withPromise()];
  a.next({ signal: 'socket', data, items: data.count, ack: acks[0].ack });
  b.next({ signal: 'socket', data, items: data.count, ack: acks[1].ack });
  assert.deepEqual(
    out.map((x) => [x.signal, x.items]),
    [
      ['traces', 2],
      ['logs', 2],
    ],
  );
  out[0].ack.resolve();
  await Promise.all(acks.map((x) => x.done));
  a.complete();
  b.complete();
  await tracesP.shutdown();
  await logsP.shutdown();
});

test('a response whose body the capture cut short does not put the next exchange out of step', async () => {
  const conn = connection({ pid: 17, tid: 17, comm: 'curl' }, { pid: 90, tid: 91, comm: 'nginx' }, 8087);
  const body = 'x'.repeat(5000);
  const cut = (events: SocketEvent[], keep: number) =>
    events.map((e) => ({ ...e, payload: e.payload.subarray(0, keep), byteCount: e.payload.length }));
  const events = [
    ...conn.request(0, httpRequest('/big')),
    ...cut(conn.response(2, httpResponse(200, body)), 256),
    ...conn.request(4, httpRequest('/next')),
    ...conn.response(6, httpResponse(201)),
  ];
  const server = spansOf(await run('l7/h', 'traces', events)).filter((s) => s.kind === SpanKind.SERVER);
  assert.deepEqual(
    server.map((s) => [s.name, getAttr(s.attributes, 'http.response.status_code')]),
    [
      ['GET /big', 200n],
      ['GET /next', 201n],
    ],
  );
});

test('unknown and garbage traffic is skipped and counted, never thrown', async () => {
  const conn = connection({ pid: 16, tid: 16, comm: 'x' }, { pid: 80, tid: 81, comm: 'y' }, 9999);
  const garbage = String.fromCharCode(...Array.from({ length: 300 }, (_, i) => (i * 7919) % 256));
  const out = await run('l7/g', 'traces', [...conn.request(0, garbage), ...conn.response(1, garbage)]);
  assert.equal(spansOf(out).length, 0);
});

test('the engine tells the parser how many bytes of a syscall the capture did not keep', async () => {
  const { L7Engine } = await import('../src/engine.ts');
  const gaps: Array<[string, number]> = [];
  const recorder = {
    name: 'Recorder',
    l4: 'tcp' as const,
    defaultPorts: [7000],
    infer: () => true,
    createState: () => ({}),
    parse: () => [],
    gap: (_state: unknown, direction: string, bytes: number) => {
      gaps.push([direction, bytes]);
      return [];
    },
  };
  const engine = new L7Engine({
    parsers: [recorder],
    parse: {},
    correlation: { syscall: true, request_id: true },
    requestTimeoutNs: 10n ** 9n,
    idleTimeoutNs: 10n ** 10n,
    maxSessions: 10,
    maxPendingPerSession: 10,
  });
  const conn = connection({ pid: 18, tid: 18, comm: 'c' }, { pid: 19, tid: 19, comm: 's' }, 7000);
  const [clientWrite] = conn.request(0, 'head');
  engine.ingest(SocketEventBatch.from('ebpf', [{ ...clientWrite, byteCount: 4096 }, conn.request(1, 'whole')[0]]));
  assert.deepEqual(gaps, [['toServer', 4092]]);
});

test('at max_connections the least recently used connection is closed, not one still in use', async () => {
  const { L7Engine, PROTOCOL_PARSERS } = await import('../src/index.ts');
  const records: import('../src/index.ts').L7Record[] = [];
  const engine = new L7Engine({
    parsers: PROTOCOL_PARSERS,
    parse: {},
    correlation: { syscall: true, request_id: true },
    requestTimeoutNs: 10n ** 12n,
    idleTimeoutNs: 10n ** 13n,
    maxSessions: 4,
    maxPendingPerSession: 10,
  });
  engine.addSink((r) => records.push(...r));
  const a = connection({ pid: 30, tid: 30, comm: 'a' }, { pid: 40, tid: 40, comm: 'web' }, 8090);
  const b = connection({ pid: 31, tid: 31, comm: 'b' }, { pid: 40, tid: 40, comm: 'web' }, 8090);
  const c = connection({ pid: 32, tid: 32, comm: 'c' }, { pid: 40, tid: 40, comm: 'web' }, 8090);
  // a and b fill the table (one session per end); a is used again after b opened
  engine.ingest(
    SocketEventBatch.from('ebpf', [
      ...a.request(0, httpRequest('/a1')),
      ...b.request(1, httpRequest('/b1')),
      ...a.response(2, httpResponse(200)),
      ...a.request(3, httpRequest('/a2')),
    ]),
  );
  engine.ingest(SocketEventBatch.from('ebpf', c.request(4, httpRequest('/c1'))));
  assert.equal(engine.counters.evictedSessions, 2);
  const b1 = records.filter((r) => r.request?.endpoint === '/b1');
  assert.deepEqual(
    b1.map((r) => r.unanswered),
    [true, true],
  );
  engine.ingest(SocketEventBatch.from('ebpf', a.response(5, httpResponse(201))));
  const a2 = records.filter((r) => r.request?.endpoint === '/a2');
  assert.deepEqual(
    a2.map((r) => r.response?.response_code),
    [201, 201],
  );
});

test("the internal metrics count each protocol's messages read whole, read from a capture head, and lost", async () => {
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  class Collect extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  const reader = new Collect();
  const provider = new MeterProvider({ readers: [reader] });
  const settings = {
    ...testSettings('l7/metrics', 'processor'),
    meter: provider.getMeter('test'),
    metricsLevel: 'normal' as const,
  };
  const processor = factory.createProcessor(settings, factory.configSchema.parse({}), 'traces', 'traces');
  await processor.start(testHost());
  const conn = connection({ pid: 19, tid: 19, comm: 'curl' }, { pid: 95, tid: 96, comm: 'nginx' }, 8090);
  const head = (events: SocketEvent[], keep: number) =>
    events.map((e) => ({ ...e, payload: e.payload.subarray(0, keep), byteCount: e.payload.length }));
  const events = [
    ...conn.request(0, httpRequest('/a')),
    ...conn.response(2, httpResponse(200)),
    ...head(conn.request(4, httpRequest('/big', `Cookie: ${'c'.repeat(2000)}\r\n`)), 256),
    ...conn.response(6, httpResponse(200)),
    ...conn.response(8, 'HTTP/1.1 2x0 broken\r\n\r\n'),
  ];
  const batch: Batch = {
    signal: 'socket',
    data: SocketEventBatch.from('ebpf', events),
    items: events.length,
    ack: Ack.none(),
  };
  await firstValueFrom(from([batch]).pipe(processor.operator(), toArray()));
  const { resourceMetrics } = await reader.collect();
  const value = (name: string) => {
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return metric?.dataPoints
      .filter((p) => p.attributes.protocol === 'HTTP' && p.attributes.processor === 'l7/metrics')
      .map((p) => p.value);
  };
  // both ends: /a, its response and the second response whole; /big from its head; the broken status line lost
  assert.deepEqual(value('flowtel_l7_whole_messages'), [6]);
  assert.deepEqual(value('flowtel_l7_truncated_messages'), [2]);
  assert.deepEqual(value('flowtel_l7_unparseable_messages'), [2]);
  await processor.shutdown();
  await provider.shutdown();
});
