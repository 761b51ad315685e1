// The named views of `flowtel query`: RED per service, and one trace as a tree of spans.
import { dictionaryObject, idColumn } from './smartencoding/names.ts';
import type { StoreConfig } from './config.ts';
import { quoteIdent } from './client.ts';
import type { ResultSet } from './format.ts';
import { tableName } from './schema.ts';

/**
 * The service of a span. SmartEncoding keeps service.name on encoded records (its `keep`
 * list), so ServiceName holds it; when a `keep` list left it out, it is in the record's
 * `resource` dictionary entry. `withIds`: the table has SmartEncoding's id columns.
 */
export function serviceNameSql(cfg: StoreConfig, withIds: boolean): string {
  if (!withIds) return 'ServiceName';
  const dictionary = `${cfg.database}.${dictionaryObject('resource')}`.replace(/'/g, "\\'");
  return `if(ServiceName != '', ServiceName, dictGet('${dictionary}', 'attributes', toUInt64(${idColumn('resource')}))['service.name'])`;
}

/** Rate, errors and duration per service, from the spans that serve a request. */
export function servicesSql(cfg: StoreConfig, withIds = false): string {
  const traces = `${quoteIdent(cfg.database)}.${quoteIdent(tableName(cfg, 'traces'))}`;
  return `SELECT
    ${serviceNameSql(cfg, withIds)} AS service,
    count() AS requests,
    round(requests / greatest(1, dateDiff('second', min(Timestamp), max(Timestamp))), 3) AS requests_per_s,
    countIf(StatusCode = 'Error') AS errors,
    round(errors / requests, 4) AS error_rate,
    round(quantile(0.5)(Duration) / 1e6, 3) AS p50_ms,
    round(quantile(0.99)(Duration) / 1e6, 3) AS p99_ms,
    min(Timestamp) AS first_seen,
    max(Timestamp) AS last_seen
FROM ${traces}
WHERE SpanKind IN ('Server', 'Consumer') OR ParentSpanId = ''
GROUP BY service
ORDER BY requests DESC`;
}

/** The spans of one trace, narrowed by the trace-id lookup table as contrib's README does. */
export function traceSql(cfg: StoreConfig, traceId: string, withIds = false): string {
  if (!/^[0-9a-f]{32}$/i.test(traceId)) throw new Error(`"${traceId}" is not a trace id (32 hex digits)`);
  const db = quoteIdent(cfg.database);
  const traces = tableName(cfg, 'traces');
  const id = traceId.toLowerCase();
  return `WITH
    (SELECT min(Start) FROM ${db}.${quoteIdent(`${traces}_trace_id_ts`)} WHERE TraceId = '${id}') AS start,
    (SELECT max(End) + 1 FROM ${db}.${quoteIdent(`${traces}_trace_id_ts`)} WHERE TraceId = '${id}') AS end
SELECT SpanId, ParentSpanId, SpanName, ${serviceNameSql(cfg, withIds)} AS ServiceName, SpanKind, StatusCode,
    toString(Timestamp) AS start_time, round(Duration / 1e6, 3) AS duration_ms
FROM ${db}.${quoteIdent(traces)}
WHERE TraceId = '${id}' AND Timestamp >= start AND Timestamp <= end
ORDER BY Timestamp`;
}

interface SpanNode {
  row: Record<string, unknown>;
  children: SpanNode[];
}

/**
 * Orders spans depth-first under their parents. A span whose parent is not stored (still in
 * flight, or sampled away) starts a tree of its own; a span stored twice (a retried insert)
 * shows once.
 */
function buildTree(rs: ResultSet): SpanNode[] {
  const rows = rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c.name, r[i]])));
  const nodes = new Map<string, SpanNode>();
  for (const row of rows) nodes.set(String(row.SpanId), { row, children: [] });
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = nodes.get(String(node.row.ParentSpanId));
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** The trace as rows in tree order, the span names indented by depth. */
export function traceTree(rs: ResultSet): ResultSet {
  const out: unknown[][] = [];
  const visit = (node: SpanNode, depth: number) => {
    const r = node.row;
    out.push([
      depth,
      `${'  '.repeat(depth)}${r.SpanName}`,
      r.ServiceName,
      r.SpanKind,
      r.StatusCode,
      r.duration_ms,
      r.start_time,
      r.SpanId,
      r.ParentSpanId,
    ]);
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of buildTree(rs)) visit(root, 0);
  return {
    columns: [
      { name: 'depth', type: 'UInt32' },
      { name: 'span', type: 'String' },
      { name: 'service', type: 'String' },
      { name: 'kind', type: 'String' },
      { name: 'status', type: 'String' },
      { name: 'duration_ms', type: 'Float64' },
      { name: 'start_time', type: 'String' },
      { name: 'span_id', type: 'String' },
      { name: 'parent_span_id', type: 'String' },
    ],
    rows: out,
  };
}

/** The trace as nested JSON: each span with its children. */
export function traceJson(rs: ResultSet): string {
  const toJson = (n: SpanNode): unknown => ({ ...n.row, children: n.children.map(toJson) });
  return `${JSON.stringify(buildTree(rs).map(toJson), null, 2)}\n`;
}
