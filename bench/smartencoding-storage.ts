// SmartEncoding on the real engine (chdb): the same synthetic request logs stored three ways,
// with every tag as String, as LowCardinality(String), and as SmartEncoding ids beside the
// dictionary table. Figures: bytes on disk (all columns, and the tag columns alone), the CPU
// of building the Native blocks (flowtel) and of the engine taking them (chdb runs in this
// process, so its threads count while an INSERT is awaited), and a RED query per service over
// the last hour filtered on a pod label. ROWS (default 10,000,000) sets the size. Beside the
// SmartEncoding table, two tables hold the same rows' ids in other layouts, bytes only: the
// ids renumbered 1, 2, 3 per kind as UInt32 CODEC(T64, ZSTD(1)) (the single-collector scheme
// before ids were content-derived), and the 64-bit ids as plain UInt64 with ZSTD.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createNoopMeter } from '@opentelemetry/api';
import { pino } from 'pino';
import { Ack, type LogsBatch } from '@flowtel/core';
import { TAG_DICTIONARY } from '@flowtel/core/smartencoding';
import { testHost } from '@flowtel/testkit';
import { attr, newLogRecord, newResource, newScope, type KeyValue, type Logs } from '@flowtel/pdata';
import {
  FixedColumn,
  StringColumn,
  StringMapColumn,
  encodeBlock,
  type NativeColumn,
} from '../packages/clickhouse/src/native.ts';
import { factory, type TagDictionary } from '../processors/smartencoding/src/index.ts';
import {
  DictionarySync,
  ROW_KINDS,
  idColumn,
  idColumnDefinitions,
  requiredVersion,
  resourceIds,
  translateTagNames,
} from '@flowtel/clickhouse';
import type { SmartEncodingProcessor } from '../processors/smartencoding/src/smartencoding.ts';
import { openEngine, type Engine } from '../processors/smartencoding/test/chdb.ts';
import { report, selfUsage } from './lib/report.ts';

const ROWS = Number(process.env.ROWS ?? 10_000_000);
const BATCH = 50_000;
const DB = 'bench';
const SPAN_SECONDS = 6 * 3600;
const T0 = 1_763_900_000;

// ---- the synthetic cluster: hundreds of pods, tens of services, 5–20 labels per pod ----

let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
const word = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');

