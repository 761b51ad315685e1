// Benchmark (issue 5, item 9): L7 requests parsed per second on one core, through the l7
// processor's engine (`L7Engine`: connection table, protocol inference, parsing, pairing, trace
// correlation) fed the SocketEventBatches capture produces.
// (a) Real traffic recorded with the ebpf receiver (root): nginx under hey (HTTP/1 keep-alive),
//     redis-server under redis-benchmark, MariaDB answering one client's stream of queries.
//     Both ends of each connection are captured, so every request is two records (client and
//     server side), as in a real host; `requests_per_second` counts records.
// (b) DeepFlow's captures (../shared/testdata/deepflow), per protocol, for reference: few
//     requests per connection, so connection set-up weighs more.
// Each replay runs into a fresh engine until SECONDS of this process's CPU time are spent;
// rates are per CPU second of this single thread. `with_spans` also turns the records into
// OTLP spans, as a traces pipeline does; `held_as_json` also holds them as a batch processor
// does and writes them as OTLP/JSON, as bench/l7-e2e.ts's collector does, without the
// machine's noise (GC included: run it with the bundle's V8 flags to see theirs).
// `with_spans_bytes_allocated_per_request` is what one replay into spans allocates per record,
// which a busy machine does not change.
//   node --import tsx bench/l7-parse.ts          (BENCH_SECONDS=3, BENCH_REQUESTS=4000,
//                                                  BENCH_PROTOCOLS=HTTP,Redis to measure only those)
import { existsSync, readdirSync } from 'node:fs';
import type { HeapProfiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { SocketEventBatch, encodeTracesJson, type SocketEvent, type Traces } from '@flowtel/pdata';
import { L7Engine, PROTOCOL_PARSERS, recordsToTraces, type L7Record } from '@flowtel/processor-l7';
import { configSchema } from '../processors/l7/src/config.ts';
import { readCaptureFile } from '@flowtel/receiver-pcap';
import {
  mariadbTcpLogin,
  startMariadb,
  startNginx,
  startRedis,
  type RunningServer,
  DEEPFLOW_CAPTURES,
} from '@flowtel/testkit';
import { captureUnavailable, collectingReceiver } from '../ebpf-receiver/test/capture-support.ts';
import { runClient } from '../ebpf-receiver/test/servers.ts';
import { report, selfUsage } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const BATCH = 1024;
const ONLY = process.env.BENCH_PROTOCOLS?.split(',');
const wanted = (protocol: string) => !ONLY || ONLY.includes(protocol);
const NS_PER_MS = 1_000_000n;
const captures = DEEPFLOW_CAPTURES;

function engine(): L7Engine {
  const c = configSchema.parse({});
  return new L7Engine({
    parsers: PROTOCOL_PARSERS,
    parse: { redact: c.redaction.enabled, captureHeaders: c.capture_headers },
    correlation: c.trace_correlation,
    requestTimeoutNs: BigInt(Math.round(c.request_timeout)) * NS_PER_MS,
    idleTimeoutNs: BigInt(Math.round(c.idle_timeout)) * NS_PER_MS,
    maxSessions: c.max_connections,
    maxPendingPerSession: c.max_pending_per_connection,
  });
}

function batches(source: string, events: SocketEvent[]): SocketEventBatch[] {
  const out: SocketEventBatch[] = [];
  for (let i = 0; i < events.length; i += BATCH) out.push(SocketEventBatch.from(source, events.slice(i, i + BATCH)));
  return out;
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

interface Figures {
  events: number;
  records_per_replay: number;
  requests_per_second: number;
  mib_per_second: number;
  /** the same, with the records turned into OTLP spans */
  with_spans_requests_per_second: number;
  /** the spans also held as a batch processor holds them (HELD_SPANS at a time) and written as OTLP/JSON: the e2e pipeline in one process */
  held_as_json_requests_per_second: number;
  /** heap bytes allocated per record, records to spans: what the young-generation GC has to keep up with */
  with_spans_bytes_allocated_per_request: number;
}

/** What a replay does with the records: nothing, turn them into spans, or the spans a batch processor holds, written as OTLP/JSON. */
type Output = 'records' | 'spans' | 'json';
/** spans a batch processor holds at 10,000 requests/s (both ends) for its default 200 ms timeout */
const HELD_SPANS = 3800;

/** One replay of the batches into a fresh engine, its records handed to `onRecords`. */
function replay(recorded: SocketEventBatch[], onRecords: (records: L7Record[]) => void): void {
  const e = engine();
  e.addSink(onRecords);
  // a batch object is parsed once per engine: the same recorded batches serve every replay
  for (const b of recorded) e.ingest(b);
  e.flushAll();
}

/** Replays the batches into fresh engines for SECONDS of CPU; requests (records) per CPU second. */
function rate(
  recorded: SocketEventBatch[],
  output: Output,
): { perSecond: number; perReplay: number; mibPerSecond: number } {
  let records = 0;
  let perReplay = 0;
  let replays = 0;
  const held: Traces[] = [];
  let heldSpans = 0;
  const bytesPerReplay = recorded.reduce(
    (n, b) => n + b.payloadLength.subarray(0, b.count).reduce((m, x) => m + x, 0),
    0,
  );
  const start = cpuSeconds();
  while (cpuSeconds() - start < SECONDS) {
    let inReplay = 0;
    replay(recorded, (r) => {
      inReplay += r.length;
      if (output === 'records') return;
      const traces = recordsToTraces(r);
      if (output === 'spans') return;
      held.push(traces);
      heldSpans += r.length;
      if (heldSpans < HELD_SPANS) return;
      encodeTracesJson({ resourceSpans: held.flatMap((t) => t.resourceSpans) });
      held.length = 0;
      heldSpans = 0;
    });
    replays++;
    records += inReplay;
    perReplay = inReplay;
  }
  const seconds = cpuSeconds() - start;
  return {
    perSecond: Math.round(records / seconds),
    perReplay,
    mibPerSecond: Number(((bytesPerReplay * replays) / seconds / 1048576).toFixed(1)),
  };
}

/**
 * Heap bytes allocated per record by one replay into spans, from V8's sampling heap profiler
 * (a sample every 256 bytes, objects the GC already took included). Unlike the rates, it reads
 * the same on a busy machine.
 */
async function allocatedPerRecord(recorded: SocketEventBatch[]): Promise<number> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let records = 0;
  replay(recorded, (r) => {
    records += r.length;
    recordsToTraces(r);
  });
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  const bytes = (node: HeapProfiler.SamplingHeapProfileNode): number =>
    node.children.reduce((sum, child) => sum + bytes(child), node.selfSize);
  return records > 0 ? Math.round(bytes(profile.head) / records) : 0;
}

async function measure(recorded: SocketEventBatch[]): Promise<Figures> {
  const plain = rate(recorded, 'records');
  const withSpans = rate(recorded, 'spans');
  const asJson = rate(recorded, 'json');
  return {
    events: recorded.reduce((n, b) => n + b.count, 0),
    records_per_replay: plain.perReplay,
    requests_per_second: plain.perSecond,
    mib_per_second: plain.mibPerSecond,
    with_spans_requests_per_second: withSpans.perSecond,
    held_as_json_requests_per_second: asJson.perSecond,
    with_spans_bytes_allocated_per_request: await allocatedPerRecord(recorded),
  };
}

/** Runs `load` against `server` while the ebpf receiver records its port's traffic. */
async function record(server: RunningServer, load: () => Promise<void>): Promise<SocketEventBatch[]> {
  const capture = collectingReceiver({ payload_size: 1024, filters: { ports: { allow: [server.port] } } });
  await capture.receiver.start();
  try {
    await load();
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await capture.receiver.shutdown();
    await server.stop();
  }
  return batches('ebpf', capture.events);
}

async function check(run: Promise<{ code: number | null; stderr: string }>, what: string): Promise<void> {
  const r = await run;
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr}`);
}

async function recordLive(): Promise<Record<string, SocketEventBatch[]>> {
  const out: Record<string, SocketEventBatch[]> = {};
  if (wanted('HTTP')) {
    const page = `<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>${'<p>flowtel parse benchmark page.</p>'.repeat(16)}</body></html>\n`;
    const nginx = await startNginx({ files: { 'index.html': page } });
    out.HTTP = await record(nginx, () =>
      check(runClient('hey', ['-n', String(REQUESTS), '-c', '4', `http://127.0.0.1:${nginx.port}/index.html`]), 'hey'),
    );
  }
  if (wanted('Redis')) {
    const redis = await startRedis();
    out.Redis = await record(redis, () =>
      check(
        runClient('redis-benchmark', [
          '-p',
          String(redis.port),
          '-n',
          String(REQUESTS / 2),
          '-c',
          '4',
          '-t',
          'set,get',
          '-q',
        ]),
        'redis-benchmark',
      ),
    );
  }
  if (wanted('MySQL')) {
    const db = await startMariadb();
    const login = mariadbTcpLogin(db);
    await check(
      runClient(
        'mariadb',
        login,
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40)); INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three');",
      ),
      'mariadb',
    );
    let queries = '';
    for (let i = 0; i < REQUESTS; i++) queries += `SELECT id, name FROM items WHERE id = ${(i % 3) + 1};\n`;
    out.MySQL = await record(db, () => check(runClient('mariadb', login, queries), 'mariadb'));
  }
  return out;
}

