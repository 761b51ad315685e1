// @flowtel/ottl: the OpenTelemetry Transformation Language of otelcol-contrib's pkg/ottl.
import { type CompileEnv, type Predicate, type Runner, compileCondition, compileStatement } from './compile.ts';
import { CONTEXT_SCOPE, type ContextName, PATH_PREFIXES } from './contexts.ts';
import { CONVERTERS } from './converters.ts';
import { EDITORS } from './editors.ts';
import type { FunctionDef } from './functions.ts';
import { METRIC_FUNCTIONS } from './metric-functions.ts';
import { type BoolExpr, type Expr, OttlSyntaxError, parseCondition, parseStatement } from './parser.ts';

export { type Predicate, type Runner, compare } from './compile.ts';
export { CONTEXTS, type ContextName, TransformContext } from './contexts.ts';
export { type FunctionDef } from './functions.ts';
export { csvFields } from './converters.ts';
export { OttlRuntimeError } from './values.ts';
export { walkLogs, walkMetrics, walkTraces, type Visit } from './walk.ts';

/**
 * Functions otelcol-contrib has that flowtel has not built yet: a statement that calls one
 * is refused with that reason instead of being accepted and ignored.
 */
export const NOT_YET_IMPLEMENTED: ReadonlySet<string> = new Set([
  'keep_matching_keys_by_value',
  'set_semconv_span_name',
  'CommunityID',
  'Decode',
  'ExtractGrokPatterns',
  'Base64Decode',
  'FormatTime',
  'GetXML',
  'InsertXML',
  'IsValidLuhn',
  'Murmur3Hash',
  'Murmur3Hash128',
  'ParseSeverity',
  'ParseSimplifiedXML',
  'ParseXML',
  'ProfileID',
  'RemoveXML',
  'Sort',
  'UserAgent',
  'XXH128',
  'XXH3',
  'ElementizeAttributesXML',
  'ConvertAttributesToElementsXML',
  'ConvertTextToElementsXML',
  'HasAttrKeyOnDatapoint',
  'HasAttrOnDatapoint',
  'extract_percentile_metric',
  'convert_summary_count_val_to_sum',
  'convert_summary_quantile_val_to_gauge',
  'convert_summary_sum_val_to_sum',
  'copy_metric',
  'convert_exponential_histogram_to_histogram',
  'aggregate_on_attribute_value',
  'merge_histogram_buckets',
  'ParseCEF',
  'ParseCLF',
  'ParseELF',
  'ParseLEEF',
]);

/** The functions every context has (otelcol's ottlfuncs.StandardFuncs and StandardConverters). */
export function standardFunctions(): Map<string, FunctionDef> {
  return new Map([...EDITORS, ...CONVERTERS].map((f) => [f.name, f]));
}

/** The standard functions and the transform processor's metric functions. */
export function transformFunctions(): Map<string, FunctionDef> {
  const m = standardFunctions();
  for (const f of METRIC_FUNCTIONS) m.set(f.name, f);
  return m;
}

export interface CompileOptions {
  functions?: ReadonlyMap<string, FunctionDef>;
}

function env(context: ContextName, options: CompileOptions): CompileEnv {
  return { context, functions: options.functions ?? standardFunctions(), notYet: NOT_YET_IMPLEMENTED };
}

/** A text that does not compile, by its index in the list it came from. */
export class OttlError extends Error {
  constructor(
    readonly index: number,
    readonly column: number,
    readonly reason: string,
    readonly text: string,
  ) {
    super(`unable to parse OTTL ${JSON.stringify(text)}: ${reason} (at column ${column})`);
    this.name = 'OttlError';
  }
}

function each<T>(texts: readonly string[], f: (t: string) => T): T[] {
  return texts.map((t, i) => {
    try {
      return f(t);
    } catch (err) {
      if (err instanceof OttlSyntaxError) throw new OttlError(i, err.column, err.message, t);
      throw err;
    }
  });
}

export function compileStatements(
  context: ContextName,
  texts: readonly string[],
  options: CompileOptions = {},
): Runner[] {
  const e = env(context, options);
  return each(texts, (t) => compileStatement(e, t));
}

