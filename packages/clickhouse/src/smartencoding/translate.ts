// `flowtel query` lets a query name tags, as DeepFlow's querier does: `pod = 'x'` becomes a
// filter on the id column through the dictionary table, and `pod` anywhere else (SELECT,
// GROUP BY, ORDER BY) becomes dictGet on the kind's DICTIONARY object. Labels and user tags
// are reached the same way: `k8s.label.app = 'web'`, `tag.env`.
import { DICTIONARY_TABLE, dictionaryObject, idColumn } from './names.ts';
import { tokenize, unquote, type Token } from './sql-tokens.ts';
import type { TagKind } from '@flowtel/core/smartencoding';

/** Tag names a query may use, with DeepFlow's spellings beside flowtel's. */
export const TAG_NAMES: Record<string, TagKind> = {
  agent: 'agent',
  host: 'host',
  process: 'process',
  container: 'container',
  pod: 'pod',
  namespace: 'namespace',
  pod_ns: 'namespace',
  node: 'node',
  pod_node: 'node',
  workload: 'workload',
  pod_group: 'workload',
  service: 'service',
  pod_service: 'service',
};

/** Dotted names that read one attribute of an entry: prefix → kind and attribute key prefix. */
const ATTRIBUTE_NAMES: Array<[string, TagKind, string]> = [
  ['k8s.label', 'pod', 'k8s.pod.label.'],
  ['k8s.annotation', 'pod', 'k8s.pod.annotation.'],
  ['tag', 'agent', ''],
  ['resource', 'resource', ''],
];

interface TagRef {
  kind: TagKind;
  side?: 0 | 1;
  /** the attribute read, or undefined for the entry's name */
  attribute?: string;
  /** how the query wrote it: the alias a SELECT item gets */
  written: string;
}

function tagRef(name: string): TagRef | undefined {
  const sided = /^(.*)_([01])$/.exec(name);
  const plain = TAG_NAMES[name] ?? (sided ? TAG_NAMES[sided[1]] : undefined);
  if (plain) return { kind: plain, side: TAG_NAMES[name] ? undefined : (Number(sided![2]) as 0 | 1), written: name };
  for (const [prefix, kind, attributePrefix] of ATTRIBUTE_NAMES) {
    const m = new RegExp(`^${prefix.replace('.', '\\.')}(?:_([01]))?\\.(.+)$`).exec(name);
    if (m)
      return {
        kind,
        side: m[1] === undefined ? undefined : (Number(m[1]) as 0 | 1),
        attribute: attributePrefix + m[2],
        written: name,
      };
  }
  return undefined;
}

const FILTER_OPS = new Set(['=', '==', '!=', '<>', 'LIKE', 'ILIKE', 'IN', 'NOT LIKE', 'NOT ILIKE', 'NOT IN']);
const NEGATED: Record<string, string> = {
  '!=': '=',
  '<>': '=',
  'NOT LIKE': 'LIKE',
  'NOT ILIKE': 'ILIKE',
  'NOT IN': 'IN',
};
const CLAUSES = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'PREWHERE',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'SETTINGS',
  'FORMAT',
  'UNION',
  'JOIN',
  'WINDOW',
  'QUALIFY',
]);

export interface TranslateOptions {
  /** the database of the dictionary table and DICTIONARY objects */
  database: string;
}

