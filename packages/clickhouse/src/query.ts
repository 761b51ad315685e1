// The engine side of `flowtel query`: the store named by an exporter's config, embedded or
// remote, queried with SQL or a named view, the result formatted. A collector running on an
// embedded store holds its folder; the query then goes through that collector's query socket.
import { existsSync } from 'node:fs';
import { z } from '@flowtel/core';
import { DICTIONARY_TABLE, idColumn } from './smartencoding/names.ts';
import { translateTagNames } from './smartencoding/translate.ts';
import { ClickHouseError, quoteIdent, type ClickHouseClient } from './client.ts';
import { storeShape, type StoreConfig } from './config.ts';
import { isEmbedded, openClient, querySocketPath } from './store.ts';
import { EmbeddedClient, FOLDER_LOCKED, embeddedFolder } from './embedded.ts';
import {
  formatResult,
  parseJsonCompact,
  type FlamegraphFormat,
  type QueryFormat,
  type ResultSet,
  type ServiceMapFormat,
} from './format.ts';
import { HttpClient } from './http.ts';
import { tableName } from './schema.ts';
import { servicesSql, traceJson, traceSql, traceTree } from './views.ts';
import { edgeCountsSql, edgeLatencySql, serviceMap, serviceMapDot, serviceMapMermaid } from './service-map.ts';
import { flameSvg, flamegraphSql, foldedText, pprofBytes, stacksOf } from './flamegraph.ts';

export {
  FLAMEGRAPH_FORMATS,
  QUERY_FORMATS,
  SERVICE_MAP_FORMATS,
  type FlamegraphFormat,
  type QueryFormat,
  type ServiceMapFormat,
} from './format.ts';

/** SQL, or one of the named views. */
export type QueryRequest = string | { services: true } | { serviceMap: true } | { trace: string };

export interface QueryOptions {
  /** where relative paths in the config resolve from: the config file's directory */
  configDir?: string;
}

/** Connects to the store the config names; the caller closes the client. */
export async function connect(cfg: StoreConfig, configDir: string): Promise<ClickHouseClient> {
  if (!isEmbedded(cfg)) return openClient(cfg, configDir, cfg.database);
  const socketPath = querySocketPath(cfg, configDir);
  if (existsSync(socketPath)) {
    const viaCollector = new HttpClient({ url: 'http://localhost/', socketPath, database: cfg.database });
    try {
      await viaCollector.query('SELECT 1');
      return viaCollector;
    } catch {
      // a socket left by a collector that is gone: open the folder ourselves
    }
  }
  const folder = embeddedFolder(cfg.endpoint, configDir);
  if (!existsSync(folder))
    throw new Error(`no data yet: the embedded store ${folder} does not exist (start the collector first)`);
  let client: EmbeddedClient;
  try {
    client = EmbeddedClient.open(folder);
  } catch (err) {
    if (err instanceof ClickHouseError && err.code === FOLDER_LOCKED) {
      throw new Error(`the embedded store ${folder} is open in another process that does not answer on ${socketPath}`, {
        cause: err,
      });
    }
    throw err;
  }
  await client.query(`USE ${quoteIdent(cfg.database)}`).catch(() => {});
  return client;
}

async function select(client: ClickHouseClient, sql: string): Promise<ResultSet> {
  return parseJsonCompact((await client.query(sql, 'JSONCompact')).toString('utf8'));
}

/** Whether the traces table has SmartEncoding's id columns (added with the first encoded span). */
async function tracesHaveIds(client: ClickHouseClient, cfg: StoreConfig): Promise<boolean> {
  const table = `${quoteIdent(cfg.database)}.${quoteIdent(tableName(cfg, 'traces'))}`;
  const desc = await client.query(`DESC TABLE ${table}`, 'TabSeparated').catch(() => Buffer.alloc(0));
  return desc
    .toString('utf8')
    .split('\n')
    .some((line) => line.split('\t')[0] === idColumn('resource'));
}

/** Whether SmartEncoding ever stored tags here: only then are tag names in queries translated. */
async function hasTagDictionary(client: ClickHouseClient, cfg: StoreConfig): Promise<boolean> {
  const exists = await client
    .query(`EXISTS TABLE ${quoteIdent(cfg.database)}.${quoteIdent(DICTIONARY_TABLE)}`, 'TabSeparated')
    .catch(() => Buffer.from('0'));
  return exists.toString('utf8').trim() === '1';
}

/** The service map; a store that never got the servicegraph's metrics says so. */
async function selectServiceMap(client: ClickHouseClient, cfg: StoreConfig) {
  try {
    return serviceMap(await select(client, edgeCountsSql(cfg)), await select(client, edgeLatencySql(cfg)));
  } catch (err) {
    // UNKNOWN_TABLE: no metrics were ever stored here
    if (err instanceof ClickHouseError && err.code === 60)
      throw new Error(
        `no metrics in ${cfg.database} yet: the service map is drawn from the servicegraph connector's metrics, exported to this store (${cfg.metrics_tables.sum.name}, ${cfg.metrics_tables.histogram.name})`,
        { cause: err },
      );
    throw err;
  }
}

