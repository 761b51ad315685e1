// The store: opens the engine (embedded chdb or a server over HTTP), creates the tables,
// learns which newer columns the tables have, and writes each batch as Native blocks. An
// embedded store also answers `flowtel query` on a Unix socket, since its engine locks the
// folder: the first store opened on a folder serves it, the last one closed stops it.
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Batch, PipelineSignal } from '@flowtel/core';
import { permanent, retryable } from '@flowtel/core';
import type { TagEntries } from '@flowtel/core/smartencoding';
import { L7_SCOPE_NAME } from '@flowtel/core/smartencoding';
import type { KeyValue, Logs, ScopeLogs } from '@flowtel/pdata';
import { isPermanent, quoteIdent, type ClickHouseClient } from './client.ts';
import type { StoreConfig } from './config.ts';
import { EmbeddedClient, embeddedFolder } from './embedded.ts';
import { Pools, type Block, type Limits } from './encode/block.ts';
import { encodeL7 } from './encode/l7.ts';
import { encodeLogs, type LogsTableFeatures } from './encode/logs.ts';
import { encodeProfiles } from './encode/profiles.ts';
import { METRIC_KINDS, encodeMetrics, type MetricKind } from './encode/metrics.ts';
import { encodeTraces } from './encode/traces.ts';
import { HttpClient, bodyEncoding } from './http.ts';
import { embeddedMergeSettings, schemaStatements, tableName, type TableRole } from './schema.ts';
import { createClickHouseHttpServer } from './server.ts';
import { flushAll, insertBuffer, type InsertBuffer } from './insert-buffer.ts';
import { BadEntriesError, TagStore } from './tag-store.ts';

export const isL7Scope = (scope: ScopeLogs) => scope.scope.name === L7_SCOPE_NAME;
const notL7Scope = (scope: ScopeLogs) => scope.scope.name !== L7_SCOPE_NAME;

export function isEmbedded(cfg: StoreConfig): boolean {
  return cfg.endpoint.startsWith('chdb://');
}

/** Where a running collector answers `flowtel query` for an embedded store. */
export function querySocketPath(cfg: StoreConfig, configDir: string): string {
  return cfg.query_socket || join(embeddedFolder(cfg.endpoint, configDir), 'flowtel-query.sock');
}

/**
 * The store's statements name their database, which may not exist yet when they start;
 * `database` is the default for unqualified names (`flowtel query`).
 */
export function openClient(
  cfg: StoreConfig,
  configDir: string,
  database?: string,
  timeoutMs?: number,
): ClickHouseClient {
  if (isEmbedded(cfg)) return EmbeddedClient.open(embeddedFolder(cfg.endpoint, configDir));
  return new HttpClient({
    url: cfg.endpoint,
    database,
    username: cfg.username,
    password: cfg.password,
    settings: cfg.connection_params,
    insertSettings: cfg.async_insert ? { async_insert: 1, wait_for_async_insert: 1 } : {},
    encoding: bodyEncoding(cfg.compress),
    timeoutMs,
  });
}

export function rolesFor(signals: PipelineSignal[]): TableRole[] {
  const roles: TableRole[] = [];
  if (signals.includes('traces')) roles.push('traces');
  if (signals.includes('logs')) roles.push('logs', 'l7');
  if (signals.includes('metrics')) roles.push(...METRIC_KINDS);
  if (signals.includes('profiles')) roles.push('profiles');
  return roles;
}

/** Reads the logs table's columns, as contrib does with DESC TABLE, for the newer ones. */
export async function logsTableFeatures(client: ClickHouseClient, cfg: StoreConfig): Promise<LogsTableFeatures> {
  const table = `${quoteIdent(cfg.database)}.${quoteIdent(tableName(cfg, 'logs'))}`;
  const desc = (await client.query(`DESC TABLE ${table}`, 'TabSeparated')).toString('utf8');
  const columns = new Set(desc.split('\n').map((line) => line.split('\t')[0]));
  return { eventName: columns.has('EventName') };
}

/** What the store needs of its user: where relative paths start, where warnings go. */
export interface StoreOptions {
  configDir: string;
  logger: { warn(message: string): void };
  /** the signals written: they decide which tables are created */
  signals: PipelineSignal[];
  /**
   * The SmartEncoding dictionary an encoded resource names (`flowtel.tag.dictionary`): the
   * store writes the entries its rows need before the rows.
   */
  dictionaries: (name: string) => TagEntries | undefined;
  /** how long one request to a server may take (the exporter's `timeout`) */
  timeoutMs?: number;
}

