// ClickHouse exporter throughput: spans and log records inserted per CPU second of the flowtel
// process into the embedded engine (encoding to Native plus the engine's own insert work, both
// in this process), the encoding alone (what remote mode costs flowtel), and bytes per row on
// disk. The telemetry is generated before the measured sections; the CPU of the engine's own
// threads counts, since they run in this process.
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ack, type Batch } from '@flowtel/core';
import { attr, newLogRecord, newResource, newScope, newSpan, type Logs, type Traces } from '@flowtel/pdata';
import { createStore } from '../exporters/clickhouse/src/clickhouse.ts';
import { configSchema } from '../exporters/clickhouse/src/config.ts';
import { EmbeddedClient } from '@flowtel/clickhouse';
import { processUsage, report, selfUsage } from './lib/report.ts';
import { storeSettings } from './lib/store-rig.ts';

const BATCH = 10_000;
/** batches pushed per measurement; a few distinct ones are cycled so that the heap holds what a pipeline holds in flight */
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const DISTINCT = 4;

const SERVICES = Array.from({ length: 20 }, (_, i) => `service-${i}`);
const ROUTES = Array.from({ length: 50 }, (_, i) => `/api/v1/resource-${i}/{id}`);
let seq = 1;
const randomId = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (Math.random() * 256) | 0;
  b[0] = seq++ & 0xff;
  return b;
};

function tracesBatch(t0: bigint): Traces {
  const perResource = BATCH / SERVICES.length;
  return {
    resourceSpans: SERVICES.map((service, s) => ({
      resource: newResource([
        attr('service.name', service),
        attr('service.version', '1.4.2'),
        attr('host.name', `node-${s % 4}`),
        attr('k8s.pod.name', `${service}-7d9f-${s}`),
        attr('k8s.namespace.name', 'shop'),
      ]),
      schemaUrl: '',
      scopeSpans: [
        {
          scope: newScope('flowtel.l7', '0.1.0'),
          schemaUrl: '',
          spans: Array.from({ length: perResource }, (_, i) => {
            const start = t0 + BigInt(i) * 1_000_000n;
            const route = ROUTES[(i * 7 + s) % ROUTES.length];
            return newSpan({
              traceId: randomId(16),
              spanId: randomId(8),
              parentSpanId: i % 3 === 0 ? new Uint8Array(0) : randomId(8),
              name: `GET ${route}`,
              kind: i % 2 === 0 ? 2 : 3,
              startTimeUnixNano: start,
              endTimeUnixNano: start + BigInt(200_000 + ((i * 7919) % 5_000_000)),
              attributes: [
                attr('http.request.method', 'GET'),
                attr('http.route', route),
                attr('url.path', route.replace('{id}', String(i))),
                attr('http.response.status_code', i % 50 === 0 ? 500 : 200),
                attr('server.address', '10.1.2.3'),
                attr('server.port', 8080),
                attr('client.address', `10.9.${s}.${i % 250}`),
                attr('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) flowtel-bench'),
              ],
              events:
                i % 10 === 0
                  ? [
                      {
                        timeUnixNano: start + 1000n,
                        name: 'exception',
                        attributes: [attr('exception.type', 'Timeout')],
                        droppedAttributesCount: 0,
                      },
                    ]
                  : [],
              status: { code: i % 50 === 0 ? 2 : 0, message: i % 50 === 0 ? 'Internal Server Error' : '' },
            });
          }),
        },
      ],
    })),
  };
}

function logsBatch(t0: bigint): Logs {
  const perResource = BATCH / SERVICES.length;
  return {
    resourceLogs: SERVICES.map((service, s) => ({
      resource: newResource([
        attr('service.name', service),
        attr('host.name', `node-${s % 4}`),
        attr('k8s.namespace.name', 'shop'),
      ]),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: newScope('app', '1.0'),
          schemaUrl: '',
          logRecords: Array.from({ length: perResource }, (_, i) =>
            newLogRecord({
              timeUnixNano: t0 + BigInt(i) * 1_000_000n,
              severityNumber: i % 20 === 0 ? 17 : 9,
              severityText: i % 20 === 0 ? 'ERROR' : 'INFO',
              body: {
                stringValue: `request ${i} for ${ROUTES[i % ROUTES.length]} served in ${(i * 37) % 900} ms by worker ${i % 16}`,
              },
              attributes: [
                attr('http.route', ROUTES[i % ROUTES.length]),
                attr('worker', i % 16),
                attr('duration_ms', (i * 37) % 900),
                attr('tenant', `t-${i % 40}`),
              ],
              traceId: randomId(16),
              spanId: randomId(8),
            }),
          ),
        },
      ],
    })),
  };
}

const batchOf = (signal: 'traces' | 'logs', data: Traces | Logs): Batch =>
  ({ signal, data, items: BATCH, ack: Ack.none() }) as Batch;

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** New ids, so that cycled batches are not repeats the engine compresses away (outside the timing). */
function refreshIds(batch: Batch): void {
  if (batch.signal === 'traces') {
    for (const rs of batch.data.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          randomFillSync(span.traceId);
          randomFillSync(span.spanId);
        }
  } else if (batch.signal === 'logs') {
    for (const rl of batch.data.resourceLogs)
      for (const sl of rl.scopeLogs) for (const r of sl.logRecords) randomFillSync(r.traceId);
  }
}

