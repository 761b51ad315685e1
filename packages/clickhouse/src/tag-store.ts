// The store side of SmartEncoding: before rows with ids are inserted, the tables get their id
// columns and the dictionary table (with its DICTIONARY objects) gets every entry those ids
// need. Nothing of this runs until the first encoded record arrives: a store that never sees
// one keeps exactly contrib's tables.
//
// Ids are content-derived (tagId), the same on every collector, so an entry is found by its
// kind and id wherever it comes from: a smartencoding processor of this collector (its
// dictionary, kept in step by version), the batch itself (entries an agent sent in-band on the
// resources that use them), or the store (another gateway, or this one before a restart, wrote
// it). Rows whose entries are in none of these wait: the batch fails retryably until they come.
import type { KeyValue, ResourceLogs } from '@flowtel/pdata';
import {
  ENTRIES_ATTRIBUTE,
  L7_SCOPE_NAME,
  entriesFromText,
  kindOfIdAttribute,
  kindOfPeerAttribute,
  type ReceivedEntry,
  type TagEntries,
  type TagKind,
} from '@flowtel/core/smartencoding';
import {
  DictionarySync,
  addIdColumnStatements,
  dictionaryIdTypeQuery,
  dictionaryInsert,
  dictionaryMigrationStatements,
  dictionaryRows,
  narrowIdColumnsQuery,
  reloadStatement,
  widenIdColumnStatements,
  type StatementRunner,
} from './smartencoding/ddl.ts';
import { DICTIONARY_TABLE } from './smartencoding/names.ts';
import type { ClickHouseClient } from './client.ts';
import type { StoreConfig } from './config.ts';
import { tableName, type TableRole } from './schema.ts';
import { dictionaryNameOf } from './encode/tag-ids.ts';

/** Ids whose entries are not to be had yet: retrying later can help (they may be on their way). */
export class MissingEntriesError extends Error {}
/** An in-band entries attribute that is not one: retrying the same batch cannot help. */
export class BadEntriesError extends Error {}

/** Entries known to be in the store, by `kind:id`, with the time of the newest copy written. */
const KNOWN_LIMIT = 1_000_000;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Resources = Iterable<{ resource: { attributes: KeyValue[] } }>;

export class TagStore {
  private readonly cfg: StoreConfig;
  private readonly roles: TableRole[];
  private readonly client: ClickHouseClient;
  private readonly runner: StatementRunner;
  private readonly dictionaries: (name: string) => TagEntries | undefined;
  private readonly syncs = new Map<object, DictionarySync>();
  private readonly known = new Map<string, number>();
  private schemaReady?: Promise<void>;

  constructor(
    client: ClickHouseClient,
    cfg: StoreConfig,
    roles: TableRole[],
    dictionaries: (name: string) => TagEntries | undefined,
  ) {
    this.cfg = cfg;
    this.roles = roles;
    this.client = client;
    this.dictionaries = dictionaries;
    this.runner = { query: (sql) => client.query(sql), insertRaw: (insert, data) => client.insertRaw(insert, data) };
  }