export class ClickHouseStore {
  private readonly cfg: StoreConfig;
  private readonly options: StoreOptions;
  private readonly limits: Limits;
  private readonly flushIntervalMs: number;
  private client?: ClickHouseClient;
  private tags?: TagStore;
  /** learnt at start, or at the first logs batch when the server was away at start */
  private logsFeatures?: LogsTableFeatures;
  private readonly metricTables: Record<MetricKind, string>;
  private readonly pools = new Pools();
  /** writes not yet settled: close waits for them */
  private readonly writing = new Set<Promise<void>>();
  /** set by close: a write that reaches a buffer now is sent at once */
  private closing = false;

  constructor(cfg: StoreConfig, options: StoreOptions) {
    this.cfg = cfg;
    this.options = options;
    this.limits = { maxRows: cfg.max_insert_rows, maxBytes: cfg.max_insert_bytes };
    this.flushIntervalMs = cfg.insert_flush_interval;
    this.metricTables = Object.fromEntries(METRIC_KINDS.map((k) => [k, tableName(cfg, k)])) as Record<
      MetricKind,
      string
    >;
  }

  async open(): Promise<void> {
    const client = openClient(this.cfg, this.options.configDir, undefined, this.options.timeoutMs);
    this.client = client;
    this.closing = false;
    const roles = rolesFor(this.options.signals);
    this.tags = new TagStore(client, this.cfg, roles, this.options.dictionaries);
    try {
      if (this.cfg.create_schema) {
        for (const statement of schemaStatements(this.cfg, roles)) await client.query(statement);
        if (client instanceof EmbeddedClient)
          for (const statement of embeddedMergeSettings(this.cfg, roles)) await client.query(statement);
      }
      if (this.options.signals.includes('logs')) {
        await this.detectLogsFeatures(client).catch((err: Error) => {
          // without DDL to run, an unreachable server need not stop the collector: the first
          // logs batch looks again, and is retried until it can
          if (this.cfg.create_schema) throw err;
          this.options.logger.warn(`cannot read the logs table's columns yet: ${err.message}`);
        });
      }
      if (client instanceof EmbeddedClient && client.users === 1) {
        await this.serveQueries(client);
        if (this.cfg.http_interface.enabled) await this.serveReaders(client);
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async detectLogsFeatures(client: ClickHouseClient): Promise<LogsTableFeatures> {
    const features = await logsTableFeatures(client, this.cfg);
    if (!features.eventName) {
      const table = `${this.cfg.database}.${tableName(this.cfg, 'logs')}`;
      this.options.logger.warn(
        `table ${table} has no EventName column: log event names are not stored. ` +
          `Add it with: ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS EventName String CODEC(ZSTD(1))`,
      );
    }
    this.logsFeatures = features;
    return features;
  }

  /** chdb locks its folder: `flowtel query` asks this process through a Unix socket instead. */
  private async serveQueries(client: EmbeddedClient): Promise<void> {
    const path = querySocketPath(this.cfg, this.options.configDir);
    // a socket left by a collector that died: the engine's folder lock says none runs now
    if (existsSync(path)) rmSync(path);
    const server = createClickHouseHttpServer(client);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    }).catch((err: Error) => {
      this.options.logger.warn(
        `flowtel query cannot reach this collector: listening on ${path} failed: ${err.message}`,
      );
    });
    if (!server.listening) return;
    chmodSync(path, 0o600);
    // the socket lives as long as the folder is open, whichever store closes it last
    client.onLastClose(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(path, { force: true });
    });
  }

