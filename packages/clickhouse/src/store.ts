// The exporter: opens the engine (embedded chdb or a server over HTTP), creates the tables,
// learns which newer columns the tables have, and inserts each batch as Native blocks.
import { chmodSync, existsSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Batch, CreateSettings, Exporter, PipelineSignal } from '@flowtel/core';
import { createQueuedExporter, permanent, retryable } from '@flowtel/core';
import type { KeyValue, Logs, ScopeLogs } from '@flowtel/pdata';
import { isPermanent, quoteIdent, type ClickHouseClient } from './client.ts';
import type { ClickHouseConfig } from './config.ts';
import { EmbeddedClient, embeddedFolder } from './embedded.ts';
import { Pools, type Block, type Limits } from './encode/block.ts';
import { L7_SCOPE_NAME, encodeL7 } from './encode/l7.ts';
import { encodeLogs, type LogsTableFeatures } from './encode/logs.ts';
import { METRIC_KINDS, encodeMetrics, type MetricKind } from './encode/metrics.ts';
import { encodeTraces } from './encode/traces.ts';
import { HttpClient, bodyEncoding } from './http.ts';
import { schemaStatements, tableName, type TableRole } from './schema.ts';
import { createClickHouseHttpServer } from './server.ts';
import { TagStore, UndecodableIdsError } from './tag-store.ts';

export const isL7Scope = (scope: ScopeLogs) => scope.scope.name === L7_SCOPE_NAME;
const notL7Scope = (scope: ScopeLogs) => scope.scope.name !== L7_SCOPE_NAME;

export function isEmbedded(cfg: ClickHouseConfig): boolean {
  return cfg.endpoint.startsWith('chdb://');
}

/** Where a running collector answers `flowtel query` for an embedded store. */
export function querySocketPath(cfg: ClickHouseConfig, configDir: string): string {
  return cfg.query_socket || join(embeddedFolder(cfg.endpoint, configDir), 'flowtel-query.sock');
}

/**
 * The exporter's statements name their database, which may not exist yet when they start;
 * `database` is the default for unqualified names (`flowtel query`).
 */
export function openClient(cfg: ClickHouseConfig, configDir: string, database?: string): ClickHouseClient {
  if (isEmbedded(cfg)) return EmbeddedClient.open(embeddedFolder(cfg.endpoint, configDir));
  return new HttpClient({
    url: cfg.endpoint,
    database,
    username: cfg.username,
    password: cfg.password,
    settings: cfg.connection_params,
    insertSettings: cfg.async_insert ? { async_insert: 1, wait_for_async_insert: 1 } : {},
    encoding: bodyEncoding(cfg.compress),
    timeoutMs: cfg.timeout > 0 ? cfg.timeout : undefined,
  });
}

export function rolesFor(signals: PipelineSignal[]): TableRole[] {
  const roles: TableRole[] = [];
  if (signals.includes('traces')) roles.push('traces');
  if (signals.includes('logs')) roles.push('logs', 'l7');
  if (signals.includes('metrics')) roles.push(...METRIC_KINDS);
  return roles;
}

/** Reads the logs table's columns, as contrib does with DESC TABLE, for the newer ones. */
export async function logsTableFeatures(client: ClickHouseClient, cfg: ClickHouseConfig): Promise<LogsTableFeatures> {
  const table = `${quoteIdent(cfg.database)}.${quoteIdent(tableName(cfg, 'logs'))}`;
  const desc = (await client.query(`DESC TABLE ${table}`, 'TabSeparated')).toString('utf8');
  const columns = new Set(desc.split('\n').map((line) => line.split('\t')[0]));
  return { eventName: columns.has('EventName') };
}

export class ClickHouseExporter {
  private readonly settings: CreateSettings;
  private readonly cfg: ClickHouseConfig;
  private readonly signals: PipelineSignal[];
  private readonly limits: Limits;
  private client?: ClickHouseClient;
  private tags?: TagStore;
  private querySocket?: { server: Server; path: string };
  /** learnt at start, or at the first logs batch when the server was away at start */
  private logsFeatures?: LogsTableFeatures;
  private readonly metricTables: Record<MetricKind, string>;
  private readonly pools = new Pools();

  constructor(settings: CreateSettings, cfg: ClickHouseConfig, signals: PipelineSignal[]) {
    this.settings = settings;
    this.cfg = cfg;
    this.signals = signals;
    this.limits = { maxRows: cfg.max_insert_rows, maxBytes: cfg.max_insert_bytes };
    this.metricTables = Object.fromEntries(METRIC_KINDS.map((k) => [k, tableName(cfg, k)])) as Record<MetricKind, string>;
  }

