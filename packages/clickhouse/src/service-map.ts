// `flowtel query --service-map`: the edges the servicegraph connector's metrics describe, read
// from the metrics tables (contrib's otel_metrics_sum / otel_metrics_histogram): per client and
// server, the requests, the failed ones and the latency's p50 and p99, as a table or drawn as a
// Graphviz DOT or Mermaid graph. The metrics are cumulative: each series' (attributes and start
// time) last point counts, and the series of an edge add up.
import type { StoreConfig } from './config.ts';
import { quoteIdent } from './client.ts';
import type { ResultSet } from './format.ts';

const TOTAL = 'traces_service_graph_request_total';
const FAILED = 'traces_service_graph_request_failed_total';
const SERVER = 'traces_service_graph_request_server';
const CLIENT = 'traces_service_graph_request_client';

const table = (cfg: StoreConfig, kind: 'sum' | 'histogram') =>
  `${quoteIdent(cfg.database)}.${quoteIdent(cfg.metrics_tables[kind].name)}`;

/** Requests per edge and metric (total, failed): the last value of each cumulative series, added up. */
export function edgeCountsSql(cfg: StoreConfig): string {
  return `SELECT Attributes['client'] AS client, Attributes['server'] AS server,
    any(Attributes['connection_type']) AS connection_type, MetricName AS metric, toUInt64(sum(last)) AS value
FROM (
    SELECT Attributes, MetricName, StartTimeUnix, argMax(Value, TimeUnix) AS last
    FROM ${table(cfg, 'sum')}
    WHERE MetricName IN ('${TOTAL}', '${FAILED}')
    GROUP BY Attributes, MetricName, StartTimeUnix
)
GROUP BY client, server, metric
ORDER BY client, server`;
}

/** The latency buckets per edge and side (server, client), added up over the edge's series. */
export function edgeLatencySql(cfg: StoreConfig): string {
  return `SELECT Attributes['client'] AS client, Attributes['server'] AS server, MetricName AS metric,
    bounds, sumForEach(buckets) AS buckets, sum(total) AS sum
FROM (
    SELECT Attributes, MetricName, StartTimeUnix, any(ExplicitBounds) AS bounds,
        argMax(BucketCounts, TimeUnix) AS buckets, argMax(Sum, TimeUnix) AS total
    FROM ${table(cfg, 'histogram')}
    WHERE MetricName IN ('${SERVER}', '${CLIENT}')
    GROUP BY Attributes, MetricName, StartTimeUnix
)
GROUP BY client, server, metric, bounds`;
}

/**
 * Prometheus's histogram_quantile over explicit buckets: linear within the bucket the rank
 * falls in, the lowest bucket starting at 0, and the top bound when it falls in +Inf.
 */
export function bucketQuantile(q: number, bounds: number[], counts: number[]): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    if (before + counts[i] >= rank && counts[i] > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const lower = i === 0 ? 0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * ((rank - before) / counts[i]);
    }
    before += counts[i];
  }
  return bounds[bounds.length - 1];
}

interface Edge {
  client: string;
  server: string;
  connection_type: string;
  requests: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

const rowsOf = (rs: ResultSet) => rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c.name, r[i]])));
const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 1e6) / 1e3);

/**
 * The edges from the two queries' results. The latency is the server side's (the service's
 * own time); where it recorded nothing (a virtual server: an uninstrumented peer) the client's.
 */
export function serviceMap(counts: ResultSet, latency: ResultSet): ResultSet {
  const edges = new Map<string, Edge>();
  const edgeOf = (client: string, server: string) => {
    const key = `${client}\u0000${server}`;
    let e = edges.get(key);
    if (!e)
      edges.set(key, (e = { client, server, connection_type: '', requests: 0, errors: 0, p50_ms: null, p99_ms: null }));
    return e;
  };
  for (const r of rowsOf(counts)) {
    const e = edgeOf(String(r.client), String(r.server));
    if (r.metric === TOTAL) {
      e.requests += Number(r.value);
      e.connection_type = String(r.connection_type ?? '');
    } else e.errors += Number(r.value);
  }
  const sides = new Map<
    string,
    {
      server?: { bounds: number[]; counts: number[]; sum: number };
      client?: { bounds: number[]; counts: number[]; sum: number };
    }
  >();
  for (const r of rowsOf(latency)) {
    const key = `${r.client}\u0000${r.server}`;
    const side = sides.get(key) ?? {};
    const h = {
      bounds: (r.bounds as number[]).map(Number),
      counts: (r.buckets as unknown[]).map(Number),
      sum: Number(r.sum),
    };
    if (r.metric === SERVER) side.server = h;
    else side.client = h;
    sides.set(key, side);
  }
  for (const [key, side] of sides) {
    const e = edges.get(key);
    if (!e) continue;
    const h = side.server && side.server.sum > 0 ? side.server : (side.client ?? side.server);
    if (!h) continue;
    e.p50_ms = round(bucketQuantile(0.5, h.bounds, h.counts));
    e.p99_ms = round(bucketQuantile(0.99, h.bounds, h.counts));
  }
  const list = [...edges.values()].sort((a, b) => b.requests - a.requests || a.client.localeCompare(b.client));
  return {
    columns: [
      { name: 'client', type: 'String' },
      { name: 'server', type: 'String' },
      { name: 'connection_type', type: 'String' },
      { name: 'requests', type: 'UInt64' },
      { name: 'errors', type: 'UInt64' },
      { name: 'p50_ms', type: 'Nullable(Float64)' },
      { name: 'p99_ms', type: 'Nullable(Float64)' },
    ],
    rows: list.map((e) => [e.client, e.server, e.connection_type, e.requests, e.errors, e.p50_ms, e.p99_ms]),
  };
}

function edgeLabel(row: unknown[]): string {
  const [, , , requests, errors, p50, p99] = row as [
    string,
    string,
    string,
    number,
    number,
    number | null,
    number | null,
  ];
  const latency = p50 === null ? '' : `, p50 ${p50} ms, p99 ${p99} ms`;
  return `${requests} req, ${errors} err${latency}`;
}

/** The map as a Graphviz digraph: `dot -Tsvg` draws it. */
export function serviceMapDot(rs: ResultSet): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['digraph service_map {', '  rankdir=LR;', '  node [shape=box];'];
  for (const row of rs.rows) {
    const [client, server, type] = row as string[];
    const style = type === 'virtual_node' ? ', style=dashed' : '';
    lines.push(`  ${q(client)} -> ${q(server)} [label=${q(edgeLabel(row))}${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The map as a Mermaid flowchart, for Markdown that renders it. */
export function serviceMapMermaid(rs: ResultSet): string {
  const ids = new Map<string, string>();
  const q = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const node = (name: string) => {
    let id = ids.get(name);
    if (id === undefined) {
      id = `n${ids.size}`;
      ids.set(name, id);
      return `${id}[${q(name)}]`;
    }
    return id;
  };
  const lines = ['flowchart LR'];
  for (const row of rs.rows) {
    const [client, server, type] = row as string[];
    const arrow = type === 'virtual_node' ? '-.->' : '-->';
    lines.push(`  ${node(client)} ${arrow}|${q(edgeLabel(row))}| ${node(server)}`);
  }
  return `${lines.join('\n')}\n`;
}