/** A store that never got profiles says so. */
function unknownTable(err: unknown, cfg: StoreConfig): never {
  // UNKNOWN_TABLE
  if (err instanceof ClickHouseError && err.code === 60)
    throw new Error(
      `no profiles in ${cfg.database} yet: a profiles pipeline exports them to this store (${cfg.profiles_table_name})`,
      { cause: err },
    );
  throw err;
}

/**
 * The clickhouse exporter's config in a collector config (its `exporters` map): the one with id
 * `id`, or the only one when no id is given.
 */
export function findClickHouseExporter(collectorConfig: unknown, id?: string): unknown {
  const exporters = (collectorConfig as { exporters?: Record<string, unknown> } | undefined)?.exporters ?? {};
  const ids = Object.keys(exporters).filter((key) => key === 'clickhouse' || key.startsWith('clickhouse/'));
  if (id !== undefined) {
    if (!ids.includes(id))
      throw new Error(
        `no exporter "${id}" in the config${ids.length ? ` (clickhouse exporters: ${ids.join(', ')})` : ''}`,
      );
    return exporters[id] ?? {};
  }
  if (ids.length === 0) throw new Error('the config has no clickhouse exporter to query');
  if (ids.length > 1) throw new Error(`the config has several clickhouse exporters (${ids.join(', ')}): name one`);
  return exporters[ids[0]] ?? {};
}

/** The store's keys of an exporter's config: its queue and retry keys do not concern a query. */
const queryConfigSchema = z.object(storeShape);

function storeConfigOf(config: unknown): StoreConfig {
  const parsed = queryConfigSchema.safeParse(config ?? {});
  if (!parsed.success)
    throw new Error(
      `invalid clickhouse exporter config: ${parsed.error.issues.map((i) => `${i.path.join('::')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * The profile samples `filter` (a SQL condition on the profiles table's columns; every sample
 * when undefined) selects, summed per stack, as an SVG flame graph, folded stacks or gzipped pprof.
 */
export async function runFlamegraph(
  config: unknown,
  filter: string | undefined,
  format: FlamegraphFormat,
  options: QueryOptions = {},
): Promise<string | Uint8Array> {
  const cfg = storeConfigOf(config);
  const client = await connect(cfg, options.configDir ?? process.cwd());
  try {
    // SmartEncoding's tag names in the filter (`pod = 'x'`) become id conditions, as in SQL queries
    const sql = (await hasTagDictionary(client, cfg))
      ? translateTagNames(flamegraphSql(cfg, filter), { database: cfg.database })
      : flamegraphSql(cfg, filter);
    const stacks = stacksOf(await select(client, sql).catch((err: unknown) => unknownTable(err, cfg)));
    if (format === 'folded') return foldedText(stacks);
    if (format === 'pprof') return pprofBytes(stacks);
    return flameSvg(stacks, `${stacks.type} (${stacks.unit})${filter ? `: ${filter}` : ''}`);
  } finally {
    await client.close();
  }
}

/**
 * Runs SQL or a named view against the store of a ClickHouse exporter config (the object under
 * `exporters: clickhouse:`, defaults applied here) and returns the formatted result.
 */
export async function runQuery(
  config: unknown,
  request: QueryRequest,
  format: QueryFormat | ServiceMapFormat,
  options: QueryOptions = {},
): Promise<string> {
  const drawn = format === 'dot' || format === 'mermaid';
  if (drawn && !(typeof request === 'object' && 'serviceMap' in request))
    throw new Error(`--format ${format} draws the service map: use it with --service-map`);
  const cfg = storeConfigOf(config);
  const client = await connect(cfg, options.configDir ?? process.cwd());
  try {
    if (typeof request === 'object' && 'serviceMap' in request) {
      const map = await selectServiceMap(client, cfg);
      if (format === 'dot') return serviceMapDot(map);
      if (format === 'mermaid') return serviceMapMermaid(map);
      return formatResult(map, format);
    }
    // dot and mermaid were refused above for anything but the service map
    const table = format as QueryFormat;
    if (typeof request === 'string') {
      // SmartEncoding's tag names (`pod = 'x'`, `process_1`) become id filters and dictionary lookups
      const sql = (await hasTagDictionary(client, cfg))
        ? translateTagNames(request, { database: cfg.database })
        : request;
      return formatResult(await select(client, sql), table);
    }
    const withIds = await tracesHaveIds(client, cfg);
    if ('services' in request) return formatResult(await select(client, servicesSql(cfg, withIds)), table);
    const spans = await select(client, traceSql(cfg, request.trace, withIds));
    if (spans.rows.length === 0)
      throw new Error(`trace ${request.trace} not found in ${cfg.database}.${cfg.traces_table_name}`);
    return table === 'json' ? traceJson(spans) : formatResult(traceTree(spans), table);
  } finally {
    await client.close();
  }
}
