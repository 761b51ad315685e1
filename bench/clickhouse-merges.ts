// What merges cost the embedded engine, by merge_selector_base: l7-shaped spans into
// otel_traces (and its trace-id view) as the insert buffer sends them, MERGES_PARTS INSERTs of
// MERGES_ROWS rows, one every MERGES_EVERY_MS, then until no merge runs; per variant the process's
// CPU (engine threads included; the rows are made by the INSERT's own SELECT, the same work in
// every variant), merges and merged rows (system.events), and the parts left. The variants run
// one after another in databases of their own in one engine. 120 INSERTs stand for two minutes
// of the default pipeline's 1 s insert_flush_interval; merges compound over hours, so the
// difference only grows with time.
//   node --import tsx bench/clickhouse-merges.ts   (MERGES_BASES=5,20 MERGES_PARTS=120
//     MERGES_ROWS=8000 MERGES_EVERY_MS=250)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedClient, schemaStatements, storeConfigSchema } from '@flowtel/clickhouse';
import { report } from './lib/report.ts';

const BASES = (process.env.MERGES_BASES ?? '5,20').split(',').map(Number);
const PARTS = Number(process.env.MERGES_PARTS ?? 120);
const ROWS = Number(process.env.MERGES_ROWS ?? 8000);
const EVERY_MS = Number(process.env.MERGES_EVERY_MS ?? 250);
const EVENTS = ['Merge', 'MergedRows', 'MergedUncompressedBytes', 'InsertedRows'];

const dir = mkdtempSync(join(tmpdir(), 'flowtel-merges-'));
const client = EmbeddedClient.open(dir);

const text = async (sql: string) => (await client.query(sql)).toString('utf8').trim();
/** CPU seconds of this process, the engine's threads (ended ones too) included */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
async function events(): Promise<Record<string, number>> {
  const rows = await text(`SELECT event, value FROM system.events WHERE event IN (${EVENTS.map((e) => `'${e}'`)})`);
  return Object.fromEntries(rows.split('\n').map((l) => [l.split('\t')[0], Number(l.split('\t')[1])]));
}

/** A batch of the l7 processor's spans for nginx under hey, both sides, as rows of otel_traces. */
const insert = (db: string) => `INSERT INTO "${db}".otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName,
  SpanKind, ServiceName, ResourceAttributes, ScopeName, SpanAttributes, Duration, StatusCode)
SELECT now64(9) + toIntervalMicrosecond(number * 100), lower(hex(randomString(16))), lower(hex(randomString(8))), '',
  concat('GET /api/', toString(number % 50)), if(number % 2, 'Server', 'Client'), if(number % 2, 'nginx', 'hey'),
  map('host.name', 'node-1', 'process.pid', toString(1000 + number % 8), 'process.executable.name', if(number % 2, 'nginx', 'hey')),
  'flowtel.l7',
  map('http.request.method', 'GET', 'url.path', concat('/api/', toString(number % 50)), 'http.response.status_code', '200',
    'client.address', '127.0.0.1', 'client.port', toString(40000 + number % 20), 'server.port', '8080',
    'network.protocol.version', '1.1'),
  250000 + rand() % 100000, 'Unset'
FROM numbers(${ROWS})`;

async function run(base: number) {
  const db = `merges_${base}`;
  const cfg = storeConfigSchema.parse({ endpoint: `chdb://${dir}`, database: db });
  for (const s of schemaStatements(cfg, ['traces'])) await client.query(s);
  for (const t of ['otel_traces', 'otel_traces_trace_id_ts'])
    await client.query(`ALTER TABLE "${db}".${t} MODIFY SETTING merge_selector_base = ${base}`);
  const e0 = await events();
  const c0 = cpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < PARTS; i++) {
    const wait = t0 + i * EVERY_MS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await client.query(insert(db));
  }
  const inserted = cpuSeconds() - c0;
  // merges settled: none running for three looks in a row
  for (let quiet = 0; quiet < 3;) {
    await new Promise((r) => setTimeout(r, 2000));
    quiet = Number(await text('SELECT count() FROM system.merges')) === 0 ? quiet + 1 : 0;
  }
  const cpu = cpuSeconds() - c0;
  const e1 = await events();
  const parts = await text(
    `SELECT table, count() FROM system.parts WHERE active AND database = '${db}' GROUP BY table`,
  );
  const delta = (k: string) => (e1[k] ?? 0) - (e0[k] ?? 0);
  return {
    merge_selector_base: base,
    spans: PARTS * ROWS,
    cpu_seconds_inserts: Number(inserted.toFixed(2)),
    cpu_seconds_with_merges: Number(cpu.toFixed(2)),
    cpu_us_per_span: Math.round((cpu * 1e7) / (PARTS * ROWS)) / 10,
    merges: delta('Merge'),
    merged_rows: delta('MergedRows'),
    merged_rows_per_inserted_row: Math.round((delta('MergedRows') / delta('InsertedRows')) * 100) / 100,
    active_parts: Object.fromEntries(parts.split('\n').map((l) => [l.split('\t')[0], Number(l.split('\t')[1])])),
    seconds: Math.round(performance.now() - t0) / 1000,
    load_average: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

try {
  const runs = [];
  for (const base of BASES) {
    const r = await run(base);
    process.stderr.write(`[clickhouse-merges] ${JSON.stringify(r)}\n`);
    runs.push(r);
  }
  report('clickhouse-merges', {
    inserts: PARTS,
    rows_per_insert: ROWS,
    every_ms: EVERY_MS,
    runs,
    cpu_seconds: cpuSeconds(),
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
  });
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
