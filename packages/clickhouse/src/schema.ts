// The tables, as the collector-contrib ClickHouse exporter creates them (its sqltemplates:
// columns, types, codecs, indexes, PARTITION BY, ORDER BY, TTL and settings), plus
// l7_flow_log for request logs. With cluster_name every statement runs ON CLUSTER; each table
// then is a Replicated* `<name>_local` on every node with a Distributed `<name>` over them, so
// queries and inserts keep using the contrib names.
import type { StoreConfig } from './config.ts';
import type { MetricKind } from './encode/metrics.ts';

const q = (name: string) => `"${name}"`;

/** contrib's TTL: the largest whole unit of the duration. */
export function ttlExpression(ttlMs: number, timeField: string): string {
  if (ttlMs <= 0) return '';
  const units: Array<[number, string]> = [
    [86_400_000, 'Day'],
    [3_600_000, 'Hour'],
    [60_000, 'Minute'],
  ];
  for (const [ms, unit] of units) if (ttlMs % ms === 0) return `TTL ${timeField} + toInterval${unit}(${ttlMs / ms})`;
  return `TTL ${timeField} + toIntervalSecond(${Math.max(1, Math.round(ttlMs / 1000))})`;
}

interface TableSpec {
  /** the name queries use */
  name: string;
  columns: string;
  /** the storage clauses after ENGINE, with `%TTL%` where contrib puts the TTL */
  storage: string;
  ttlField: string;
  /** the Distributed sharding key in cluster mode */
  shardBy: string;
}

const MAP = 'Map(LowCardinality(String), String)';

const TRACES_COLUMNS = `
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes ${MAP} CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes ${MAP} CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes ${MAP}
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes ${MAP}
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1`;

const TRACES_STORAGE = `
    PARTITION BY toDate(Timestamp)
    ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
    %TTL%
    SETTINGS index_granularity=8192, ttl_only_drop_parts = 1`;

const TRACE_ID_TS_COLUMNS = `
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1`;

const TRACE_ID_TS_STORAGE = `
    PARTITION BY toDate(Start)
    ORDER BY (TraceId, Start)
    %TTL%
    SETTINGS index_granularity=8192, ttl_only_drop_parts = 1`;

const LOGS_COLUMNS = `
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes ${MAP} CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes ${MAP} CODEC(ZSTD(1)),
    LogAttributes ${MAP} CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),

    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8`;

const LOGS_STORAGE = `
    PARTITION BY toDate(TimestampTime)
    PRIMARY KEY (ServiceName, TimestampTime)
    ORDER BY (ServiceName, TimestampTime, Timestamp)
    %TTL%
    SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

// flowtel's own (contrib stores no profiles): a row per sample, its stack as frame names leaf first
const PROFILES_COLUMNS = `
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    ProfileId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes ${MAP} CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    SampleType LowCardinality(String) CODEC(ZSTD(1)),
    SampleUnit LowCardinality(String) CODEC(ZSTD(1)),
    PeriodType LowCardinality(String) CODEC(ZSTD(1)),
    PeriodUnit LowCardinality(String) CODEC(ZSTD(1)),
    Period Int64 CODEC(ZSTD(1)),
    DurationNano UInt64 CODEC(ZSTD(1)),
    Stack Array(LowCardinality(String)) CODEC(ZSTD(1)),
    Value Int64 CODEC(ZSTD(1)),
    SampleAttributes ${MAP} CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),

    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1`;

const PROFILES_STORAGE = `
    PARTITION BY toDate(Timestamp)
    ORDER BY (ServiceName, SampleType, Timestamp)
    %TTL%
    SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

const METRIC_SHARED_COLUMNS = `
    ResourceAttributes ${MAP} CODEC(ZSTD(1)),
    ResourceSchemaUrl String CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    ScopeAttributes ${MAP} CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    MetricName String CODEC(ZSTD(1)),
    MetricDescription String CODEC(ZSTD(1)),
    MetricUnit String CODEC(ZSTD(1)),
    Attributes ${MAP} CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),`;

