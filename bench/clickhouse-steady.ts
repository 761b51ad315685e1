// The embedded store at steady state: rows per CPU second into chdb, table by table, with a
// batch every 200 ms (what the batch processor sends at its default timeout) for
// STEADY_SECONDS (default 60) at STEADY_RATE rows/s (default 10,000), merges included. The
// process's CPU time covers the engine's threads (chdb runs in this process). Each table runs
// twice: every batch its own INSERT (insert_flush_interval 0, as before the insert buffer) and
// through the store's insert buffer (insert_flush_interval STEADY_FLUSH, default 1s). Where the CPU went comes from
// the engine's own counters (system.events deltas: insert query time, parts written, skip index
// calculation, merges, fsyncs) and system.parts. DeepFlow's anchor: 200,000 rows/s at 0.11
// cores of ClickHouse, i.e. ~1.8M rows per CPU second.
//   STEADY_TABLES=l7,traces,logs,metrics STEADY_MODES=each,buffered npx tsx bench/clickhouse-steady.ts
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Ack, type Batch } from '@flowtel/core';
import { L7_SCOPE_NAME } from '@flowtel/core/smartencoding';
import {
  attr,
  newLogRecord,
  newResource,
  newScope,
  newSpan,
  type Logs,
  type Metrics,
  type Traces,
} from '@flowtel/pdata';
import { ClickHouseStore, EmbeddedClient, storeConfigSchema } from '@flowtel/clickhouse';
import { report } from './lib/report.ts';

const SECONDS = Number(process.env.STEADY_SECONDS ?? 60);
const RATE = Number(process.env.STEADY_RATE ?? 10_000);
const EVERY_MS = 200;
const PER_BATCH = Math.round((RATE * EVERY_MS) / 1000);
/** the exporter queue's defaults: num_consumers batches written at once, queue_size waiting */
const CONSUMERS = 10;
const QUEUE_SIZE = 1000;
const TABLES = (process.env.STEADY_TABLES ?? 'l7,traces,logs,metrics').split(',');
const MODES = (process.env.STEADY_MODES ?? 'each,buffered').split(',');
const FLUSH = process.env.STEADY_FLUSH ?? '1s';

const rnd = (n: number) => randomFillSync(new Uint8Array(n));
const PROCS = Array.from({ length: 8 }, (_, i) =>
  newResource([
    attr('service.name', `svc-${i}`),
    attr('host.name', 'node-1'),
    attr('process.pid', 1000 + i),
    attr('process.executable.name', i % 2 ? 'nginx' : 'node'),
  ]),
);
const ROUTES = Array.from({ length: 50 }, (_, i) => `/api/v1/item-${i}`);

function l7Batch(t0: bigint): Logs {
  return {
    resourceLogs: PROCS.map((resource, p) => ({
      resource,
      schemaUrl: '',
      scopeLogs: [
        {
          scope: newScope(L7_SCOPE_NAME, '0.1.0'),
          schemaUrl: '',
          logRecords: Array.from({ length: PER_BATCH / PROCS.length }, (_, i) =>
            newLogRecord({
              timeUnixNano: t0 + BigInt(i) * 100_000n,
              traceId: rnd(16),
              spanId: rnd(8),
              attributes: [
                attr('l7_protocol_str', 'HTTP'),
                attr('version', '1.1'),
                attr('ip_0', `10.0.${p}.${i % 250}`),
                attr('ip_1', '10.0.9.1'),
                attr('client_port', 30000 + (i % 30000)),
                attr('server_port', 80),
                attr('protocol', 6),
                attr('http.request.method', 'GET'),
                attr('request_domain', 'shop.local'),
                attr('request_resource', ROUTES[i % ROUTES.length]),
                attr('endpoint', ROUTES[i % ROUTES.length]),
                attr('response_status', i % 100 === 0 ? 3 : 0),
                attr('response_code', i % 100 === 0 ? 500 : 200),
                attr('response_duration', 200 + ((i * 7919) % 5000)),
                attr('request_length', 120),
                attr('response_length', 615),
                attr('process_id_1', 1000 + p),
                attr('process_kname_1', 'nginx'),
                attr('tap_side', 's-p'),
              ],
            }),
          ),
        },
      ],
    })),
  };
}

function tracesBatch(t0: bigint): Traces {
  return {
    resourceSpans: PROCS.map((resource) => ({
      resource,
      schemaUrl: '',
      scopeSpans: [
        {
          scope: newScope(L7_SCOPE_NAME, '0.1.0'),
          schemaUrl: '',
          spans: Array.from({ length: PER_BATCH / PROCS.length }, (_, i) => {
            const start = t0 + BigInt(i) * 100_000n;
            return newSpan({
              traceId: rnd(16),
              spanId: rnd(8),
              name: `GET ${ROUTES[i % ROUTES.length]}`,
              kind: 2,
              startTimeUnixNano: start,
              endTimeUnixNano: start + BigInt(200_000 + ((i * 7919) % 5_000_000)),
              attributes: [
                attr('http.request.method', 'GET'),
                attr('url.path', ROUTES[i % ROUTES.length]),
                attr('http.response.status_code', 200),
                attr('server.port', 80),
                attr('client.address', `10.0.0.${i % 250}`),
              ],
            });
          }),
        },
      ],
    })),
  };
}

