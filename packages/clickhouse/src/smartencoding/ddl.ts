// SmartEncoding in ClickHouse: integer id columns on the tables, one dictionary table of
// entries (ReplacingMergeTree on the entry's version, so re-sent or changed entries collapse),
// and a DICTIONARY object per tag kind over it, which dictGet reads at query time. The SQL
// rewrite that lets a query name tags (`pod = 'x'`) lives in ./translate.ts.
import {
  DICT_VERSION_ATTRIBUTE,
  TAG_KINDS,
  kindOfIdAttribute,
  kindOfPeerAttribute,
  tagValueText,
  type TagEntries,
  type TagEntry,
  type TagKind,
} from '@flowtel/core/smartencoding';
import type { KeyValue } from '@flowtel/pdata';
import { DICTIONARY_TABLE, dictionaryObject, idColumn } from './names.ts';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Kinds whose ids go on rows; `resource` too, so a decoded row has every attribute back. */
export const ROW_KINDS: readonly TagKind[] = TAG_KINDS;

/**
 * Ids are 63-bit hashes (tagId), a few hundred or thousand distinct per part: LowCardinality
 * stores each part's ids once and a small index per row, which ZSTD then takes. Per id column
 * and row on chdb, against the numbered UInt32 ids of before with T64 (which cuts the high bits
 * small numbers never use, and has none to cut on hashes): see the processor's README.
 * ClickHouse calls LowCardinality of a number "suspicious": the statements that create these
 * columns allow it (ID_SETTINGS).
 */
const ID_TYPE = 'LowCardinality(UInt64) CODEC(ZSTD(1))';
/** The query settings a statement creating id columns needs. */
export const ID_SETTINGS = 'SETTINGS allow_suspicious_low_cardinality_types = 1';

/** The id column names of an otel_* table, in the order of idColumnDefinitions(). */
export function idColumnNames(): string[] {
  return ROW_KINDS.map((k) => idColumn(k));
}

/** The id column names of l7_flow_log, in the order of l7IdColumnDefinitions(). */
export function l7IdColumnNames(): string[] {
  return ROW_KINDS.flatMap((k) => [idColumn(k, 0), idColumn(k, 1)]);
}

/** The id columns of an otel_* table: `host_id LowCardinality(UInt64)`, ... (0 = none). Creating them needs ID_SETTINGS. */
export function idColumnDefinitions(): string[] {
  return idColumnNames().map((c) => `${c} ${ID_TYPE}`);
}

/** The id columns of l7_flow_log: both ends of each request, as DeepFlow's _0 / _1 columns. */
export function l7IdColumnDefinitions(): string[] {
  return l7IdColumnNames().map((c) => `${c} ${ID_TYPE}`);
}

/**
 * ALTERs that add the id columns to an existing table (rows already there read 0). With a
 * cluster, run it for the `<table>_local` tables and the Distributed ones alike.
 */
export function addIdColumnStatements(database: string, table: string, l7: boolean, clusterName?: string): string[] {
  const columns = l7 ? l7IdColumnDefinitions() : idColumnDefinitions();
  return [
    `ALTER TABLE ${q(database)}.${q(table)}${onCluster(clusterName)} ${columns.map((c) => `ADD COLUMN IF NOT EXISTS ${c}`).join(', ')} ${ID_SETTINGS}`,
  ];
}

const onCluster = (clusterName?: string) => (clusterName ? ` ON CLUSTER ${q(clusterName)}` : '');

/**
 * Tables made before ids were 64-bit have UInt32 id columns, which would cut the new ids: this
 * widens them (the stored numbered ids keep their values, and their dictionary rows).
 */
export function widenIdColumnStatements(
  database: string,
  table: string,
  narrow: readonly string[],
  clusterName?: string,
): string[] {
  if (narrow.length === 0) return [];
  return [
    `ALTER TABLE ${q(database)}.${q(table)}${onCluster(clusterName)} ${narrow.map((c) => `MODIFY COLUMN ${q(c)} ${ID_TYPE}`).join(', ')} ${ID_SETTINGS}`,
  ];
}

/** The query that lists a table's id columns still of the old UInt32 type (one name a row, TSV). */
export const narrowIdColumnsQuery = (database: string, table: string, l7: boolean) =>
  `SELECT name FROM system.columns WHERE database = ${sqlString(database)} AND table = ${sqlString(table)} AND type = 'UInt32' AND name IN (${(l7 ? l7IdColumnNames() : idColumnNames()).map(sqlString).join(', ')})`;

export interface DictionarySchemaOptions {
  database: string;
  /** seconds between dictionary refreshes; the exporter also reloads after writing entries */
  lifetime?: number;
  /** ClickHouse credentials the DICTIONARY's CLICKHOUSE source uses on a server that needs them */
  user?: string;
  password?: string;
  /** cluster_name: the table replicated to every node, the DICTIONARY objects on every node */
  cluster?: string;
}

/**
 * The dictionary table's definition; `version` is the entry's time, so the newest copy wins.
 * On a cluster every node holds all of it: a Replicated table whose path has no `{shard}`, so
 * the nodes of every shard are replicas of one table and each shard's dictGet finds every
 * entry, whichever node a gateway wrote it through.
 */