const NAMESPACES = Array.from({ length: 12 }, (_, i) => `team-${word(5)}-${i}`);
const NODES = Array.from(
  { length: 20 },
  (_, i) => `ip-10-0-${i}-${Math.floor(rand() * 250)}.eu-west-1.compute.internal`,
);
const TEAMS = ['payments', 'storefront', 'search', 'identity', 'logistics', 'data', 'platform', 'ads'];
const SERVICES = Array.from({ length: 40 }, (_, i) => `${word(6)}-svc-${i}`);
const PROTOCOLS = ['HTTP', 'HTTP', 'HTTP', 'gRPC', 'MySQL', 'Redis'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const ENDPOINTS = Array.from({ length: 60 }, (_, i) => `/api/v${1 + (i % 3)}/${word(6)}/{id}`);

interface Proc {
  resource: KeyValue[];
  tags: Record<string, string>;
  labels: Array<[string, string]>;
}

function cluster(): Proc[] {
  const procs: Proc[] = [];
  for (let w = 0; w < 120; w++) {
    const namespace = NAMESPACES[w % NAMESPACES.length];
    const workload = `${word(7)}-${w}`;
    const service = SERVICES[w % SERVICES.length];
    const team = TEAMS[w % TEAMS.length];
    const hash = hex(10);
    const version = `1.${w % 7}.${w % 13}`;
    const labelCount = 5 + (w % 16);
    for (let r = 0; r < 3 + (w % 2); r++) {
      const pod = `${workload}-${hash}-${word(5)}`;
      const labels: Array<[string, string]> = [
        ['app', workload],
        ['app.kubernetes.io/name', workload],
        ['app.kubernetes.io/part-of', team],
        ['app.kubernetes.io/version', version],
        ['pod-template-hash', hash],
      ];
      for (let k = labels.length; k < labelCount; k++) labels.push([`example.com/${word(6)}-${k}`, word(8 + (k % 9))]);
      const node = pick(NODES);
      const container = hex(64);
      const podUid = `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
      for (let p = 0; p < 1 + (r % 2); p++) {
        const pid = 1 + Math.floor(rand() * 60_000);
        const comm = p === 0 ? workload.slice(0, 15) : 'envoy';
        const cmdline =
          p === 0
            ? `/usr/local/bin/${workload} --config /etc/${workload}/config.yaml --port 8080 --log-level info`
            : '/usr/local/bin/envoy -c /etc/envoy/envoy.yaml --service-cluster proxy';
        const tags: Record<string, string> = {
          'service.name': workload,
          'host.name': node,
          'process.pid': String(pid),
          'process.executable.name': comm,
          'process.command_line': cmdline,
          'container.id': container,
          'k8s.pod.name': pod,
          'k8s.pod.uid': podUid,
          'k8s.namespace.name': namespace,
          'k8s.node.name': node,
          'k8s.deployment.name': workload,
          'k8s.service.name': service,
        };
        const resource = Object.entries(tags).map(([k, v]) => (k === 'process.pid' ? attr(k, pid) : attr(k, v)));
        for (const [k, v] of labels) resource.push(attr(`k8s.pod.label.${k}`, v));
        procs.push({ resource, tags, labels });
      }
    }
  }
  return procs;
}

const PROCS = cluster();
const PODS = new Set(PROCS.map((p) => p.tags['k8s.pod.name'])).size;

// ---- one batch of request logs, grouped by the process that captured them ----

function batch(first: number, n: number): Logs {
  const byProc = new Map<number, ReturnType<typeof newLogRecord>[]>();
  for (let i = 0; i < n; i++) {
    const row = first + i;
    const p = Math.floor(PROCS.length * rand() ** 2);
    const status = rand() < 0.03 ? 3 : 0;
    const record = newLogRecord({
      timeUnixNano: BigInt(T0 + Math.floor((row * SPAN_SECONDS) / ROWS)) * 1_000_000_000n,
      attributes: [
        attr('l7_protocol_str', pick(PROTOCOLS)),
        attr('request_type', pick(METHODS)),
        attr('endpoint', pick(ENDPOINTS)),
        attr('response_status', status),
        attr('response_duration', 200 + Math.floor(rand() * rand() * 200_000)),
      ],
    });
    let list = byProc.get(p);
    if (!list) byProc.set(p, (list = []));
    list.push(record);
  }
  return {
    resourceLogs: [...byProc].map(([p, logRecords]) => ({
      resource: newResource(PROCS[p].resource),
      schemaUrl: '',
      scopeLogs: [{ scope: newScope('flowtel.l7', '0.1.0'), schemaUrl: '', logRecords }],
    })),
  };
}

// ---- the three tables ----

const COMMON = `
    time DateTime CODEC(DoubleDelta, ZSTD(1)),
    l7_protocol_str LowCardinality(String),
    request_type LowCardinality(String),
    endpoint String CODEC(ZSTD(1)),
    response_status UInt8,
    response_duration UInt64 CODEC(ZSTD(1))`;
/** The tag columns of the String and LowCardinality tables: resource attribute → column. */
const TAG_COLUMNS: Array<[string, string]> = [
  ['app_service', 'service.name'],
  ['host', 'host.name'],
  ['pid', 'process.pid'],
  ['process_name', 'process.executable.name'],
  ['process_cmdline', 'process.command_line'],
  ['container_id', 'container.id'],
  ['pod', 'k8s.pod.name'],
  ['pod_uid', 'k8s.pod.uid'],
  ['namespace', 'k8s.namespace.name'],
  ['node', 'k8s.node.name'],
  ['workload', 'k8s.deployment.name'],
  ['service', 'k8s.service.name'],
];
// wide parts from the first byte, so system.parts_columns has every column's size
const STORAGE =
  'ENGINE = MergeTree PARTITION BY toStartOfHour(time) ORDER BY time SETTINGS min_bytes_for_wide_part = 0';

type Variant = 'string' | 'lowcardinality' | 'smartencoding';
const LAYOUTS: IdLayout[] = ['numbered_u32', 'hashed_u64_zstd'];
const VARIANTS: Variant[] = ['string', 'lowcardinality', 'smartencoding'];
const TAG_COLUMN_NAMES: Record<Variant, string[]> = {
  string: [...TAG_COLUMNS.map(([c]) => c), 'labels'],
  lowcardinality: [...TAG_COLUMNS.map(([c]) => c), 'labels'],
  smartencoding: ROW_KINDS.map((k) => idColumn(k)),
};

/** The columns every variant shares, alone: what storing a request costs without its tags. */
const BASELINE_DDL = `CREATE TABLE ${DB}.t_baseline (${COMMON}\n) ${STORAGE}`;

function baselineBlock(logs: Logs, rows: number): { columns: string[]; data: Buffer[] } {
  const common = commonColumns(rows);
  for (const rl of logs.resourceLogs)
    for (const sl of rl.scopeLogs) for (const r of sl.logRecords) writeCommon(common, r);
  const cols = commonList(common);
  return { columns: cols.map((c) => c.name), data: encodeBlock(cols, rows) };
}

/** The same ids in other layouts, for their bytes: see ID_LAYOUTS. */
const ID_LAYOUTS = {
  numbered_u32: 'UInt32 CODEC(T64, ZSTD(1))',
  hashed_u64_zstd: 'UInt64 CODEC(ZSTD(1))',
} as const;
type IdLayout = keyof typeof ID_LAYOUTS;
const layoutDdl = (l: IdLayout) =>
  `CREATE TABLE ${DB}.t_${l} (${COMMON},\n    ${ROW_KINDS.map((k) => `${idColumn(k)} ${ID_LAYOUTS[l]}`).join(',\n    ')}\n) ${STORAGE}`;

function ddl(v: Variant): string {
  if (v === 'smartencoding')
    return `CREATE TABLE ${DB}.t_${v} (${COMMON},\n    ${idColumnDefinitions().join(',\n    ')}\n) ${STORAGE}, allow_suspicious_low_cardinality_types = 1`;
  const s = v === 'string' ? 'String CODEC(ZSTD(1))' : 'LowCardinality(String)';
  const map =
    v === 'string' ? 'Map(String, String) CODEC(ZSTD(1))' : 'Map(LowCardinality(String), LowCardinality(String))';
  return `CREATE TABLE ${DB}.t_${v} (${COMMON},\n    ${TAG_COLUMNS.map(([c]) => `${c} ${s}`).join(',\n    ')},\n    labels ${map}\n) ${STORAGE}`;
}

// ---- building Native blocks: what an exporter does per row ----

interface Common {
  time: FixedColumn;
  protocol: StringColumn;
  method: StringColumn;
  endpoint: StringColumn;
  status: FixedColumn;
  duration: FixedColumn;
}
const commonColumns = (n: number): Common => ({
  time: new FixedColumn('time', 'DateTime', n, 4),
  protocol: new StringColumn('l7_protocol_str', n),
  method: new StringColumn('request_type', n),
  endpoint: new StringColumn('endpoint', n),
  status: new FixedColumn('response_status', 'UInt8', n, 1),
  duration: new FixedColumn('response_duration', 'UInt64', n, 8),
});

function writeCommon(c: Common, r: ReturnType<typeof newLogRecord>): void {
  // Number() of the bigint allocates nothing; a bigint division would
  c.time.w.u32(Math.floor(Number(r.timeUnixNano) / 1e9));
  const a = r.attributes;
  c.protocol.w.string((a[0].value as { stringValue: string }).stringValue);
  c.method.w.string((a[1].value as { stringValue: string }).stringValue);
  c.endpoint.w.string((a[2].value as { stringValue: string }).stringValue);
  c.status.w.u8(Number((a[3].value as { intValue: bigint }).intValue));
  c.duration.w.u64n(Number((a[4].value as { intValue: bigint }).intValue));
}

const commonList = (c: Common): NativeColumn[] => [c.time, c.protocol, c.method, c.endpoint, c.status, c.duration];

const LABEL_PREFIX = 'k8s.pod.label.';

/** String and LowCardinality tables take the same block: every tag of every row, as text. */
function stringBlock(logs: Logs, rows: number): { columns: string[]; data: Buffer[] } {
  const common = commonColumns(rows);
  const tags = TAG_COLUMNS.map(([c]) => new StringColumn(c, rows));
  const labels = new StringMapColumn('labels', rows);
  for (const rl of logs.resourceLogs) {
    const attrs = rl.resource.attributes;
    // the resource's tags are read once; every row then copies them
    const values = TAG_COLUMNS.map(([, key]) => {
      const v = attrs.find((a) => a.key === key)!.value;
      return 'stringValue' in v ? v.stringValue : String((v as { intValue: bigint }).intValue);
    });
    const labelKeys: string[] = [];
    const labelValues: string[] = [];
    for (const a of attrs) {
      if (!a.key.startsWith(LABEL_PREFIX)) continue;
      labelKeys.push(a.key.slice(LABEL_PREFIX.length));
      labelValues.push((a.value as { stringValue: string }).stringValue);
    }
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        writeCommon(common, r);
        for (let i = 0; i < tags.length; i++) tags[i].w.string(values[i]);
        for (let i = 0; i < labelKeys.length; i++) {
          labels.keys.string(labelKeys[i]);
          labels.values.string(labelValues[i]);
        }
        labels.endRow(labelKeys.length);
      }
    }
  }
  const cols = [...commonList(common), ...tags, labels];
  return { columns: cols.map((c) => c.name), data: encodeBlock(cols, rows) };
}

/** The SmartEncoding table: ids, one UInt64 per kind per row. */
function idBlock(logs: Logs, rows: number): { columns: string[]; data: Buffer[] } {
  const common = commonColumns(rows);
  const ids = ROW_KINDS.map((k) => new FixedColumn(idColumn(k), 'UInt64', rows, 8));
  for (const rl of logs.resourceLogs) {
    const resource = resourceIds(rl.resource.attributes);
    const values = ROW_KINDS.map((k) => resource[k]);
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        writeCommon(common, r);
        for (let i = 0; i < ids.length; i++) ids[i].w.u64(values[i]);
      }
    }
  }
  const cols = [...commonList(common), ...ids];
  return { columns: cols.map((c) => c.name), data: encodeBlock(cols, rows) };
}

/** The numbered_u32 layout: each kind's ids renumbered 1, 2, 3 in the order first seen. */
const numbered = ROW_KINDS.map(() => new Map<bigint, number>([[0n, 0]]));
function numberedBlock(logs: Logs, rows: number): { columns: string[]; data: Buffer[] } {
  const common = commonColumns(rows);
  const ids = ROW_KINDS.map((k) => new FixedColumn(idColumn(k), 'UInt32', rows, 4));
  for (const rl of logs.resourceLogs) {
    const resource = resourceIds(rl.resource.attributes);
    const values = ROW_KINDS.map((k, i) => {
      const n = numbered[i];
      if (!n.has(resource[k])) n.set(resource[k], n.size);
      return n.get(resource[k])!;
    });
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        writeCommon(common, r);
        for (let i = 0; i < ids.length; i++) ids[i].w.u32(values[i]);
      }
    }
  }
  const cols = [...commonList(common), ...ids];
  return { columns: cols.map((c) => c.name), data: encodeBlock(cols, rows) };
}

// ---- measuring ----

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const PAYLOAD_DIR = '/dev/shm';
let payloads = 0;

async function insertNative(
  engine: Engine,
  table: string,
  block: { columns: string[]; data: Buffer[] },
): Promise<void> {
  const path = join(PAYLOAD_DIR, `flowtel-se-bench-${process.pid}-${payloads++}`);
  writeFileSync(path, Buffer.concat(block.data));
  try {
    await engine.query(
      `INSERT INTO ${DB}.${table} (${block.columns.join(', ')}) SELECT * FROM file('${path}', 'Native') SETTINGS schema_inference_use_cache_for_file = 0`,
    );
  } finally {
    rmSync(path, { force: true });
  }
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'flowtel-se-bench-'));
  const engine = openEngine(join(folder, 'chdb'));
  if (!engine) throw new Error('the chdb package is not installed');
  const settings = {
    id: 'smartencoding',
    kind: 'processor' as const,
    logger: pino({ level: 'silent' }),
    meter: createNoopMeter(),
    metricsLevel: 'none' as const,
    configDir: folder,
  };
  const processor = factory.createProcessor(
    settings,
    factory.configSchema.parse({ directory: join(folder, 'dictionary'), keep: [] }),
    'logs',
    'logs',
  ) as SmartEncodingProcessor;
  const host = testHost();
  await processor.start(host);
  const dictionary = host.shared.lookup(TAG_DICTIONARY, 'smartencoding') as TagDictionary;
  const sync = new DictionarySync(engine, DB);

  await engine.query(`CREATE DATABASE ${DB}`);
  for (const v of VARIANTS) await engine.query(ddl(v));
  await engine.query(BASELINE_DDL);
  for (const l of LAYOUTS) await engine.query(layoutDdl(l));
  await sync.createSchema();
  // background merges would run on engine threads while flowtel encodes and be counted as its
  // CPU: they are held until the inserts are done, then measured on their own
  for (const v of [...VARIANTS, ...LAYOUTS, 'baseline']) await engine.query(`SYSTEM STOP MERGES ${DB}.t_${v}`);

  const flowtelCpu: Record<Variant, number> = { string: 0, lowcardinality: 0, smartencoding: 0 };
  const engineCpu: Record<Variant, number> = { string: 0, lowcardinality: 0, smartencoding: 0 };
  const baselineCpu = { flowtel: 0, engine: 0 };
  const wall = Date.now();
  for (let first = 0; first < ROWS; first += BATCH) {
    const n = Math.min(BATCH, ROWS - first);
    const logs = batch(first, n);
    // the generator's garbage is not flowtel's: collect it before the measured sections
    collectGarbage();
    {
      let t = cpu();
      const block = baselineBlock(logs, n);
      baselineCpu.flowtel += cpu() - t;
      t = cpu();
      await insertNative(engine, 't_baseline', block);
      baselineCpu.engine += cpu() - t;
    }
    for (const v of ['string', 'lowcardinality'] as const) {
      let t = cpu();
      const block = stringBlock(logs, n);
      flowtelCpu[v] += cpu() - t;
      t = cpu();
      await insertNative(engine, `t_${v}`, block);
      engineCpu[v] += cpu() - t;
    }
    // SmartEncoding: the processor rewrites the resources, then the block carries ids
    let t = cpu();
    processor.process({ signal: 'logs', data: logs, items: n, ack: Ack.none() } satisfies LogsBatch);
    const need = Math.max(...logs.resourceLogs.map((rl) => requiredVersion(rl.resource.attributes)));
    const block = idBlock(logs, n);
    flowtelCpu.smartencoding += cpu() - t;
    t = cpu();
    await sync.ensure(dictionary, need);
    await insertNative(engine, 't_smartencoding', block);
    engineCpu.smartencoding += cpu() - t;
    await insertNative(engine, 't_hashed_u64_zstd', block);
    await insertNative(engine, 't_numbered_u32', numberedBlock(logs, n));
    if (process.env.PROGRESS && (first / BATCH) % 50 === 0)
      process.stderr.write(`${first + n} rows, ${((Date.now() - wall) / 1000).toFixed(0)} s\n`);
  }
  const insertWallSeconds = (Date.now() - wall) / 1000;

  const mergeCpu: Record<string, number> = {};
  for (const v of VARIANTS) {
    const t = cpu();
    await engine.query(`SYSTEM START MERGES ${DB}.t_${v}`);
    await engine.query(`OPTIMIZE TABLE ${DB}.t_${v} FINAL`);
    mergeCpu[v] = round(cpu() - t);
  }
  await engine.query(`OPTIMIZE TABLE ${DB}.flowtel_tag_dictionary FINAL`);
  const idLayoutBytes: Record<string, number> = {};
  for (const l of ['smartencoding', ...LAYOUTS]) {
    await engine.query(`SYSTEM START MERGES ${DB}.t_${l}`);
    await engine.query(`OPTIMIZE TABLE ${DB}.t_${l} FINAL`);
    const names = ROW_KINDS.map((k) => `'${idColumn(k)}'`).join(', ');
    const [ids] = await engine.rows<{ c: number }>(
      `SELECT sum(column_data_compressed_bytes) AS c FROM system.parts_columns WHERE active AND database = '${DB}' AND table = 't_${l}' AND column IN (${names})`,
    );
    idLayoutBytes[l === 'smartencoding' ? 'hashed_lowcardinality_u64' : l] = Number(ids.c);
  }

  const bytes: Record<string, Record<string, number>> = {};
  const dictionaryBytes = await engine.rows<{ c: number; d: number }>(
    `SELECT sum(data_compressed_bytes) AS c, sum(bytes_on_disk) AS d FROM system.parts WHERE active AND database = '${DB}' AND table = 'flowtel_tag_dictionary'`,
  );
  for (const v of VARIANTS) {
    const [table] = await engine.rows<{ c: number; u: number; d: number; rows: number }>(
      `SELECT sum(data_compressed_bytes) AS c, sum(data_uncompressed_bytes) AS u, sum(bytes_on_disk) AS d, sum(rows) AS rows FROM system.parts WHERE active AND database = '${DB}' AND table = 't_${v}'`,
    );
    const names = TAG_COLUMN_NAMES[v].map((c) => `'${c}'`).join(', ');
    const [tags] = await engine.rows<{ c: number }>(
      `SELECT sum(column_data_compressed_bytes) AS c FROM system.parts_columns WHERE active AND database = '${DB}' AND table = 't_${v}' AND column IN (${names})`,
    );
    const extra = v === 'smartencoding' ? Number(dictionaryBytes[0].d) : 0;
    bytes[v] = {
      rows: Number(table.rows),
      table_compressed_bytes: Number(table.c) + (v === 'smartencoding' ? Number(dictionaryBytes[0].c) : 0),
      table_bytes_on_disk: Number(table.d) + extra,
      tag_columns_compressed_bytes: Number(tags.c) + (v === 'smartencoding' ? Number(dictionaryBytes[0].c) : 0),
      uncompressed_bytes: Number(table.u),
    };
  }

  // RED per service over the last hour, for the pods of one team (a pod label)
  const since = T0 + SPAN_SECONDS - 3600;
  const red = (table: string, service: string, label: string) =>
    `SELECT ${service} AS svc, count() AS requests, countIf(response_status != 0) AS errors, sum(response_duration) AS total_us, quantileExact(0.95)(response_duration) AS p95_us
FROM ${DB}.${table} WHERE time >= toDateTime(${since}) AND ${label} = 'payments' GROUP BY svc ORDER BY svc`;
  const queries: Record<Variant, string> = {
    string: red('t_string', 'service', "labels['app.kubernetes.io/part-of']"),
    lowcardinality: red('t_lowcardinality', 'service', "labels['app.kubernetes.io/part-of']"),
    smartencoding: translateTagNames(red('t_smartencoding', 'service', '`k8s.label.app.kubernetes.io/part-of`'), {
      database: DB,
    }),
  };
  const queryMs: Record<string, number> = {};
  const answers: Record<string, string> = {};
  for (const v of VARIANTS) {
    answers[v] = JSON.stringify(await engine.rows(queries[v]));
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await engine.rows(queries[v]);
      times.push(performance.now() - t);
    }
    queryMs[v] = times.sort((a, b) => a - b)[2];
  }
  const sameAnswer = answers.string === answers.lowcardinality && answers.string === answers.smartencoding;
  await processor.shutdown();
  engine.close();
  rmSync(folder, { recursive: true, force: true });

  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const insertCpu = (v: Variant) => flowtelCpu[v] + engineCpu[v];
  const baseline = baselineCpu.flowtel + baselineCpu.engine;
  const tagCpu = (v: Variant) => insertCpu(v) - baseline;
  report('smartencoding-storage', {
    rows: ROWS,
    cardinality: {
      pods: PODS,
      processes: PROCS.length,
      services: SERVICES.length,
      workloads: 120,
      namespaces: NAMESPACES.length,
      nodes: NODES.length,
      labels_per_pod: '5-20',
    },
    bytes,
    disk_ratio_string_vs_smartencoding: ratio(
      bytes.string.table_bytes_on_disk,
      bytes.smartencoding.table_bytes_on_disk,
    ),
    disk_ratio_lowcardinality_vs_smartencoding: ratio(
      bytes.lowcardinality.table_bytes_on_disk,
      bytes.smartencoding.table_bytes_on_disk,
    ),
    tag_bytes_ratio_string_vs_smartencoding: ratio(
      bytes.string.tag_columns_compressed_bytes,
      bytes.smartencoding.tag_columns_compressed_bytes,
    ),
    tag_bytes_ratio_lowcardinality_vs_smartencoding: ratio(
      bytes.lowcardinality.tag_columns_compressed_bytes,
      bytes.smartencoding.tag_columns_compressed_bytes,
    ),
    insert_cpu_seconds: Object.fromEntries(
      VARIANTS.map((v) => [
        v,
        { flowtel: round(flowtelCpu[v]), engine: round(engineCpu[v]), total: round(insertCpu(v)) },
      ]),
    ),
    insert_cpu_ratio_string_vs_smartencoding: ratio(insertCpu('string'), insertCpu('smartencoding')),
    insert_cpu_ratio_lowcardinality_vs_smartencoding: ratio(insertCpu('lowcardinality'), insertCpu('smartencoding')),
    baseline_insert_cpu_seconds: {
      flowtel: round(baselineCpu.flowtel),
      engine: round(baselineCpu.engine),
      total: round(baseline),
    },
    tag_insert_cpu_seconds: Object.fromEntries(VARIANTS.map((v) => [v, round(tagCpu(v))])),
    tag_insert_cpu_ratio_string_vs_smartencoding: ratio(tagCpu('string'), tagCpu('smartencoding')),
    tag_insert_cpu_ratio_lowcardinality_vs_smartencoding: ratio(tagCpu('lowcardinality'), tagCpu('smartencoding')),
    id_column_compressed_bytes: idLayoutBytes,
    id_bytes_per_row: Object.fromEntries(
      Object.entries(idLayoutBytes).map(([l, b]) => [l, Math.round((b / ROWS) * 1000) / 1000]),
    ),
    query_ms: queryMs,
    query_same_answer: sameAnswer,
    query_result_rows: JSON.parse(answers.smartencoding).length,
    dictionary_entries: [...dictionary.entries()].length,
    merge_cpu_seconds: mergeCpu,
    insert_wall_seconds: round(insertWallSeconds),
    ...selfUsage(),
  });
  if (!sameAnswer) process.stderr.write(`answers differ:\n${JSON.stringify(answers, null, 1)}\n`);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

await main();