function logsBatch(t0: bigint): Logs {
  return {
    resourceLogs: PROCS.map((resource) => ({
      resource,
      schemaUrl: '',
      scopeLogs: [
        {
          scope: newScope('app', '1.0'),
          schemaUrl: '',
          logRecords: Array.from({ length: PER_BATCH / PROCS.length }, (_, i) =>
            newLogRecord({
              timeUnixNano: t0 + BigInt(i) * 100_000n,
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: `request ${i} for ${ROUTES[i % ROUTES.length]} served in ${(i * 37) % 900} ms` },
              attributes: [attr('http.route', ROUTES[i % ROUTES.length]), attr('worker', i % 16)],
              traceId: rnd(16),
              spanId: rnd(8),
            }),
          ),
        },
      ],
    })),
  };
}

/** RED metrics as the l7 processor makes them: a third each of gauges, sums and histograms. */
function metricsBatch(t0: bigint): Metrics {
  const n = PER_BATCH / PROCS.length / 3;
  const point = (i: number) => ({
    attributes: [attr('http.route', ROUTES[i % ROUTES.length]), attr('http.response.status_code', 200)],
    startTimeUnixNano: t0 - 1_000_000_000n,
    timeUnixNano: t0 + BigInt(i),
    exemplars: [],
    flags: 0,
  });
  return {
    resourceMetrics: PROCS.map((resource) => ({
      resource,
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: newScope(L7_SCOPE_NAME, '0.1.0'),
          schemaUrl: '',
          metrics: [
            {
              name: 'l7.connections',
              description: '',
              unit: '1',
              metadata: [],
              gauge: { dataPoints: Array.from({ length: n }, (_, i) => ({ ...point(i), asInt: BigInt(i) })) },
            },
            {
              name: 'l7.requests',
              description: '',
              unit: '1',
              metadata: [],
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: Array.from({ length: n }, (_, i) => ({ ...point(i), asInt: BigInt(i) })),
              },
            },
            {
              name: 'l7.duration',
              description: '',
              unit: 's',
              metadata: [],
              histogram: {
                aggregationTemporality: 2,
                dataPoints: Array.from({ length: n }, (_, i) => ({
                  ...point(i),
                  count: 10n,
                  sum: 1.5,
                  bucketCounts: [1n, 2n, 3n, 4n, 0n],
                  explicitBounds: [0.005, 0.01, 0.1, 1],
                  min: 0.001,
                  max: 0.9,
                })),
              },
            },
          ],
        },
      ],
    })),
  };
}

const MAKE: Record<
  string,
  { signal: 'logs' | 'traces' | 'metrics'; make: (t0: bigint) => Logs | Traces | Metrics; tables: string[] }
> = {
  l7: { signal: 'logs', make: l7Batch, tables: ['l7_flow_log'] },
  traces: { signal: 'traces', make: tracesBatch, tables: ['otel_traces', 'otel_traces_trace_id_ts'] },
  logs: { signal: 'logs', make: logsBatch, tables: ['otel_logs'] },
  metrics: {
    signal: 'metrics',
    make: metricsBatch,
    tables: ['otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram'],
  },
};

const EVENTS = [
  'InsertQuery',
  'InsertQueryTimeMicroseconds',
  'InsertedRows',
  'MergeTreeDataWriterBlocks',
  'MergeTreeDataWriterSkipIndicesCalculationMicroseconds',
  'MergeTreeDataWriterSortingBlocksMicroseconds',
  'MergeTreeDataWriterCompressedBytes',
  'Merge',
  'MergedRows',
  'MergeTotalMilliseconds',
  'FileSync',
  'FileSyncElapsedMicroseconds',
  'FileOpen',
  'UserTimeMicroseconds',
  'SystemTimeMicroseconds',
];