  /**
   * http_interface: ClickHouse's HTTP interface over the embedded engine for readers such as
   * Grafana, read-only and behind basic auth. Asked for in the config, so a failure to listen
   * fails the start.
   */
  private async serveReaders(client: EmbeddedClient): Promise<void> {
    const { endpoint, username, password } = this.cfg.http_interface;
    const colon = endpoint.lastIndexOf(':');
    const host = endpoint.slice(0, colon).replace(/^\[|\]$/g, '') || 'localhost';
    const port = Number(endpoint.slice(colon + 1));
    const server = createClickHouseHttpServer(client, { username, password, readOnly: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: Error) =>
        reject(new Error(`http_interface: cannot listen on ${endpoint}: ${err.message}`, { cause: err })),
      );
      server.listen(port, host, () => resolve());
    });
    client.onLastClose(
      () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    );
  }

  /** Writes a batch: retryable and permanent failures as the exporter helper knows them. */
  write(batch: Batch, signal?: AbortSignal): Promise<void> {
    const done = this.writeNow(batch, signal);
    const tracked = done.catch(() => {});
    this.writing.add(tracked);
    void tracked.finally(() => this.writing.delete(tracked));
    return done;
  }

  private async writeNow(batch: Batch, signal?: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client) throw retryable('the ClickHouse store is not open');
    if (batch.signal === 'logs' && !this.logsFeatures) {
      await this.detectLogsFeatures(client).catch((err: Error) => {
        throw retryable(
          `cannot read the columns of ${this.cfg.database}.${tableName(this.cfg, 'logs')}: ${err.message}`,
          { cause: err },
        );
      });
    }
    const withIds = await this.prepareTags(batch);
    const blocks = this.encode(batch, withIds);
    const failed = (table: string, err: unknown) => {
      const message = `insert into ${this.cfg.database}.${table} failed: ${(err as Error).message}`;
      return isPermanent(err) ? permanent(message, { cause: err }) : retryable(message, { cause: err });
    };
    if (this.flushIntervalMs <= 0) {
      try {
        for (const block of blocks) {
          await client.insertRaw(this.insertStatement(block), block.data, signal).catch((err: unknown) => {
            throw failed(block.table, err);
          });
        }
      } finally {
        for (const block of blocks) block.release();
      }
      return;
    }
    // one INSERT per table and column list; the buffer releases the blocks once sent
    const byInsert = new Map<string, Block[]>();
    for (const block of blocks) {
      const insert = this.insertStatement(block);
      const same = byInsert.get(insert);
      if (same) same.push(block);
      else byInsert.set(insert, [block]);
    }
    const buffers: InsertBuffer[] = [];
    const waits = [...byInsert].map(([insert, group]) => {
      const buffer = insertBuffer(client, insert, this.limits, this.flushIntervalMs);
      buffers.push(buffer);
      return buffer.add(group).catch((err: unknown) => {
        throw failed(group[0].table, err);
      });
    });
    // a caller that stops waiting (shutdown, the attempt's timeout) has the rows sent now, not
    // dropped: the write still resolves only once they are in
    const now = () => {
      for (const b of buffers) void b.flush();
    };
    if (signal?.aborted || this.closing) now();
    signal?.addEventListener('abort', now, { once: true });
    try {
      // every wait settles before the batch fails, so no block is left unreleased behind it
      const results = await Promise.allSettled(waits);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
    } finally {
      signal?.removeEventListener('abort', now);
    }
  }

  private insertStatement(block: Block): string {
    return `INSERT INTO ${quoteIdent(this.cfg.database)}.${quoteIdent(block.table)} (${block.columns.map(quoteIdent).join(', ')}) FORMAT Native`;
  }

  /** SmartEncoding: the id columns and dictionary entries the batch's encoded resources need. */
  private async prepareTags(batch: Batch): Promise<boolean> {
    try {
      return await this.tags!.prepare(resourcesOf(batch));
    } catch (err) {
      const message = `storing SmartEncoding tags in ${this.cfg.database} failed: ${(err as Error).message}`;
      throw err instanceof BadEntriesError || isPermanent(err)
        ? permanent(message, { cause: err })
        : retryable(message, { cause: err });
    }
  }

  /** `withIds`: some resource carries SmartEncoding ids, so the blocks get the id columns. */
  encode(batch: Batch, withIds = false): Block[] {
    const rows = batch.items;
    switch (batch.signal) {
      case 'traces':
        return encodeTraces(batch.data, tableName(this.cfg, 'traces'), this.limits, rows, this.pools, withIds);
      case 'logs':
        return this.encodeLogs(batch.data, rows, withIds);
      case 'metrics':
        return encodeMetrics(batch.data, this.metricTables, this.limits, rows, this.pools, withIds);
      case 'profiles':
        return encodeProfiles(batch.data, tableName(this.cfg, 'profiles'), this.limits, rows, this.pools, withIds);
      default:
        throw permanent(`the ClickHouse store takes traces, metrics, logs and profiles, not ${batch.signal}`);
    }
  }

  /** Request logs of the l7 processor go to l7_flow_log only, every other log to otel_logs. */
  private encodeLogs(logs: Logs, rows: number, withIds: boolean): Block[] {
    const hasL7 = logs.resourceLogs.some((rl) => rl.scopeLogs.some(isL7Scope));
    const features = this.logsFeatures ?? { eventName: true };
    const blocks = encodeLogs(
      logs,
      tableName(this.cfg, 'logs'),
      features,
      this.limits,
      rows,
      notL7Scope,
      this.pools,
      withIds,
    );
    if (hasL7)
      blocks.push(...encodeL7(logs, tableName(this.cfg, 'l7'), this.limits, rows, isL7Scope, this.pools, withIds));
    return blocks;
  }

  async close(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // what waits in the buffers is written before the engine closes; writes still on their way
    // to a buffer send themselves (closing), and are waited for
    this.closing = true;
    await flushAll(client);
    await Promise.all(this.writing);
    this.client = undefined;
    this.tags = undefined;
    await client.close();
  }
}

function resourcesOf(batch: Batch): Array<{ resource: { attributes: KeyValue[] } }> {
  switch (batch.signal) {
    case 'traces':
      return batch.data.resourceSpans;
    case 'logs':
      return batch.data.resourceLogs;
    case 'metrics':
      return batch.data.resourceMetrics;
    case 'profiles':
      return batch.data.resourceProfiles;
    default:
      return [];
  }
}