export function compileConditions(
  context: ContextName,
  texts: readonly string[],
  options: CompileOptions = {},
): Predicate[] {
  const e = env(context, options);
  return each(texts, (t) => compileCondition(e, t));
}

/** The conditions ORed into one predicate (the filter's and the transform group's rule). */
export function anyOf(preds: Predicate[]): Predicate {
  if (preds.length === 1) return preds[0];
  return (tc) => {
    for (const p of preds) if (p(tc)) return true;
    return false;
  };
}

// contexts from the most specific to the least: inference picks the first one used
const PRIORITY: ContextName[] = ['spanevent', 'span', 'datapoint', 'metric', 'log', 'scope', 'resource'];

/** paths that name no context (only the grouped form, which names one, may have them) */
const bare: string[] = [];

function prefixesOf(e: Expr | BoolExpr, out: Set<ContextName>): void {
  switch (e.k) {
    case 'or':
    case 'and':
      return e.items.forEach((x) => prefixesOf(x, out));
    case 'not':
      return prefixesOf(e.x, out);
    case 'cmp':
      return (prefixesOf(e.l, out), prefixesOf(e.r, out));
    case 'value':
      return prefixesOf(e.v, out);
    case 'path': {
      const named = PATH_PREFIXES[e.segments[0].name];
      if (named && e.segments.length > 1) out.add(named);
      else if (e.segments[0].name !== 'cache') bare.push(e.text);
      return e.segments.forEach((s) => s.keys.forEach((k) => prefixesOf(k, out)));
    }
    case 'call':
      e.keys.forEach((k) => prefixesOf(k, out));
      return e.call.args.forEach((a) => prefixesOf(a.value, out));
    case 'list':
      return e.items.forEach((x) => prefixesOf(x, out));
    case 'map':
      return e.entries.forEach(([, x]) => prefixesOf(x, out));
    case 'math':
      return (prefixesOf(e.l, out), prefixesOf(e.r, out));
    default:
      return;
  }
}

/**
 * The context of a group of statements and conditions, from the context names their paths
 * start with (otelcol's context inference): the most specific one, which must be able to read
 * all the others, among the contexts the signal allows.
 */
export function inferContext(
  statements: readonly string[],
  conditions: readonly string[],
  allowed: readonly ContextName[],
  options: CompileOptions = {},
): ContextName {
  const used = new Set<ContextName>();
  const functions = options.functions ?? standardFunctions();
  const restricted = new Set<ContextName>();
  const note = (list: readonly string[], parse: (t: string) => Statement | BoolExpr, offset: number) =>
    list.forEach((t, i) => {
      try {
        const st = parse(t);
        if ('editor' in st) {
          const d = functions.get(st.editor.name);
          d?.contexts?.forEach((c) => restricted.add(c));
          st.editor.args.forEach((a) => prefixesOf(a.value, used));
          if (st.where) prefixesOf(st.where, used);
        } else prefixesOf(st, used);
        if (bare.length && bareAt < 0) bareAt = offset + i;
      } catch (err) {
        if (err instanceof OttlSyntaxError) throw new OttlError(offset + i, err.column, err.message, t);
        throw err;
      }
    });
  bare.length = 0;
  let bareAt = -1;
  note(conditions, parseCondition, 0);
  note(statements, parseStatement, conditions.length);
  if (bare.length)
    throw new OttlError(
      bareAt,
      1,
      `path ${JSON.stringify(bare[0])} does not start with a context name (${allowed.join(', ')}): write e.g. ${allowed[allowed.length - 1]}.${bare[0]}, or give the group a context`,
      [...conditions, ...statements][bareAt],
    );
  for (const c of used)
    if (!allowed.includes(c))
      throw new OttlError(
        0,
        1,
        `${c} paths are not allowed here (allowed: ${allowed.join(', ')})`,
        [...statements, ...conditions][0] ?? '',
      );
  const chosen = PRIORITY.find((c) => used.has(c)) ?? [...restricted][0] ?? allowed[0];
  for (const c of used)
    if (!CONTEXT_SCOPE[chosen].includes(c))
      throw new OttlError(
        0,
        1,
        `the ${chosen} context cannot read ${c} paths: put these statements in separate groups`,
        statements[0] ?? '',
      );
  return chosen;
}

type Statement = ReturnType<typeof parseStatement>;