const EXEMPLARS = `
    Exemplars Nested (
        FilteredAttributes ${MAP},
        TimeUnix DateTime64(9),
        Value Float64,
        SpanId String,
        TraceId String
    ) CODEC(ZSTD(1)),`;

const METRIC_INDEXES = `
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1`;

const METRIC_OWN_COLUMNS: Record<MetricKind, string> = {
  gauge: `
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),${EXEMPLARS}`,
  sum: `
    Value Float64 CODEC(ZSTD(1)),
    Flags UInt32  CODEC(ZSTD(1)),${EXEMPLARS}
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),`,
  histogram: `
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    BucketCounts Array(UInt64) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),${EXEMPLARS}
    Flags UInt32 CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),`,
  exponential_histogram: `
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ZeroCount UInt64 CODEC(ZSTD(1)),
    PositiveOffset Int32 CODEC(ZSTD(1)),
    PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1)),
    NegativeOffset Int32 CODEC(ZSTD(1)),
    NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1)),${EXEMPLARS}
    Flags UInt32  CODEC(ZSTD(1)),
    Min Float64 CODEC(ZSTD(1)),
    Max Float64 CODEC(ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),`,
  summary: `
    Count UInt64 CODEC(Delta, ZSTD(1)),
    Sum Float64 CODEC(ZSTD(1)),
    ValueAtQuantiles Nested(
        Quantile Float64,
        Value Float64
    ) CODEC(ZSTD(1)),
    Flags UInt32  CODEC(ZSTD(1)),`,
};

const METRIC_STORAGE = `
    %TTL%
    PARTITION BY toDate(TimeUnix)
    ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
    SETTINGS index_granularity=8192, ttl_only_drop_parts = 1`;

/**
 * DeepFlow's flow_log.l7_flow_log, the columns flowtel fills. SmartEncoding adds its integer
 * tag columns (region_id_0, pod_id_0, ...) with ALTER TABLE ... ADD COLUMN: every insert names
 * its columns, so rows inserted without them take the columns' defaults.
 */
const L7_COLUMNS = `
    time DateTime CODEC(DoubleDelta, ZSTD(1)),
    start_time DateTime64(6) CODEC(DoubleDelta, ZSTD(1)),
    end_time DateTime64(6) CODEC(DoubleDelta, ZSTD(1)),
    is_ipv4 UInt8,
    ip4_0 IPv4 CODEC(ZSTD(1)),
    ip4_1 IPv4 CODEC(ZSTD(1)),
    ip6_0 IPv6 CODEC(ZSTD(1)),
    ip6_1 IPv6 CODEC(ZSTD(1)),
    client_port UInt16 CODEC(ZSTD(1)),
    server_port UInt16 CODEC(ZSTD(1)),
    protocol UInt8,
    l7_protocol UInt8,
    l7_protocol_str LowCardinality(String),
    tap_side LowCardinality(String),
    version LowCardinality(String),
    type UInt8,
    request_type LowCardinality(String),
    request_domain String CODEC(ZSTD(1)),
    request_resource String CODEC(ZSTD(1)),
    endpoint String CODEC(ZSTD(1)),
    request_id Nullable(UInt64) CODEC(ZSTD(1)),
    response_status UInt8,
    response_code Nullable(Int32) CODEC(ZSTD(1)),
    response_exception String CODEC(ZSTD(1)),
    response_result String CODEC(ZSTD(1)),
    x_request_id_0 String CODEC(ZSTD(1)),
    x_request_id_1 String CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    span_kind Nullable(UInt8),
    app_service LowCardinality(String),
    app_instance String CODEC(ZSTD(1)),
    response_duration UInt64 CODEC(ZSTD(1)),
    request_length Nullable(Int64) CODEC(ZSTD(1)),
    response_length Nullable(Int64) CODEC(ZSTD(1)),
    process_id_0 Int32 CODEC(ZSTD(1)),
    process_id_1 Int32 CODEC(ZSTD(1)),
    process_kname_0 LowCardinality(String),
    process_kname_1 LowCardinality(String),
    syscall_trace_id_request UInt64 CODEC(ZSTD(1)),
    syscall_trace_id_response UInt64 CODEC(ZSTD(1)),
    syscall_thread_0 UInt32 CODEC(ZSTD(1)),
    syscall_thread_1 UInt32 CODEC(ZSTD(1)),
    attribute_names Array(LowCardinality(String)) CODEC(ZSTD(1)),
    attribute_values Array(String) CODEC(ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_duration response_duration TYPE minmax GRANULARITY 1`;