async function measure(label: string, batches: Batch[], run: (b: Batch) => Promise<unknown> | unknown) {
  for (const b of batches) await run(b);
  let cpuSeconds = 0;
  let wall = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const batch = batches[i % batches.length];
    refreshIds(batch);
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    await run(batch);
    wall += Number(process.hrtime.bigint() - t) / 1e9;
    cpuSeconds += cpuSince(cpu);
  }
  const items = ROUNDS * BATCH;
  process.stderr.write(
    `[clickhouse-insert] ${label}: ${items} items, ${cpuSeconds.toFixed(2)} cpu s, ${wall.toFixed(2)} s\n`,
  );
  return { items, per_cpu_second: Math.round(items / cpuSeconds), per_second: Math.round(items / wall) };
}

/** A ClickHouse HTTP endpoint served by chdb in a child process: remote mode without a server package. */
async function startRemoteEngine(folder: string): Promise<{ port: number; pid: number; stop: () => void }> {
  const script = join(import.meta.dirname, '../packages/clickhouse/test/serve-chdb.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, folder], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    const m = /listening (\d+)/.exec(out);
    if (m) return { port: Number(m[1]), pid: child.pid!, stop: () => child.kill('SIGTERM') };
  }
  throw new Error(`the chdb HTTP server did not start: ${out}`);
}

async function bytesPerRow(folder: string, table: string) {
  const client = EmbeddedClient.open(folder);
  try {
    await client.query(`OPTIMIZE TABLE otel.${table} FINAL`);
    const text = (
      await client.query(
        `SELECT sum(rows), sum(bytes_on_disk), sum(data_uncompressed_bytes) FROM system.parts WHERE database = 'otel' AND table = '${table}' AND active`,
      )
    )
      .toString()
      .trim();
    const [rows, disk, raw] = text.split('\t').map(Number);
    return {
      rows,
      bytes_per_row_on_disk: Number((disk / rows).toFixed(1)),
      uncompressed_bytes_per_row: Number((raw / rows).toFixed(1)),
    };
  } finally {
    await client.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-ch-'));
try {
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const spanBatches = Array.from({ length: DISTINCT }, (_, i) =>
    batchOf('traces', tracesBatch(t0 + BigInt(i) * 10_000_000_000n)),
  );
  const logBatches = Array.from({ length: DISTINCT }, (_, i) =>
    batchOf('logs', logsBatch(t0 + BigInt(i) * 10_000_000_000n)),
  );
  const settings = storeSettings(dir);
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });
  const exporter = createStore(settings, cfg, ['traces', 'logs']);
  await exporter.open();
  const encodeSpans = await measure('encode spans', spanBatches, (b) =>
    exporter.encode(b).forEach((block) => block.release()),
  );
  const insertSpans = await measure('encode+insert spans (embedded)', spanBatches, (b) => exporter.write(b));
  const encodeLogs = await measure('encode logs', logBatches, (b) =>
    exporter.encode(b).forEach((block) => block.release()),
  );
  const insertLogs = await measure('encode+insert logs (embedded)', logBatches, (b) => exporter.write(b));
  await exporter.close();

  const remote = await startRemoteEngine(join(dir, 'remote'));
  const remoteFigures: Record<string, number> = {};
  try {
    for (const compress of ['none', 'lz4', 'gzip'] as const) {
      const remoteCfg = configSchema.parse({
        endpoint: `http://127.0.0.1:${remote.port}`,
        database: `otel_${compress}`,
        compress,
        async_insert: false,
        timeout: '60s',
      });
      const remoteExporter = createStore(settings, remoteCfg, ['traces']);
      await remoteExporter.open();
      const before = await processUsage(remote.pid);
      const spansRemote = await measure(`encode+send spans over HTTP (compress ${compress})`, spanBatches, (b) =>
        remoteExporter.write(b),
      );
      const after = await processUsage(remote.pid);
      await remoteExporter.close();
      remoteFigures[`spans_per_cpu_second_remote_${compress}`] = spansRemote.per_cpu_second;
      remoteFigures[`remote_engine_spans_per_cpu_second_${compress}`] = Math.round(
        spansRemote.items / (after.cpu_seconds - before.cpu_seconds),
      );
    }
  } finally {
    remote.stop();
  }

  const traces = await bytesPerRow(join(dir, 'store'), 'otel_traces');
  const logs = await bytesPerRow(join(dir, 'store'), 'otel_logs');
  report('clickhouse-insert', {
    batch_size: BATCH,
    spans_per_cpu_second_embedded: insertSpans.per_cpu_second,
    spans_per_second_embedded: insertSpans.per_second,
    spans_per_cpu_second_encode_only: encodeSpans.per_cpu_second,
    ...remoteFigures,
    log_records_per_cpu_second_embedded: insertLogs.per_cpu_second,
    log_records_per_second_embedded: insertLogs.per_second,
    log_records_per_cpu_second_encode_only: encodeLogs.per_cpu_second,
    otel_traces_bytes_per_row_on_disk: traces.bytes_per_row_on_disk,
    otel_traces_uncompressed_bytes_per_row: traces.uncompressed_bytes_per_row,
    otel_logs_bytes_per_row_on_disk: logs.bytes_per_row_on_disk,
    otel_logs_uncompressed_bytes_per_row: logs.uncompressed_bytes_per_row,
    target_spans_per_cpu_second: 200_000,
    ...selfUsage(),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
