// The store side of SmartEncoding: before rows with ids are inserted, the tables get their id
// columns and the dictionary table (with its DICTIONARY objects) gets every entry those ids
// need. Nothing of this runs until the first encoded record arrives: a store that never sees
// one keeps exactly contrib's tables.
import type { KeyValue } from '@flowtel/pdata';
import type { TagEntries } from '@flowtel/core/smartencoding';
import { DictionarySync, addIdColumnStatements, requiredVersion, type StatementRunner } from './smartencoding/ddl.ts';
import type { ClickHouseClient } from './client.ts';
import type { StoreConfig } from './config.ts';
import { tableName, type TableRole } from './schema.ts';
import { dictionaryNameOf } from './encode/tag-ids.ts';

/**
 * Ids no dictionary of this process can decode: their dictionary is not here, or it never
 * reached the version they were encoded against. Retrying cannot help.
 */
export class UndecodableIdsError extends Error {}

export class TagStore {
  private readonly cfg: StoreConfig;
  private readonly roles: TableRole[];
  private readonly runner: StatementRunner;
  private readonly dictionaries: (name: string) => TagEntries | undefined;
  private readonly syncs = new Map<object, DictionarySync>();
  private schemaReady?: Promise<void>;

  constructor(
    client: ClickHouseClient,
    cfg: StoreConfig,
    roles: TableRole[],
    dictionaries: (name: string) => TagEntries | undefined,
  ) {
    this.cfg = cfg;
    this.roles = roles;
    this.dictionaries = dictionaries;
    this.runner = { query: (sql) => client.query(sql), insertRaw: (insert, data) => client.insertRaw(insert, data) };
  }

  /**
   * Makes the store ready for the encoded resources among `resources`: id columns, dictionary
   * schema, and the dictionary entries up to the version each resource was encoded against.
   * Returns whether any resource was encoded.
   */
  async prepare(resources: Iterable<{ resource: { attributes: KeyValue[] } }>): Promise<boolean> {
    const needed = new Map<string, number>();
    for (const { resource } of resources) {
      const name = dictionaryNameOf(resource.attributes);
      if (name === undefined) continue;
      needed.set(name, Math.max(needed.get(name) ?? 0, requiredVersion(resource.attributes)));
    }
    if (needed.size === 0) return false;
    await this.ensureSchema();
    for (const [name, version] of needed) {
      const dictionary = this.dictionaries(name);
      if (!dictionary) {
        throw new UndecodableIdsError(
          `records carry SmartEncoding ids of "${name}", a dictionary no smartencoding processor of this collector holds: put the processor in this collector's pipeline, or decode before exporting`,
        );
      }
      if (version > dictionary.version) {
        throw new UndecodableIdsError(
          `records carry ids of version ${version} of the "${name}" dictionary, which is at version ${dictionary.version}: they were encoded against another dictionary`,
        );
      }
      // processors sharing a directory share one dictionary: one sync each
      let sync = this.syncs.get(dictionary);
      if (!sync) this.syncs.set(dictionary, (sync = new DictionarySync(this.runner, this.cfg.database)));
      await sync.ensure(dictionary, version);
    }
    return true;
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
    const sync = new DictionarySync(this.runner, this.cfg.database);
    await sync.createSchema({ user: this.cfg.username || undefined, password: this.cfg.password });
    for (const role of this.roles) {
      const table = tableName(this.cfg, role);
      // a cluster has the columns on each node's local table and on the Distributed one over them
      const tables = this.cfg.cluster_name ? [`${table}_local`, table] : [table];
      for (const t of tables) {
        for (const s of addIdColumnStatements(this.cfg.database, t, role === 'l7', this.cfg.cluster_name))
          await this.runner.query(s);
      }
    }
  }
}