  async start(): Promise<void> {
    const client = openClient(this.cfg, this.settings.configDir);
    this.client = client;
    this.tags = new TagStore(client, this.cfg, rolesFor(this.signals));
    try {
      if (this.cfg.create_schema) {
        for (const statement of schemaStatements(this.cfg, rolesFor(this.signals))) await client.query(statement);
      }
      if (this.signals.includes('logs')) {
        await this.detectLogsFeatures(client).catch((err: Error) => {
          // without DDL to run, an unreachable server need not stop the collector: the first
          // logs batch looks again, and is retried until it can
          if (this.cfg.create_schema) throw err;
          this.settings.logger.warn(`cannot read the logs table's columns yet: ${err.message}`);
        });
      }
      // the first exporter on a folder serves its queries
      if (client instanceof EmbeddedClient && client.users === 1) await this.serveQueries(client);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async detectLogsFeatures(client: ClickHouseClient): Promise<LogsTableFeatures> {
    const features = await logsTableFeatures(client, this.cfg);
    if (!features.eventName) {
      const table = `${this.cfg.database}.${tableName(this.cfg, 'logs')}`;
      this.settings.logger.warn(
        `table ${table} has no EventName column: log event names are not stored. ` +
          `Add it with: ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS EventName String CODEC(ZSTD(1))`,
      );
    }
    this.logsFeatures = features;
    return features;
  }

  /** chdb locks its folder: `flowtel query` asks this process through a Unix socket instead. */
  private async serveQueries(client: EmbeddedClient): Promise<void> {
    const path = querySocketPath(this.cfg, this.settings.configDir);
    // a socket left by a collector that died: the engine's folder lock says none runs now
    if (existsSync(path)) rmSync(path);
    const server = createClickHouseHttpServer(client);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    }).catch((err: Error) => {
      this.settings.logger.warn(`flowtel query cannot reach this collector: listening on ${path} failed: ${err.message}`);
    });
    if (!server.listening) return;
    chmodSync(path, 0o600);
    this.querySocket = { server, path };
  }

  async push(batch: Batch, signal?: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client) throw retryable('the ClickHouse exporter is not started');
    if (batch.signal === 'logs' && !this.logsFeatures) {
      await this.detectLogsFeatures(client).catch((err: Error) => {
        throw retryable(`cannot read the columns of ${this.cfg.database}.${tableName(this.cfg, 'logs')}: ${err.message}`, { cause: err });
      });
    }
    const withIds = await this.prepareTags(batch);
    const blocks = this.encode(batch, withIds);
    try {
      for (const block of blocks) {
        const insert = `INSERT INTO ${quoteIdent(this.cfg.database)}.${quoteIdent(block.table)} (${block.columns.map(quoteIdent).join(', ')}) FORMAT Native`;
        try {
          await client.insertRaw(insert, block.data, signal);
        } catch (err) {
          const message = `insert into ${this.cfg.database}.${block.table} failed: ${(err as Error).message}`;
          throw isPermanent(err) ? permanent(message, { cause: err }) : retryable(message, { cause: err });
        }
      }
    } finally {
      for (const block of blocks) block.release();
    }
  }

  /** SmartEncoding: the id columns and dictionary entries the batch's encoded resources need. */
  private async prepareTags(batch: Batch): Promise<boolean> {
    try {
      return await this.tags!.prepare(resourcesOf(batch));
    } catch (err) {
      const message = `storing SmartEncoding tags in ${this.cfg.database} failed: ${(err as Error).message}`;
      throw err instanceof UndecodableIdsError || isPermanent(err) ? permanent(message, { cause: err }) : retryable(message, { cause: err });
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
      default:
        throw permanent(`the ClickHouse exporter takes traces, metrics and logs, not ${batch.signal}`);
    }
  }

  /** Request logs of the l7 processor go to l7_flow_log only, every other log to otel_logs. */
  private encodeLogs(logs: Logs, rows: number, withIds: boolean): Block[] {
    const hasL7 = logs.resourceLogs.some((rl) => rl.scopeLogs.some(isL7Scope));
    const features = this.logsFeatures ?? { eventName: true };
    const blocks = encodeLogs(logs, tableName(this.cfg, 'logs'), features, this.limits, rows, notL7Scope, this.pools, withIds);
    if (hasL7) blocks.push(...encodeL7(logs, tableName(this.cfg, 'l7'), this.limits, rows, isL7Scope, this.pools, withIds));
    return blocks;
  }

  async stop(): Promise<void> {
    const socket = this.querySocket;
    this.querySocket = undefined;
    if (socket) {
      await new Promise<void>((resolve) => socket.server.close(() => resolve()));
      rmSync(socket.path, { force: true });
    }
    const client = this.client;
    this.client = undefined;
    this.tags = undefined;
    await client?.close();
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
    default:
      return [];
  }
}

export function createClickHouseExporter(settings: CreateSettings, cfg: ClickHouseConfig, signals: PipelineSignal[]): Exporter {
  const exporter = new ClickHouseExporter(settings, cfg, signals);
  return createQueuedExporter({
    settings,
    config: cfg,
    signals,
    push: (batch, signal) => exporter.push(batch, signal),
    start: () => exporter.start(),
    shutdown: () => exporter.stop(),
  });
}
