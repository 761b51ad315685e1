// The main thread's share of the default pipeline's eBPF half, without the engine: captured
// nginx traffic (socket events as the ebpf receiver hands them on, both ends of each request,
// 20 kept-alive connections as hey -c 20 makes) through the l7 processor of the traces, logs
// and metrics pipelines (one parse shared) into the ClickHouse store's Native blocks for
// otel_traces and l7_flow_log. Each batch waits for HOLD later ones before it is encoded, as
// it waits in the batch processor and the exporter's queue. Figures: CPU and bytes allocated
// (V8's sampling heap profiler, collected objects included) per request, and peak RSS.
// Deterministic work, so a loaded machine slows it but changes CPU per request little.
//   node --import tsx bench/l7-store-path.ts   (BENCH_REQUESTS=200000, BENCH_HOLD=20,
//     BENCH_BATCH=100 requests per capture batch)
import { Session } from 'node:inspector';
import { Subject } from 'rxjs';
import { Ack, type Batch } from '@flowtel/core';
import { ClickHouseStore, storeConfigSchema } from '@flowtel/clickhouse';
import { Direction, L4Protocol, SocketEventBatch, SocketEventKind, SocketRole, type SocketEvent } from '@flowtel/pdata';
import { factory } from '@flowtel/processor-l7';
import { testHost, testSettings } from '@flowtel/testkit';
import { report, selfUsage } from './lib/report.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);
const HOLD = Number(process.env.BENCH_HOLD ?? 20);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CONNECTIONS = 20;

const enc = new TextEncoder();
const REQUEST = enc.encode(
  'GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: hey/0.0.1\r\nAccept-Encoding: gzip\r\n\r\n',
);
const BODY = `<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>${'<p>flowtel default pipeline benchmark page.</p>'.repeat(14)}</body></html>\n`;
const RESPONSE = enc.encode(
  `HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 06 Dec 2026 23:00:00 GMT\r\nContent-Type: text/html\r\n` +
    `Content-Length: ${BODY.length}\r\nLast-Modified: Sun, 06 Dec 2026 22:00:00 GMT\r\nConnection: keep-alive\r\n` +
    `ETag: "6751f1a0-2d5"\r\nAccept-Ranges: bytes\r\n\r\n${BODY}`,
);

/** One end of a connection as the capture sees it. */
function side(role: number, pid: number, comm: string, local: [string, number], remote: [string, number], id: bigint) {
  return { role, pid, tid: pid, comm, local, remote, socketId: id };
}
type Side = ReturnType<typeof side>;

function event(s: Side, direction: number, ns: bigint, payload: Uint8Array): SocketEvent {
  return {
    kind: SocketEventKind.DATA,
    timestampNs: ns,
    pid: s.pid,
    tid: s.tid,
    comm: s.comm,
    fd: 5,
    socketId: s.socketId,
    l4Protocol: L4Protocol.TCP,
    role: s.role,
    direction,
    localAddr: s.local[0],
    localPort: s.local[1],
    remoteAddr: s.remote[0],
    remotePort: s.remote[1],
    byteCount: payload.length,
    payload,
  };
}

const connections = Array.from({ length: CONNECTIONS }, (_, i) => {
  const port = 40000 + i;
  return {
    client: side(SocketRole.CLIENT, 1000, 'hey', ['127.0.0.1', port], ['127.0.0.1', 8080], BigInt(2 * i + 1)),
    server: side(
      SocketRole.SERVER,
      2000 + (i % 2),
      'nginx',
      ['127.0.0.1', 8080],
      ['127.0.0.1', port],
      BigInt(2 * i + 2),
    ),
  };
});

/** The events of `n` requests from request number `first`, round robin over the connections. */
function captureBatch(first: number, n: number): SocketEventBatch {
  const events: SocketEvent[] = [];
  for (let k = first; k < first + n; k++) {
    const { client, server } = connections[k % CONNECTIONS];
    const t = 1_800_000_000_000_000_000n + BigInt(k) * 100_000n;
    events.push(
      event(client, Direction.EGRESS, t, REQUEST),
      event(server, Direction.INGRESS, t + 10_000n, REQUEST),
      event(server, Direction.EGRESS, t + 60_000n, RESPONSE),
      event(client, Direction.INGRESS, t + 70_000n, RESPONSE),
    );
  }
  return SocketEventBatch.from('ebpf', events);
}

const host = testHost();
const store = new ClickHouseStore(storeConfigSchema.parse({ endpoint: 'chdb://unused' }), {
  configDir: '.',
  logger: { warn: () => {} },
  signals: ['traces', 'logs', 'metrics'],
  dictionaries: () => undefined,
});
const held: Batch[] = [];
let blocks = 0;
const tables = new Map<string, number>();
function encode(batch: Batch): void {
  for (const block of store.encode(batch)) {
    tables.set(block.table, (tables.get(block.table) ?? 0) + block.rows);
    blocks++;
    block.release();
  }
}

const inputs: Array<Subject<Batch>> = [];
const processors = [];
for (const signal of ['traces', 'logs', 'metrics'] as const) {
  const processor = factory.createProcessor(
    testSettings('l7', 'processor'),
    factory.configSchema.parse({}),
    signal,
    signal,
  );
  const input = new Subject<Batch>();
  input.pipe(processor.operator()).subscribe((batch) => {
    held.push(batch);
    if (held.length > HOLD) encode(held.shift()!);
  });
  inputs.push(input);
  processors.push(processor);
}
for (const p of processors) await p.start(host);

function feed(from: number, to: number): void {
  for (let k = from; k < to; k += BATCH) {
    const data = captureBatch(k, Math.min(BATCH, to - k));
    for (const input of inputs) input.next({ signal: 'socket', data, items: data.count, ack: Ack.none() });
  }
}

// warm-up: the code optimized and the pools filled, as in a collector that has been running
feed(0, 20_000);
for (const batch of held.splice(0)) encode(batch);
tables.clear();
const session = new Session();
session.connect();
const post = (method: string, params = {}) =>
  new Promise<any>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
await post('HeapProfiler.enable');
await post('HeapProfiler.startSampling', {
  samplingInterval: 16384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const before = process.cpuUsage();
feed(20_000, 20_000 + REQUESTS);
for (const batch of held.splice(0)) encode(batch);
const cpu = process.cpuUsage(before);
const { profile } = await post('HeapProfiler.stopSampling');
let allocated = 0;
const walk = (n: { selfSize: number; children?: unknown[] }) => {
  allocated += n.selfSize;
  for (const c of n.children ?? []) walk(c as typeof n);
};
walk(profile.head);
for (const p of processors) await p.shutdown();

const cpuUs = (cpu.user + cpu.system) / REQUESTS;
report('l7-store-path', {
  requests: REQUESTS,
  records: 2 * REQUESTS,
  rows_encoded: Object.fromEntries(tables),
  blocks,
  hold_batches: HOLD,
  cpu_us_per_request: Math.round(cpuUs * 10) / 10,
  allocated_kb_per_request: Math.round((allocated / REQUESTS / 1024) * 10) / 10,
  ...selfUsage(),
});