async function events(client: EmbeddedClient): Promise<Record<string, number>> {
  const text = (
    await client.query(
      `SELECT event, value FROM system.events WHERE event IN (${EVENTS.map((e) => `'${e}'`).join(',')})`,
    )
  ).toString();
  const out: Record<string, number> = Object.fromEntries(EVENTS.map((e) => [e, 0]));
  for (const line of text.trim().split('\n')) {
    const [k, v] = line.split('\t');
    if (k) out[k] = Number(v);
  }
  return out;
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function run(kind: string, mode: string) {
  const spec = MAKE[kind];
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-steady-'));
  try {
    const cfg = storeConfigSchema.parse({
      endpoint: 'chdb://./store',
      insert_flush_interval: mode === 'buffered' ? FLUSH : 0,
    });
    const store = new ClickHouseStore(cfg, {
      configDir: dir,
      logger: pino({ level: 'warn' }),
      signals: [spec.signal],
      dictionaries: () => undefined,
    });
    await store.open();
    const client = EmbeddedClient.open(join(dir, 'store'));
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const batches = Array.from({ length: 8 }, (_, i) => spec.make(t0 + BigInt(i) * 1_000_000_000n));
    const batchOf = (data: Logs | Traces | Metrics) =>
      ({ signal: spec.signal, data, items: PER_BATCH, ack: Ack.none() }) as Batch;
    // the JS side's share: encoding a batch to Native blocks, measured apart
    const encodeCpu0 = cpu();
    for (let i = 0; i < 20; i++) for (const b of store.encode(batchOf(batches[i % batches.length]))) b.release();
    const encodeUsPerRow = ((cpu() - encodeCpu0) * 1e6) / (20 * PER_BATCH);
    const ev0 = await events(client);
    const cpu0 = cpu();
    const wall0 = performance.now();
    let offered = 0;
    let written = 0;
    let refused = 0;
    let maxQueued = 0;
    // the exporter's queue: batches wait here, CONSUMERS of them are written at a time
    const queue: Batch[] = [];
    let producing = true;
    const idle: Array<() => void> = [];
    const consumer = async () => {
      for (;;) {
        const batch = queue.shift();
        if (!batch) {
          if (!producing) return;
          await new Promise<void>((r) => idle.push(r));
          continue;
        }
        await store.write(batch);
        written += batch.items;
      }
    };
    const consumers = Array.from({ length: CONSUMERS }, consumer);
    for (let tick = 0; tick < (SECONDS * 1000) / EVERY_MS; tick++) {
      const wait = wall0 + tick * EVERY_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      offered += PER_BATCH;
      if (queue.length >= QUEUE_SIZE) refused += PER_BATCH;
      else queue.push(batchOf(batches[tick % batches.length]));
      maxQueued = Math.max(maxQueued, queue.length);
      idle.shift()?.();
    }
    producing = false;
    for (const w of idle.splice(0)) w();
    await Promise.all(consumers);
    const wall = (performance.now() - wall0) / 1000;
    const cpuSeconds = cpu() - cpu0;
    const ev1 = await events(client);
    const d = Object.fromEntries(EVENTS.map((e) => [e, ev1[e] - ev0[e]]));
    const parts = (
      await client.query(
        `SELECT count(), sum(rows) FROM system.parts WHERE database = 'otel' AND active AND table IN (${spec.tables.map((t) => `'${t}'`).join(',')})`,
      )
    )
      .toString()
      .trim()
      .split('\t')
      .map(Number);
    await client.close();
    await store.close();
    const figures = {
      table: kind,
      mode,
      insert_flush_interval: mode === 'buffered' ? FLUSH : 0,
      seconds: Number(wall.toFixed(1)),
      offered_rows: offered,
      written_rows: written,
      refused_rows: refused,
      max_batches_queued: maxQueued,
      encode_cpu_us_per_row: Number(encodeUsPerRow.toFixed(2)),
      cpu_seconds: Number(cpuSeconds.toFixed(2)),
      cores: Number((cpuSeconds / wall).toFixed(3)),
      rows_per_cpu_second: Math.round(written / cpuSeconds),
      inserts: d.InsertQuery,
      parts_written: d.MergeTreeDataWriterBlocks,
      active_parts_at_end: parts[0],
      insert_query_seconds: Number((d.InsertQueryTimeMicroseconds / 1e6).toFixed(2)),
      skip_index_seconds: Number((d.MergeTreeDataWriterSkipIndicesCalculationMicroseconds / 1e6).toFixed(2)),
      sorting_seconds: Number((d.MergeTreeDataWriterSortingBlocksMicroseconds / 1e6).toFixed(2)),
      merges: d.Merge,
      merged_rows: d.MergedRows,
      merge_seconds: Number((d.MergeTotalMilliseconds / 1000).toFixed(2)),
      fsyncs: d.FileSync,
      fsync_seconds: Number((d.FileSyncElapsedMicroseconds / 1e6).toFixed(2)),
      files_opened: d.FileOpen,
      engine_query_thread_cpu_seconds: Number(((d.UserTimeMicroseconds + d.SystemTimeMicroseconds) / 1e6).toFixed(2)),
      load_average: loadavg().map((l) => Number(l.toFixed(2))),
    };
    process.stderr.write(`[clickhouse-steady] ${JSON.stringify(figures)}\n`);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const kind of TABLES) for (const mode of MODES) results.push(await run(kind, mode));
const peak = process.resourceUsage().maxRSS / 1024;
report('clickhouse-steady', {
  seconds_each: SECONDS,
  offered_rows_per_second: RATE,
  batch_every_ms: EVERY_MS,
  runs: results,
  peak_rss_mib: Math.round(peak),
  deepflow_anchor_rows_per_cpu_second: Math.round(200_000 / 0.11),
});
