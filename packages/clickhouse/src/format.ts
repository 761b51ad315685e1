// Query results for a terminal (an aligned table), for programs (JSON) and spreadsheets (CSV).

export interface ResultSet {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

export const QUERY_FORMATS = ['table', 'json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];
/** `--service-map` drawn as a graph besides the three above (service-map.ts) */
export const SERVICE_MAP_FORMATS = ['dot', 'mermaid'] as const;
export type ServiceMapFormat = (typeof SERVICE_MAP_FORMATS)[number];

/** `--flamegraph`'s formats (flamegraph.ts draws them) */
export const FLAMEGRAPH_FORMATS = ['svg', 'folded', 'pprof'] as const;
export type FlamegraphFormat = (typeof FLAMEGRAPH_FORMATS)[number];

function cellText(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function formatTable(rs: ResultSet): string {
  const header = rs.columns.map((c) => c.name);
  const body = rs.rows.map((r) => r.map((v) => cellText(v).replace(/\n/g, '\\n')));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const numeric = rs.columns.map((c) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  out.push(`(${rs.rows.length} row${rs.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

export function formatJson(rs: ResultSet): string {
  const objects = rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c.name, r[i]])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : cellText(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(rs: ResultSet): string {
  const lines = [rs.columns.map((c) => csvCell(c.name)).join(','), ...rs.rows.map((r) => r.map(csvCell).join(','))];
  return `${lines.join('\n')}\n`;
}

export function formatResult(rs: ResultSet, format: QueryFormat): string {
  switch (format) {
    case 'table':
      return formatTable(rs);
    case 'json':
      return formatJson(rs);
    case 'csv':
      return formatCsv(rs);
  }
}

/** ClickHouse's JSONCompact output as a ResultSet. */
export function parseJsonCompact(text: string): ResultSet {
  const parsed = JSON.parse(text) as { meta?: Array<{ name: string; type: string }>; data?: unknown[][] };
  return { columns: parsed.meta ?? [], rows: parsed.data ?? [] };
}
