// The store's settings: the collector-contrib ClickHouse exporter's keys and defaults (the
// exporter's config is these plus its queue and retry), the embedded endpoint
// (`chdb://<folder>`), the L7 request-log table and the insert batch bounds.
import { duration, opaque, z } from '@flowtel/core';

const tableName = (name: string) =>
  z
    .object({ name: z.string().min(1).default(name) })
    .strict()
    .default({});

/** A name that goes into SQL between double quotes: letters, digits, `_`, `.` and `-` only. */
const identifier = () => z.string().regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"');

export const COMPRESSIONS = ['none', 'lz4', 'zstd', 'gzip', 'deflate', 'br', 'true', 'false'] as const;

/** The store's keys, for a component config that embeds them. */
export const storeShape = {
  /** `chdb://<folder>` (embedded), `http://host:8123` or `https://host:8443` */
  endpoint: z
    .string()
    .refine((e) => !/^(tcp|clickhouse):\/\//.test(e), {
      message:
        "ClickHouse's native protocol (tcp://, clickhouse://, port 9000) is not in flowtel yet: use its HTTP interface, http://host:8123 or https://host:8443",
    })
    .refine(
      (e) => /^(chdb|https?|tcp|clickhouse):\/\/.+/.test(e),
      'must be chdb://<folder> (embedded) or http(s)://host:port (a ClickHouse server)',
    )
    .default('chdb://./data/clickhouse'),
  database: identifier().default('otel'),
  username: z.string().default(''),
  password: opaque().default(''),
  /** 0 keeps data forever */
  ttl: duration().default(0),
  create_schema: z.boolean().default(true),
  logs_table_name: identifier().default('otel_logs'),
  traces_table_name: identifier().default('otel_traces'),
  /** where logs of the l7 processor's scope go (DeepFlow's flow_log.l7_flow_log) */
  l7_flow_log_table_name: identifier().default('l7_flow_log'),
  /** flowtel's own: contrib's exporter stores no profiles */
  profiles_table_name: identifier().default('otel_profiles'),
  /** contrib's deprecated prefix of the metrics tables: refused, metrics_tables says it */
  metrics_table_name: z
    .undefined({
      errorMap: () => ({
        message:
          'metrics_table_name is not in flowtel (contrib deprecated it): name the tables with metrics_tables (gauge, sum, summary, histogram, exponential_histogram: {name: ...})',
      }),
    })
    .optional(),
  /** contrib's JSON-typed attribute columns; flowtel writes Map columns */
  json: z
    .literal(false, {
      errorMap: () => ({
        message:
          'json: true (JSON-typed attribute columns) is not in flowtel yet: it writes the Map(LowCardinality(String), String) columns contrib writes without it',
      }),
    })
    .optional(),
  metrics_tables: z
    .object({
      gauge: tableName('otel_metrics_gauge'),
      sum: tableName('otel_metrics_sum'),
      summary: tableName('otel_metrics_summary'),
      histogram: tableName('otel_metrics_histogram'),
      exponential_histogram: tableName('otel_metrics_exp_histogram'),
    })
    .strict()
    .default({}),
  cluster_name: identifier().optional(),
  table_engine: z
    .object({
      name: z
        .string()
        .regex(/^[A-Za-z]+$/, 'must be a table engine name such as MergeTree or ReplicatedMergeTree')
        .default('MergeTree'),
      params: z.string().default(''),
    })
    .strict()
    .default({}),
  async_insert: z.boolean().default(true),
  compress: z.enum(COMPRESSIONS).default('lz4'),
  /** ClickHouse settings sent with every query (remote mode), as contrib's connection_params */
  connection_params: z.record(z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** an INSERT carries at most this many rows ... */
  max_insert_rows: z.number().int().positive().default(500_000),
  /** ... and at most about this many bytes of encoded data */
  max_insert_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /**
   * Batches for one table that arrive within this time go out as one INSERT (until it holds
   * max_insert_rows or max_insert_bytes); 0 sends each batch as it comes.
   */
  insert_flush_interval: duration().default('1s'),
  /**
   * Embedded mode only: `flowtel query` reaches the running collector through this Unix
   * socket, since the engine locks its folder. Empty: `<folder>/flowtel-query.sock`.
   */
  query_socket: z.string().default(''),
  /**
   * flowtel's own (contrib has no embedded engine): the embedded store's HTTP interface for
   * readers such as Grafana's ClickHouse plugin, off by default; read-only, basic auth required.
   */
  http_interface: z
    .object({
      enabled: z.boolean().default(false),
      /** host:port; localhost unless another address is asked for */
      endpoint: z
        .string()
        .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/, 'must be host:port, e.g. localhost:8123')
        .default('localhost:8123'),
      username: z.string().default(''),
      password: opaque().default(''),
    })
    .strict()
    .refine((h) => !h.enabled || (h.username !== '' && h.password !== ''), {
      message: 'http_interface: enabled needs username and password: readers log in with basic auth',
    })
    .default({}),
};

/** Why the store's keys do not go together, or undefined. */
export function storeConfigProblem(c: { endpoint: string; http_interface: { enabled: boolean } }): string | undefined {
  if (c.http_interface.enabled && !c.endpoint.startsWith('chdb://'))
    return 'http_interface serves the embedded store (chdb://): a ClickHouse server has its own HTTP interface';
  return undefined;
}

export const storeConfigSchema = z
  .object(storeShape)
  .strict()
  .superRefine((c, ctx) => {
    const problem = storeConfigProblem(c);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: ['http_interface'] });
  });
/** What the store reads of a config; an exporter's config has more (queue, retry). */
export type StoreConfig = z.output<typeof storeConfigSchema>;