const L7_STORAGE = `
    PARTITION BY toDate(time)
    ORDER BY (app_service, l7_protocol_str, time)
    %TTL%
    SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

export type TableRole = 'traces' | 'logs' | 'l7' | 'profiles' | MetricKind;

function specs(cfg: StoreConfig): Record<TableRole, TableSpec> {
  const metric = (kind: MetricKind): TableSpec => ({
    name: cfg.metrics_tables[kind].name,
    columns: METRIC_SHARED_COLUMNS + METRIC_OWN_COLUMNS[kind] + METRIC_INDEXES,
    storage: METRIC_STORAGE,
    ttlField: 'toDateTime(TimeUnix)',
    shardBy: 'rand()',
  });
  return {
    traces: {
      name: cfg.traces_table_name,
      columns: TRACES_COLUMNS,
      storage: TRACES_STORAGE,
      ttlField: 'toDateTime(Timestamp)',
      shardBy: 'cityHash64(TraceId)',
    },
    logs: {
      name: cfg.logs_table_name,
      columns: LOGS_COLUMNS,
      storage: LOGS_STORAGE,
      ttlField: 'TimestampTime',
      shardBy: 'rand()',
    },
    l7: {
      name: cfg.l7_flow_log_table_name,
      columns: L7_COLUMNS,
      storage: L7_STORAGE,
      ttlField: 'time',
      shardBy: 'rand()',
    },
    profiles: {
      name: cfg.profiles_table_name,
      columns: PROFILES_COLUMNS,
      storage: PROFILES_STORAGE,
      ttlField: 'toDateTime(Timestamp)',
      shardBy: 'rand()',
    },
    gauge: metric('gauge'),
    sum: metric('sum'),
    histogram: metric('histogram'),
    exponential_histogram: metric('exponential_histogram'),
    summary: metric('summary'),
  };
}

/** The table an INSERT or query names for a role: the Distributed one in cluster mode. */
export function tableName(cfg: StoreConfig, role: TableRole): string {
  return specs(cfg)[role].name;
}

function onCluster(cfg: StoreConfig): string {
  return cfg.cluster_name ? `ON CLUSTER ${q(cfg.cluster_name)}` : '';
}

function engine(cfg: StoreConfig): string {
  const { name, params } = cfg.table_engine;
  const replicated = cfg.cluster_name && !name.startsWith('Replicated') ? `Replicated${name}` : name;
  return `${replicated}(${params})`;
}

function createTable(cfg: StoreConfig, spec: TableSpec): string[] {
  const db = q(cfg.database);
  const storage = spec.storage.replace('%TTL%', ttlExpression(cfg.ttl, spec.ttlField));
  if (!cfg.cluster_name) {
    return [`CREATE TABLE IF NOT EXISTS ${db}.${q(spec.name)} (${spec.columns}\n) ENGINE = ${engine(cfg)}${storage}`];
  }
  const local = `${spec.name}_local`;
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.${q(local)} ${onCluster(cfg)} (${spec.columns}\n) ENGINE = ${engine(cfg)}${storage}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${q(spec.name)} ${onCluster(cfg)} AS ${db}.${q(local)} ENGINE = Distributed(${q(cfg.cluster_name)}, ${db}, ${q(local)}, ${spec.shardBy})`,
  ];
}