  /**
   * Makes the store ready for the encoded resources among `resources`: id columns, dictionary
   * schema, and an entry in the dictionary table for every id they (and their request logs'
   * peers) carry. Returns whether any resource was encoded.
   */
  async prepare(resources: Resources): Promise<boolean> {
    const wanted = new Map<string, { kind: TagKind; id: bigint; dictionary?: TagEntries }>();
    const received = new Map<string, ReceivedEntry>();
    let encoded = false;
    for (const r of resources) {
      const attributes = r.resource.attributes;
      const name = dictionaryNameOf(attributes);
      if (name === undefined) continue;
      encoded = true;
      const dictionary = this.dictionaries(name);
      const want = (kind: TagKind | undefined, kv: KeyValue) => {
        if (!kind || !('intValue' in kv.value) || kv.value.intValue === 0n) return;
        const id = BigInt.asUintN(64, kv.value.intValue);
        wanted.set(`${kind}:${id}`, { kind, id, dictionary });
      };
      for (const kv of attributes) {
        want(kindOfIdAttribute(kv.key), kv);
        if (kv.key === ENTRIES_ATTRIBUTE && 'stringValue' in kv.value) {
          for (const e of parseEntries(kv.value.stringValue)) {
            const key = `${e.kind}:${e.id}`;
            if ((received.get(key)?.time ?? -1) < e.time) received.set(key, e);
          }
        }
      }
      for (const scope of (r as Partial<ResourceLogs>).scopeLogs ?? []) {
        if (scope.scope.name !== L7_SCOPE_NAME) continue;
        for (const record of scope.logRecords)
          for (const kv of record.attributes) want(kindOfPeerAttribute(kv.key), kv);
      }
    }
    if (!encoded) return false;
    await this.ensureSchema();

    // entries of this collector's own processors: their dictionaries, written by version
    const localVersions = new Map<TagEntries, number>();
    const missing: Array<{ kind: TagKind; id: bigint }> = [];
    for (const [key, w] of wanted) {
      const entry = w.dictionary?.get(w.kind, w.id);
      if (entry) localVersions.set(w.dictionary!, Math.max(localVersions.get(w.dictionary!) ?? 0, entry.version));
      else if (!received.has(key) && !this.known.has(key)) missing.push(w);
    }
    for (const [dictionary, version] of localVersions) {
      // processors sharing a directory share one dictionary: one sync each
      let sync = this.syncs.get(dictionary);
      if (!sync)
        this.syncs.set(dictionary, (sync = new DictionarySync(this.runner, this.cfg.database, this.cfg.cluster_name)));
      await sync.ensure(dictionary, version);
    }

    // entries that came in-band: written unless a copy as new is known to be there
    const fresh = [...received].filter(([key, e]) => (this.known.get(key) ?? -1) < e.time).map(([, e]) => e);
    if (fresh.length > 0) {
      await this.client.insertRaw(dictionaryInsert(this.cfg.database), dictionaryRows(fresh));
      await this.reload(new Set(fresh.map((e) => e.kind)));
      for (const e of fresh) this.remember(`${e.kind}:${e.id}`, e.time);
    }

    // entries another gateway (or this one before a restart) wrote
    if (missing.length > 0) {
      for (const key of await this.storedAmong(missing)) this.remember(key, 0);
      const still = missing.filter((m) => !this.known.has(`${m.kind}:${m.id}`));
      if (still.length > 0) {
        const list = still.slice(0, 5).map((m) => `${m.kind} ${m.id}`);
        throw new MissingEntriesError(
          `${still.length} SmartEncoding id(s) (${list.join(', ')}${still.length > 5 ? ', ...' : ''}) have no dictionary entry yet: ` +
            `not in the batch (the sender's in_band), not in a smartencoding processor of this collector, not in the store; the rows wait until one brings it`,
        );
      }
    }
    return true;
  }

  private remember(key: string, time: number): void {
    if (this.known.size >= KNOWN_LIMIT) this.known.clear();
    this.known.set(key, Math.max(time, this.known.get(key) ?? 0));
  }

  /** The `kind:id` of those of `wanted` the dictionary table holds. */
  private async storedAmong(wanted: Array<{ kind: TagKind; id: bigint }>): Promise<string[]> {
    const db = q(this.cfg.database);
    const found: string[] = [];
    for (let i = 0; i < wanted.length; i += 1000) {
      const tuples = wanted.slice(i, i + 1000).map((w) => `('${w.kind}', ${w.id})`);
      const text = await this.client.query(
        `SELECT DISTINCT kind, id FROM ${db}.${q(DICTIONARY_TABLE)} WHERE (kind, id) IN (${tuples.join(', ')})`,
      );
      for (const line of text.toString('utf8').split('\n')) if (line) found.push(line.replace('\t', ':'));
    }
    return found;
  }

  private async reload(kinds: Set<TagKind>): Promise<void> {
    for (const kind of kinds) await this.runner.query(reloadStatement(this.cfg.database, kind, this.cfg.cluster_name));
  }

  /** Once per exporter (retried after a failure); with create_schema off the user owns the DDL. */
  private ensureSchema(): Promise<void> {
    if (!this.cfg.create_schema) return Promise.resolve();
    this.schemaReady ??= this.createSchema().catch((err: unknown) => {
      this.schemaReady = undefined;
      throw err;
    });
    return this.schemaReady;
  }

  private async createSchema(): Promise<void> {
    const db = this.cfg.database;
    const idType = (await this.client.query(dictionaryIdTypeQuery(db))).toString('utf8').trim() || undefined;
    for (const s of dictionaryMigrationStatements(db, idType, this.cfg.cluster_name)) await this.runner.query(s);
    const sync = new DictionarySync(this.runner, db, this.cfg.cluster_name);
    await sync.createSchema({ user: this.cfg.username || undefined, password: this.cfg.password });
    for (const role of this.roles) {
      const table = tableName(this.cfg, role);
      // a cluster has the columns on each node's local table and on the Distributed one over them
      const tables = this.cfg.cluster_name ? [`${table}_local`, table] : [table];
      for (const t of tables) {
        const l7 = role === 'l7';
        for (const s of addIdColumnStatements(db, t, l7, this.cfg.cluster_name)) await this.runner.query(s);
        const narrow = (await this.client.query(narrowIdColumnsQuery(db, t, l7))).toString('utf8').split('\n');
        for (const s of widenIdColumnStatements(db, t, narrow.filter(Boolean), this.cfg.cluster_name))
          await this.runner.query(s);
      }
    }
  }
}

function parseEntries(text: string): ReceivedEntry[] {
  try {
    return entriesFromText(text);
  } catch (err) {
    throw new BadEntriesError(`${ENTRIES_ATTRIBUTE}: ${(err as Error).message}`, { cause: err });
  }
}