/** Rewrites tag names in `sql` into id filters and dictionary lookups; everything else is left as written. */
export function translateTagNames(sql: string, options: TranslateOptions): string {
  const tokens = tokenize(sql);
  const out: string[] = [];
  const significant = tokens.map((t, i) => (t.type === 'space' || t.type === 'comment' ? -1 : i)).filter((i) => i >= 0);
  const aliases = aliasesOf(tokens, significant);
  const clauseAtDepth: string[] = [''];
  let depth = 0;
  let previous: Token | undefined;
  let skipUntil = -1;
  for (let s = 0; s < significant.length; s++) {
    const index = significant[s];
    const token = tokens[index];
    // copy the whitespace and comments before this token
    for (let i = s === 0 ? 0 : significant[s - 1] + 1; i < index; i++) if (i > skipUntil) out.push(tokens[i].text);
    if (index <= skipUntil) continue;
    const upper = token.type === 'ident' ? token.text.toUpperCase() : '';
    if (token.text === '(') clauseAtDepth[++depth] = '';
    else if (token.text === ')') depth = Math.max(0, depth - 1);
    else if (CLAUSES.has(upper)) clauseAtDepth[depth] = upper;

    const name = token.type === 'ident' ? token.text : token.type === 'quoted' ? unquote(token) : undefined;
    const next = tokens[significant[s + 1]];
    const ref =
      name !== undefined &&
      next?.text !== '(' &&
      previous?.text !== '.' &&
      previous?.text.toUpperCase() !== 'AS' &&
      !aliases.has(name)
        ? tagRef(name)
        : undefined;
    if (!ref) {
      out.push(token.text);
      previous = token;
      continue;
    }
    const filter = filterAt(tokens, significant, s + 1);
    if (filter) {
      out.push(filterSql(ref, filter.op, filter.rhs, options.database));
      skipUntil = significant[filter.end];
      s = filter.end;
      previous = tokens[significant[s]];
      continue;
    }
    const value = valueSql(ref, options.database);
    const upperNext = next?.type === 'ident' ? next.text.toUpperCase() : next?.text;
    const bareSelectItem =
      clauseAtDepth[depth] === 'SELECT' &&
      (previous?.text === ',' || ['SELECT', 'DISTINCT'].includes(previous?.text.toUpperCase() ?? '')) &&
      (next === undefined || next.text === ',' || next.text === ')' || upperNext === 'FROM');
    out.push(bareSelectItem ? `${value} AS \`${ref.written.replace(/`/g, '``')}\`` : value);
    previous = token;
  }
  for (let i = (significant.at(-1) ?? -1) + 1; i < tokens.length; i++) out.push(tokens[i].text);
  return out.join('');
}

/**
 * Names the query defines itself (`... AS pod`): a query written for contrib's tables, such as
 * `ResourceAttributes['k8s.pod.name'] AS pod ... GROUP BY pod`, means its own column there.
 */
function aliasesOf(tokens: Token[], significant: number[]): Set<string> {
  const out = new Set<string>();
  for (let s = 1; s < significant.length; s++) {
    const before = tokens[significant[s - 1]];
    const token = tokens[significant[s]];
    if (before.type !== 'ident' || before.text.toUpperCase() !== 'AS') continue;
    if (token.type === 'ident') out.add(token.text);
    else if (token.type === 'quoted') out.add(unquote(token));
  }
  return out;
}

/** `op rhs` after a tag, where rhs is a string or a list of strings: the filter form. */
function filterAt(
  tokens: Token[],
  significant: number[],
  s: number,
): { op: string; rhs: string; end: number } | undefined {
  const at = (k: number) => tokens[significant[k]];
  let op = at(s)?.text.toUpperCase();
  let k = s + 1;
  if (op === 'NOT' && at(k)) {
    op = `NOT ${at(k).text.toUpperCase()}`;
    k++;
  }
  if (!op || !FILTER_OPS.has(op)) return undefined;
  const first = at(k);
  if (first?.type === 'string') return { op, rhs: first.text, end: k };
  if (first?.text !== '(') return undefined;
  const parts: string[] = [];
  for (let j = k + 1; at(j); j++) {
    const t = at(j);
    if (t.text === ')') return parts.length ? { op, rhs: `(${parts.join(', ')})`, end: j } : undefined;
    if (t.type === 'string') parts.push(t.text);
    else if (t.text !== ',') return undefined;
  }
  return undefined;
}

const attributeExpr = (ref: TagRef, column: string) =>
  ref.attribute === undefined ? column : `${column}['${ref.attribute.replace(/'/g, "\\'")}']`;

function filterSql(ref: TagRef, op: string, rhs: string, database: string): string {
  const positive = NEGATED[op] ?? op;
  const inOrNot = NEGATED[op] ? 'NOT IN' : 'IN';
  const source = `\`${database}\`.\`${DICTIONARY_TABLE}\``;
  const test = `${attributeExpr(ref, ref.attribute === undefined ? 'name' : 'attributes')} ${positive} ${rhs}`;
  return `${idColumn(ref.kind, ref.side)} ${inOrNot} (SELECT id FROM ${source} FINAL WHERE kind = '${ref.kind}' AND ${test})`;
}

function valueSql(ref: TagRef, database: string): string {
  const dict = `'${database}.${dictionaryObject(ref.kind)}'`;
  const id = `toUInt64(${idColumn(ref.kind, ref.side)})`;
  return ref.attribute === undefined
    ? `dictGet(${dict}, 'name', ${id})`
    : `dictGet(${dict}, 'attributes', ${id})['${ref.attribute.replace(/'/g, "\\'")}']`;
}