const dictionaryTable = (db: string, table: string, cluster?: string) => {
  const engine = cluster
    ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/${table}', '{replica}', version)`
    : 'ReplacingMergeTree(version)';
  return `CREATE TABLE IF NOT EXISTS ${db}.${q(table)}${onCluster(cluster)} (
    kind LowCardinality(String),
    id UInt64,
    version UInt64,
    name String,
    attributes Map(LowCardinality(String), String),
    updated_at DateTime DEFAULT now()
) ENGINE = ${engine}
ORDER BY (kind, id)`;
};

/** Reloads a kind's DICTIONARY object (on every node of a cluster) after its entries changed. */
export const reloadStatement = (database: string, kind: TagKind, cluster?: string) =>
  `SYSTEM RELOAD DICTIONARY${onCluster(cluster)} ${q(database)}.${q(dictionaryObject(kind))}`;

/**
 * A dictionary table made before ids were 64-bit (`id UInt32`, a key column no ALTER widens)
 * is moved aside, and its entries copied into the new one: rows stored with numbered ids still
 * decode. `idType` is the type system.columns gives the table's `id` (undefined: no table).
 */
export function dictionaryMigrationStatements(
  database: string,
  idType: string | undefined,
  cluster?: string,
): string[] {
  if (idType !== 'UInt32') return [];
  const db = q(database);
  const old = q(`${DICTIONARY_TABLE}_u32`);
  return [
    `RENAME TABLE ${db}.${q(DICTIONARY_TABLE)} TO ${db}.${old}${onCluster(cluster)}`,
    dictionaryTable(db, DICTIONARY_TABLE, cluster),
    `INSERT INTO ${db}.${q(DICTIONARY_TABLE)} (kind, id, version, name, attributes, updated_at) SELECT kind, toUInt64(id), 0, name, attributes, updated_at FROM ${db}.${old} FINAL`,
  ];
}

export const dictionaryIdTypeQuery = (database: string) =>
  `SELECT type FROM system.columns WHERE database = ${sqlString(database)} AND table = ${sqlString(DICTIONARY_TABLE)} AND name = 'id'`;

/** The dictionary table and one DICTIONARY object per kind. */
export function dictionarySchemaStatements(o: DictionarySchemaOptions): string[] {
  const db = q(o.database);
  const lifetime = o.lifetime ?? 60;
  const credentials = o.user ? ` USER ${sqlString(o.user)} PASSWORD ${sqlString(o.password ?? '')}` : '';
  const statements = [dictionaryTable(db, DICTIONARY_TABLE, o.cluster)];
  for (const kind of TAG_KINDS) {
    const source = `SELECT id, name, attributes FROM ${db}.${q(DICTIONARY_TABLE)} FINAL WHERE kind = '${kind}'`;
    statements.push(`CREATE DICTIONARY IF NOT EXISTS ${db}.${q(dictionaryObject(kind))}${onCluster(o.cluster)} (
    id UInt64,
    name String,
    attributes Map(String, String)
) PRIMARY KEY id
SOURCE(CLICKHOUSE(QUERY ${sqlString(source)}${credentials}))
LAYOUT(HASHED())
LIFETIME(MIN 0 MAX ${lifetime})`);
  }
  return statements;
}

/**
 * Entries as JSONEachRow for `INSERT INTO <db>.flowtel_tag_dictionary (kind, id, version, name,
 * attributes) FORMAT JSONEachRow`. The stored version is the entry's time: copies written by
 * several collectors (whose own versions count apart) collapse to the newest.
 */
export function dictionaryRows(entries: readonly Omit<TagEntry, 'key' | 'version'>[]): Buffer {
  const lines = entries.map(
    (e) =>
      // the id as a JSON number: 64 bits, which JSON.stringify cannot write from a bigint
      `{"id":${e.id.toString()},${JSON.stringify({
        kind: e.kind,
        version: e.time,
        name: e.name,
        attributes: Object.fromEntries(e.attributes.map(([k, v]) => [k, tagValueText(v)])),
      }).slice(1)}`,
  );
  return Buffer.from(lines.length ? `${lines.join('\n')}\n` : '');
}

export const dictionaryInsert = (database: string) =>
  `INSERT INTO ${q(database)}.${q(DICTIONARY_TABLE)} (kind, id, version, name, attributes) FORMAT JSONEachRow`;

/** The ids of an encoded resource, 0 where it has none. */
export function resourceIds(attributes: KeyValue[]): Record<TagKind, bigint> {
  const ids = Object.fromEntries(ROW_KINDS.map((k) => [k, 0n])) as Record<TagKind, bigint>;
  for (const kv of attributes) {
    const kind = kindOfIdAttribute(kv.key);
    if (kind && 'intValue' in kv.value) ids[kind] = BigInt.asUintN(64, kv.value.intValue);
  }
  return ids;
}