/** The lookup of a trace's time range, and the view that fills it from every span insert. */
function traceIdTs(cfg: StoreConfig, traces: TableSpec): string[] {
  const db = q(cfg.database);
  const lookup: TableSpec = {
    name: `${traces.name}_trace_id_ts`,
    columns: TRACE_ID_TS_COLUMNS,
    storage: TRACE_ID_TS_STORAGE,
    ttlField: 'toDateTime(Start)',
    shardBy: 'cityHash64(TraceId)',
  };
  // in cluster mode the view reads each node's local spans and writes its local lookup
  const suffix = cfg.cluster_name ? '_local' : '';
  return [
    ...createTable(cfg, lookup),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${q(`${traces.name}_trace_id_ts_mv`)} ${onCluster(cfg)}
TO ${db}.${q(lookup.name + suffix)}
AS SELECT
    TraceId,
    min(Timestamp) as Start,
    max(Timestamp) as End
FROM ${db}.${q(traces.name + suffix)}
WHERE TraceId != ''
GROUP BY TraceId`,
  ];
}

/**
 * l7_flow_log is flowtel's own table and gains columns as the l7 processor learns fields: a
 * table an older flowtel created gets the missing ones (existing rows read their defaults).
 */
function l7ColumnUpgrade(cfg: StoreConfig, spec: TableSpec): string[] {
  const columns = spec.columns
    .split('\n')
    .map((line) => line.trim().replace(/,$/, ''))
    .filter((line) => line !== '' && !line.startsWith('INDEX '));
  const add = columns.map((c) => `ADD COLUMN IF NOT EXISTS ${c}`).join(', ');
  const tables = cfg.cluster_name ? [`${spec.name}_local`, spec.name] : [spec.name];
  const cluster = cfg.cluster_name ? ` ${onCluster(cfg)}` : '';
  return tables.map((t) => `ALTER TABLE ${q(cfg.database)}.${q(t)}${cluster} ${add}`);
}

/**
 * The embedded engine's merges (issue 26): ClickHouse merges parts of similar size once about
 * `merge_selector_base` of them are there (5 by default), and every merge rewrites its rows, so
 * a row is written again once per level. At one INSERT per table per second that write
 * amplification was the engine's largest cost after the INSERTs themselves; at 20, the same
 * 960,000 spans were merged as 2.64M rows instead of 5.12M (bench/clickhouse-merges.ts; figures
 * in the exporter's README), with tens of parts per partition left for reads instead of a
 * few. A table setting, so the tables keep contrib's columns, indexes and keys; applied with
 * ALTER so that a store an older flowtel made gets it too. Not in remote mode: merges on a
 * server are its operator's to tune (and 23.3 lacks the setting).
 */
export const EMBEDDED_MERGE_SELECTOR_BASE = 20;

export function embeddedMergeSettings(cfg: StoreConfig, roles: TableRole[]): string[] {
  // a cluster is a server's; an engine other than the MergeTree family has no merges
  if (cfg.cluster_name || !cfg.table_engine.name.endsWith('MergeTree')) return [];
  const all = specs(cfg);
  const tables = roles.flatMap((role) =>
    role === 'traces' ? [all.traces.name, `${all.traces.name}_trace_id_ts`] : [all[role].name],
  );
  return tables.map(
    (t) =>
      `ALTER TABLE ${q(cfg.database)}.${q(t)} MODIFY SETTING merge_selector_base = ${EMBEDDED_MERGE_SELECTOR_BASE}`,
  );
}

/** Every DDL statement, in order: the database, then the tables of the given roles. */
export function schemaStatements(cfg: StoreConfig, roles: TableRole[]): string[] {
  const all = specs(cfg);
  const out = [`CREATE DATABASE IF NOT EXISTS ${q(cfg.database)} ${onCluster(cfg)}`.trim()];
  for (const role of roles) {
    out.push(...createTable(cfg, all[role]));
    if (role === 'traces') out.push(...traceIdTs(cfg, all.traces));
    if (role === 'l7') out.push(...l7ColumnUpgrade(cfg, all.l7));
  }
  return out;
}
