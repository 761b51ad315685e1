// The parsers and transformers of contrib's pkg/stanza/operator (parser/*, transformer/*),
// each as its docs describe it.
import { compileRegexp, type Regexp, replaceAllString } from '@flowtel/regexp';
import { csvFields } from '@flowtel/ottl';
import {
  type Entry,
  type Field,
  type Value,
  type ValueMap,
  copyValue,
  deleteField,
  getField,
  isMap,
  parseField,
  setField,
} from './entry.ts';
import { type Expr, compileExpr, exprOf } from './expr.ts';
import { parseUri } from './uri.ts';
import {
  MissingFieldError,
  Operator,
  type OperatorContext,
  Parser,
  type ParserOptions,
  ScopeNameStep,
  SeverityStep,
  TimeStep,
  TraceStep,
  Transformer,
  type TransformerOptions,
} from './operator.ts';
import type { OperatorConfig } from './config.ts';

type Cfg<T extends OperatorConfig['type']> = Extract<OperatorConfig, { type: T }> & { id: string };

const asString = (v: Value, what: string): string => {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString();
  throw new Error(`type ${v === null ? 'nil' : Array.isArray(v) ? 'array' : typeof v} cannot be parsed as ${what}`);
};

export class JsonParser extends Parser {
  private readonly ints: boolean;
  constructor(c: Cfg<'json_parser'>, ctx: OperatorContext) {
    super(c as ParserOptions, ctx);
    this.ints = c.parse_ints;
  }
  protected parse(value: Value): Value {
    if (isMap(value)) return value;
    const text = asString(value, 'JSON');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`parse json: ${(err as Error).message}`);
    }
    if (!isMap(parsed)) throw new Error('parse json: expected { character for map value');
    return this.ints ? intsOf(parsed as ValueMap) : (parsed as ValueMap);
  }
}

/** parse_ints: whole JSON numbers as int64 */
function intsOf(v: Value): Value {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(intsOf);
  if (isMap(v)) {
    for (const k in v) v[k] = intsOf(v[k]);
    return v;
  }
  return v;
}

export class RegexParser extends Parser {
  private readonly re: Regexp;
  constructor(c: Cfg<'regex_parser'>, ctx: OperatorContext) {
    super(c as ParserOptions, ctx);
    this.re = compileRegexp(c.regex);
    if (!this.re.groupNames.some((n) => n)) throw new Error('no named capture groups in regex pattern');
  }
  protected parse(value: Value): Value {
    const s = asString(value, 'a regex match');
    const idx = this.re.execIndex(s);
    if (!idx) throw new Error('regex pattern does not match');
    const out: ValueMap = {};
    const names = this.re.groupNames;
    for (let g = 1; g < names.length; g++) {
      if (!names[g]) continue;
      const start = idx[2 * g];
      out[names[g]] = start < 0 ? '' : s.slice(start, idx[2 * g + 1]);
    }
    return out;
  }
}