/** Every DeepFlow capture's events, grouped by the protocol the engine recognised in them. */
function deepflowByProtocol(): Record<string, SocketEventBatch[]> {
  const out: Record<string, SocketEventBatch[]> = {};
  for (const dir of readdirSync(captures, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(join(captures, dir.name)).filter((f) => f.endsWith('.pcap'))) {
      let events: SocketEvent[];
      try {
        events = [...readCaptureFile(join(captures, dir.name, file), { perspective: 'client', roles: 'first-packet' })];
      } catch {
        continue;
      }
      const seen = new Set<string>();
      const recorded = batches('pcap', events);
      replay(recorded, (r) => r.forEach((x) => seen.add(x.protocol)));
      if (seen.size !== 1) continue;
      const protocol = [...seen][0];
      (out[protocol] ??= []).push(...recorded);
    }
  }
  return out;
}

const live: Record<string, Figures> = {};
const unavailable = captureUnavailable();
if (unavailable) process.stderr.write(`live recording skipped: ${unavailable}\n`);
else for (const [protocol, recorded] of Object.entries(await recordLive())) live[protocol] = await measure(recorded);

const deepflow: Record<string, Figures> = {};
if (existsSync(captures)) {
  const byProtocol = deepflowByProtocol();
  for (const protocol of Object.keys(byProtocol).sort())
    if (wanted(protocol)) deepflow[protocol] = await measure(byProtocol[protocol]);
} else process.stderr.write(`DeepFlow captures not found at ${captures}\n`);

report('l7-parse', {
  description:
    'L7 requests (records) parsed per CPU second of one thread through L7Engine: real traffic recorded by the ebpf receiver (both ends), and DeepFlow captures',
  cpu_seconds_per_figure: SECONDS,
  target_http1_requests_per_second: 100_000,
  live_recorded: live,
  deepflow_captures: deepflow,
  ...selfUsage(),
});