/** The `<kind>_id` column values of a row of an otel_* table. */
export function idColumnValues(resourceAttributes: KeyValue[]): Record<string, bigint> {
  const ids = resourceIds(resourceAttributes);
  return Object.fromEntries(ROW_KINDS.map((k) => [idColumn(k), ids[k]]));
}

/** An otel_* row's ids in idColumnNames() order, from the resource's `resourceIds`. */
export function idRow(own: Record<TagKind, bigint>): bigint[] {
  return ROW_KINDS.map((k) => own[k]);
}

/**
 * An l7_flow_log row's ids in l7IdColumnNames() order, from the resource's `resourceIds` (once
 * per resource) and the record's attributes. The resource is the process that captured the
 * request: the client (side 0) when the record's tap_side is `c-p`, the server (side 1)
 * otherwise. The other side takes the record's peer ids (a pod found by the peer's IP), 0
 * where there are none.
 */
export function l7IdRow(own: Record<TagKind, bigint>, recordAttributes: KeyValue[]): bigint[] {
  let peer: Partial<Record<TagKind, bigint>> | undefined;
  let tapSide = '';
  for (const kv of recordAttributes) {
    if (kv.key === 'tap_side' && 'stringValue' in kv.value) tapSide = kv.value.stringValue;
    const kind = kindOfPeerAttribute(kv.key);
    if (kind && 'intValue' in kv.value) (peer ??= {})[kind] = BigInt.asUintN(64, kv.value.intValue);
  }
  return l7IdRowOf(own, tapSide, peer);
}

/** l7IdRow of a record whose tap_side and peer ids are known: the own ids on the tap side's end. */
export function l7IdRowOf(
  own: Record<TagKind, bigint>,
  tapSide: string,
  peer: Partial<Record<TagKind, bigint>> | undefined,
): bigint[] {
  const side = tapSide.startsWith('c') ? 0 : 1;
  const row = new Array<bigint>(ROW_KINDS.length * 2);
  for (let i = 0; i < ROW_KINDS.length; i++) {
    const kind = ROW_KINDS[i];
    row[2 * i + side] = own[kind];
    row[2 * i + 1 - side] = peer?.[kind] ?? 0n;
  }
  return row;
}

/** The `<kind>_id_0` / `<kind>_id_1` values of an l7_flow_log row, by column name (see l7IdRow). */
export function l7IdColumnValues(resourceAttributes: KeyValue[], recordAttributes: KeyValue[]): Record<string, bigint> {
  const row = l7IdRow(resourceIds(resourceAttributes), recordAttributes);
  return Object.fromEntries(l7IdColumnNames().map((c, i) => [c, row[i]]));
}

/** The dictionary version an encoded resource needs in storage before its rows are queried. */
export function requiredVersion(resourceAttributes: KeyValue[]): number {
  const kv = resourceAttributes.find((a) => a.key === DICT_VERSION_ATTRIBUTE);
  return kv && 'intValue' in kv.value ? Number(kv.value.intValue) : 0;
}

/** What the exporter needs from its ClickHouse client (embedded or HTTP). */
export interface StatementRunner {
  query(sql: string): Promise<unknown>;
  insertRaw(insert: string, data: Buffer): Promise<void>;
}

/**
 * Keeps a store's dictionary table in step with a TagEntries: `ensure` writes the entries
 * changed since the last write (at most once per version) and reloads the DICTIONARY objects
 * of the kinds it touched, so queries see new ids at once.
 */
export class DictionarySync {
  private written = 0;
  private inflight?: Promise<void>;
  private readonly database: string;
  private readonly runner: StatementRunner;
  private readonly cluster?: string;

  constructor(runner: StatementRunner, database: string, cluster?: string) {
    this.runner = runner;
    this.database = database;
    this.cluster = cluster;
  }

  /** Creates the dictionary table and DICTIONARY objects. */
  async createSchema(options: Omit<DictionarySchemaOptions, 'database' | 'cluster'> = {}): Promise<void> {
    for (const s of dictionarySchemaStatements({ ...options, database: this.database, cluster: this.cluster }))
      await this.runner.query(s);
  }

  /** Writes what the store lacks of `dictionary`, up to at least `version`. */
  async ensure(dictionary: TagEntries, version = dictionary.version): Promise<void> {
    // waiting for a version this dictionary never reached would never end
    if (version > dictionary.version) {
      throw new Error(
        `the records need version ${version} of the tag dictionary, which is at ${dictionary.version}: they were encoded against another dictionary`,
      );
    }
    while (this.written < version) {
      if (!this.inflight) {
        this.inflight = this.write(dictionary).finally(() => (this.inflight = undefined));
      }
      await this.inflight;
    }
  }

  private async write(dictionary: TagEntries): Promise<void> {
    const upTo = dictionary.version;
    const entries = dictionary.changedSince(this.written);
    if (entries.length > 0) {
      await this.runner.insertRaw(dictionaryInsert(this.database), dictionaryRows(entries));
      for (const kind of new Set(entries.map((e) => e.kind)))
        await this.runner.query(reloadStatement(this.database, kind, this.cluster));
    }
    this.written = upTo;
  }
}