const clean = (s: string) => s.trim().replace(/^["']+|["']+$/g, '');

/** uri_parser: a URI (or a bare ?query) into scheme, user, host, port, path and query */
export class UriParser extends Parser {
  protected parse(value: Value): Value {
    if (typeof value !== 'string') throw new Error(`type '${typeof value}' cannot be parsed as URI`);
    return parseUri(value);
  }
}

export class KeyValueParser extends Parser {
  private readonly delimiter: string;
  private readonly pairDelimiter?: string;
  constructor(c: Cfg<'key_value_parser'>, ctx: OperatorContext) {
    super(c as ParserOptions, ctx);
    this.delimiter = c.delimiter;
    this.pairDelimiter = c.pair_delimiter;
  }
  protected parse(value: Value): Value {
    const s = asString(value, 'key value pairs');
    const pairs = this.pairDelimiter ? s.split(this.pairDelimiter) : splitQuotedWhitespace(s);
    const out: ValueMap = {};
    const bad: string[] = [];
    for (const raw of pairs) {
      const pair = raw.trim();
      if (!pair) continue;
      const at = pair.indexOf(this.delimiter);
      if (at < 0) {
        bad.push(pair);
        continue;
      }
      out[clean(pair.slice(0, at))] = clean(pair.slice(at + this.delimiter.length));
    }
    if (bad.length) throw new Error(`expected '${this.delimiter}' to split by in '${bad.join("', '")}'`);
    return out;
  }
}

/** whitespace-separated pairs, a quoted value keeping its spaces */
function splitQuotedWhitespace(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (/\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

export class CsvParser extends Parser {
  private readonly header?: string[];
  private readonly headerAttribute?: string;
  private readonly headerDelimiter: string;
  private readonly delimiter: string;
  private readonly mode: 'strict' | 'lazy' | 'ignore';
  constructor(c: Cfg<'csv_parser'>, ctx: OperatorContext) {
    super(c as ParserOptions, ctx);
    this.delimiter = c.delimiter;
    this.headerDelimiter = c.header_delimiter ?? c.delimiter;
    this.header = c.header?.split(this.headerDelimiter);
    this.headerAttribute = c.header_attribute;
    this.mode = c.ignore_quotes ? 'ignore' : c.lazy_quotes ? 'lazy' : 'strict';
  }
  protected parse(value: Value, e: Entry): Value {
    const s = asString(value, 'csv');
    let header = this.header;
    if (!header) {
      const h = e.attributes[this.headerAttribute!];
      if (typeof h !== 'string') throw new Error(`failed to read dynamic header attribute ${this.headerAttribute}`);
      header = h.split(this.headerDelimiter);
    }
    const values =
      this.mode === 'ignore' ? s.split(this.delimiter) : csvFields(s, this.delimiter, this.mode === 'lazy');
    if (values.length !== header.length)
      throw new Error(`wrong number of fields: expected ${header.length}, found ${values.length}`);
    const out: ValueMap = {};
    header.forEach((k, i) => (out[k] = values[i]));
    return out;
  }
}

/**
 * A transformer that is one step: one of the parsers' embedded steps (severity_parser, time_parser,
 * trace_parser, scope_name_parser) or one of the field transformers below.
 */
export class StepOperator extends Transformer {
  private readonly step: { apply(e: Entry): void };
  constructor(c: TransformerOptions, ctx: OperatorContext, step: { apply(e: Entry): void }) {
    super(c, ctx);
    this.step = step;
  }
  protected transform(e: Entry): void {
    this.step.apply(e);
  }
}

export const severityParser = (c: Cfg<'severity_parser'>, ctx: OperatorContext) =>
  new StepOperator(c as TransformerOptions, ctx, new SeverityStep(c));
export const timeParser = (c: Cfg<'time_parser'>, ctx: OperatorContext) =>
  new StepOperator(c as TransformerOptions, ctx, new TimeStep(c));
export const traceParser = (c: Cfg<'trace_parser'>, ctx: OperatorContext) =>
  new StepOperator(c as TransformerOptions, ctx, new TraceStep(c));
export const scopeNameParser = (c: Cfg<'scope_name_parser'>, ctx: OperatorContext) =>
  new StepOperator(c as TransformerOptions, ctx, new ScopeNameStep(c.parse_from));

/** Go's strconv.Unquote: "..." with escapes, `...` raw, 'c' one character. */
export function goUnquote(s: string): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new Error('invalid syntax');
  const inner = s.slice(1, -1);
  if (q === '`') {
    if (inner.includes('`')) throw new Error('invalid syntax');
    return inner.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new Error('invalid syntax');
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === q || c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = inner[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
      "'": "'",
      '"': '"',
    };
    if (simple[e] !== undefined) {
      if ((e === "'" && q === '"') || (e === '"' && q === "'")) throw new Error('invalid syntax');
      out += simple[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = inner.slice(i + 1, i + 1 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid syntax');
      out += String.fromCodePoint(parseInt(hex, 16));
      i += n;
    } else if (/[0-7]/.test(e)) {
      const oct = inner.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else throw new Error('invalid syntax');
  }
  if (q === "'" && [...out].length !== 1) throw new Error('invalid syntax');
  return out;
}

/** A transformer whose change is `apply` (it throws to apply on_error). */
const transformer = (c: TransformerOptions, ctx: OperatorContext, apply: (e: Entry) => void) =>
  new StepOperator(c, ctx, { apply });

export const unquote = (c: Cfg<'unquote'>, ctx: OperatorContext) => {
  const field = parseField(c.field);
  return transformer(c as TransformerOptions, ctx, (e) => {
    const v = getField(e, field);
    if (v === undefined) throw new MissingFieldError(field);
    if (typeof v !== 'string') throw new Error(`type ${typeof v} cannot be unquoted`);
    setField(e, field, goUnquote(v));
  });
};

/** contrib's ansi_control_sequences: an ANSI CSI escape (ESC [ parameters, intermediates, a final byte) */
const ANSI_CSI = '\\x1B\\[[\\x30-\\x3F]*[\\x20-\\x2F]*[\\x40-\\x7E]';

/** regex_replace: every match of the regex in a string field replaced (Go's ReplaceAllString); a missing field is left alone */
export const regexReplace = (c: Cfg<'regex_replace'>, ctx: OperatorContext) => {
  const field = parseField(c.field);
  const re = compileRegexp(c.regex ?? ANSI_CSI);
  return transformer(c as TransformerOptions, ctx, (e) => {
    const v = getField(e, field);
    if (v === undefined) return;
    if (typeof v !== 'string') throw new Error(`type ${typeof v} cannot be handled`);
    setField(e, field, replaceAllString(re, v, c.replace_with));
  });
};

/** assign_keys: a list field becomes a map, its values under `keys` in order */
export const assignKeys = (c: Cfg<'assign_keys'>, ctx: OperatorContext) => {
  const field = parseField(c.field);
  return transformer(c as TransformerOptions, ctx, (e) => {
    const v = getField(e, field);
    if (v === undefined) throw new Error(`apply assign_keys: field ${c.field} does not exist on entry`);
    if (!Array.isArray(v)) throw new Error(`apply assign_keys: couldn't convert field ${c.field} to a list`);
    if (v.length !== c.keys.length)
      throw new Error(
        `apply assign_keys: field ${c.field} contains ${v.length} values while expected keys are [${c.keys.join(' ')}] contain ${c.keys.length} keys`,
      );
    const out: ValueMap = {};
    c.keys.forEach((k, i) => (out[k] = v[i]));
    setField(e, field, out);
  });
};

/** A value from the YAML: whole numbers are int64 as mapstructure gives Go ints. */
export function fromConfig(v: unknown): Value {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromConfig);
  if (v && typeof v === 'object') {
    const out: ValueMap = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromConfig(x);
    return out;
  }
  return (v ?? null) as Value;
}

export const add = (c: Cfg<'add'>, ctx: OperatorContext) => {
  const field = parseField(c.field);
  const expr = exprOf(c.value);
  const value = fromConfig(c.value);
  return transformer(c as TransformerOptions, ctx, (e) =>
    setField(e, field, expr ? (expr.eval(e) ?? null) : copyValue(value)),
  );
};

/** copy and move: the value `take` gets at `from` (a copy, or taken out) set at `to`. */
function fromTo(
  c: Cfg<'copy'> | Cfg<'move'>,
  ctx: OperatorContext,
  missing: string,
  take: (e: Entry, f: Field) => Value | undefined,
): StepOperator {
  const from = parseField(c.from);
  const to = parseField(c.to);
  return transformer(c as TransformerOptions, ctx, (e) => {
    const v = take(e, from);
    if (v === undefined) throw new Error(`${missing}: ${from.text}`);
    setField(e, to, v);
  });
}

export const copy = (c: Cfg<'copy'>, ctx: OperatorContext) =>
  fromTo(c, ctx, 'copy: from field does not exist', (e, f) => {
    const v = getField(e, f);
    return v === undefined ? undefined : copyValue(v);
  });

export const move = (c: Cfg<'move'>, ctx: OperatorContext) => fromTo(c, ctx, 'move: field does not exist', deleteField);

export const remove = (c: Cfg<'remove'>, ctx: OperatorContext) => {
  const field = parseField(c.field);
  return transformer(c as TransformerOptions, ctx, (e) => {
    if (deleteField(e, field) === undefined) throw new Error(`remove: field does not exist: ${field.text}`);
  });
};

export const retain = (c: Cfg<'retain'>, ctx: OperatorContext) => {
  const fields = c.fields.map(parseField);
  // as contrib: only the roots named in `fields` are rebuilt; the others stay as they are
  const roots = new Set(fields.map((f) => f.root));
  return transformer(c as TransformerOptions, ctx, (e) => {
    const kept: Array<[Field, Value]> = [];
    for (const f of fields) {
      const v = getField(e, f);
      if (v !== undefined) kept.push([f, v]);
    }
    if (roots.has('body')) e.body = isMap(e.body) ? {} : e.body;
    if (roots.has('attributes')) e.attributes = {};
    if (roots.has('resource')) e.resource = {};
    for (const [f, v] of kept) setField(e, f, v);
  });
};

export const flatten = (c: Cfg<'flatten'>, ctx: OperatorContext) => {
  const field = parseField(c.field);
  const parent: Field = { ...field, keys: field.keys.slice(0, -1) };
  return transformer(c as TransformerOptions, ctx, (e) => {
    const v = getField(e, field);
    if (!isMap(v)) throw new Error(`flatten: ${field.text} is not a map`);
    deleteField(e, field);
    for (const k in v) setField(e, { ...parent, keys: [...parent.keys, k] }, v[k]);
  });
};

export class Noop extends Operator {
  constructor(c: Cfg<'noop'>, ctx: OperatorContext) {
    super(c.id, ctx);
  }
  process(e: Entry): void {
    this.emit(e);
  }
}

interface Route {
  expr: Expr;
  outputs: Operator[];
  attributes: Array<[string, Value, Expr | undefined]>;
}

export class Router extends Operator {
  readonly routes: Route[];
  defaults: Operator[] = [];
  constructor(c: Cfg<'router'>, ctx: OperatorContext) {
    super(c.id, ctx);
    this.routes = c.routes.map((r) => ({
      expr: compileExpr(r.expr),
      outputs: [],
      attributes: Object.entries(r.attributes).map(
        ([k, v]) => [k, fromConfig(v), exprOf(v)] as [string, Value, Expr | undefined],
      ),
    }));
  }
  process(e: Entry): void {
    for (const r of this.routes) {
      if (!r.expr.test(e)) continue;
      for (const [k, v, x] of r.attributes) e.attributes[k] = x ? (x.eval(e) ?? null) : copyValue(v);
      this.outputs = r.outputs;
      this.emit(e);
      return;
    }
    if (this.defaults.length) {
      this.outputs = this.defaults;
      this.emit(e);
    } else this.ctx.onDrop?.(this.id);
  }
}

export class Filter extends Operator {
  private readonly expr: Expr;
  private readonly ratio: number;
  constructor(c: Cfg<'filter'>, ctx: OperatorContext) {
    super(c.id, ctx);
    this.expr = compileExpr(c.expr);
    this.ratio = c.drop_ratio;
  }
  process(e: Entry): void {
    if (this.expr.test(e) && (this.ratio >= 1 || Math.random() < this.ratio)) {
      this.ctx.onDrop?.(this.id);
      return;
    }
    this.emit(e);
  }
}
