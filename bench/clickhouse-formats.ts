// Which insert format the engine takes fastest: the same spans as Native, RowBinary and
// ArrowStream (payloads produced by the engine itself from one table), each inserted into an
// empty otel_traces table, CPU of this process (the embedded engine) per row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ack, type Batch } from '@flowtel/core';
import { createStore } from '../exporters/clickhouse/src/clickhouse.ts';
import { configSchema } from '../exporters/clickhouse/src/config.ts';
import { EmbeddedClient, schemaStatements } from '@flowtel/clickhouse';
import { report, selfUsage } from './lib/report.ts';
import { requestSpans, storeSettings } from './lib/store-rig.ts';

const ROWS = 50_000;
const REPEAT = Number(process.env.REPEAT ?? 5);
const FORMATS = ['Native', 'RowBinary', 'ArrowStream'] as const;
const COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
];

const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-fmt-'));
try {
  const settings = storeSettings(dir);
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });
  const exporter = createStore(settings, cfg, ['traces']);
  await exporter.open();
  await exporter.write({ signal: 'traces', data: requestSpans(ROWS), items: ROWS, ack: Ack.none() } as Batch);
  await exporter.close();

  const client = EmbeddedClient.open(join(dir, 'store'));
  const figures: Record<string, number> = {};
  try {
    const ddl = schemaStatements(configSchema.parse({ database: 'fmt' }), ['traces']).filter(
      (s) => !s.includes('MATERIALIZED VIEW'),
    );
    for (const s of ddl) await client.query(s);
    const cols = COLUMNS.map((c) => `\`${c}\``).join(', ');
    for (const format of FORMATS) {
      const payload = await client.query(`SELECT ${cols} FROM otel.otel_traces`, format);
      let cpu = 0;
      for (let r = 0; r < REPEAT; r++) {
        await client.query('TRUNCATE TABLE fmt.otel_traces');
        const start = process.cpuUsage();
        await client.insertRaw(`INSERT INTO fmt.otel_traces (${cols}) FORMAT ${format}`, payload);
        const d = process.cpuUsage(start);
        cpu += (d.user + d.system) / 1e6;
      }
      const count = Number((await client.query('SELECT count() FROM fmt.otel_traces')).toString().trim());
      if (count !== ROWS) throw new Error(`${format}: ${count} rows arrived of ${ROWS}`);
      figures[`${format.toLowerCase()}_rows_per_cpu_second`] = Math.round((ROWS * REPEAT) / cpu);
      figures[`${format.toLowerCase()}_payload_bytes_per_row`] = Number((payload.length / ROWS).toFixed(1));
      process.stderr.write(
        `[clickhouse-formats] ${format}: ${(cpu / REPEAT).toFixed(3)} cpu s per ${ROWS} rows, ${payload.length} bytes\n`,
      );
    }
  } finally {
    await client.close();
  }
  report('clickhouse-formats', { rows: ROWS, repeat: REPEAT, ...figures, ...selfUsage() });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
