// Type-checks a parsed statement or condition against a context and compiles it into
// closures over the TransformContext: paths become field accessors, literals constants,
// function calls the closures their definitions build. Nothing walks the syntax tree while
// data flows. What can be known before data flows is checked here and is a config error: an
// unknown path, function or enum, an argument of the wrong kind or type, a bad regex.
import {
  type Accessor,
  type ContextName,
  ENUMS,
  PathError,
  type StaticType,
  type TransformContext,
  getIn,
  resolvePath,
  setIn,
  traceStateAccessor,
} from './contexts.ts';
import type { ArgValue, FunctionDef, GetSetter, Getter, ParamType } from './functions.ts';
import { type BoolExpr, type CompareOp, type Expr, OttlSyntaxError, parseCondition, parseStatement } from './parser.ts';
import { RegexpError } from '@flowtel/regexp';
import {
  ODuration,
  OMap,
  OTime,
  OttlRuntimeError,
  type Value,
  asString,
  bytesEqual,
  fromAny,
  int64,
  parseGoBool,
  parseGoFloat,
  parseGoInt,
  toAny,
  typeName,
  valueEqual,
} from './values.ts';

export interface CompileEnv {
  context: ContextName;
  functions: ReadonlyMap<string, FunctionDef>;
  /** functions otelcol has that flowtel has not built yet: refused with that reason */
  notYet: ReadonlySet<string>;
}

interface Compiled {
  type: StaticType;
  get: Getter;
  /** the value, when it is a constant */
  constant?: { v: Value };
  /** set when the expression is a path */
  path?: GetSetter;
}

const fail = (message: string, at: number): never => {
  throw new OttlSyntaxError(message, at + 1);
};

function literal(type: StaticType, v: Value): Compiled {
  return { type, get: () => v, constant: { v } };
}

const STATIC_NAMES: Record<StaticType, string> = {
  string: 'string',
  int: 'int64',
  float: 'float64',
  bool: 'bool',
  bytes: '[]byte',
  map: 'pcommon.Map',
  slice: 'pcommon.Slice',
  time: 'time.Time',
  duration: 'time.Duration',
  nil: 'nil',
  any: 'any',
};

export class Compiler {
  constructor(readonly env: CompileEnv) {}

  expr(e: Expr): Compiled {
    switch (e.k) {
      case 'str':
        return literal('string', e.v);
      case 'int':
        return literal('int', e.v);
      case 'float':
        return literal('float', e.v);
      case 'bool':
        return literal('bool', e.v);
      case 'nil':
        return literal('nil', null);
      case 'bytes':
        return literal('bytes', e.v);
      case 'ident': {
        const v = ENUMS[this.env.context][e.name];
        if (v === undefined) {
          if (this.env.functions.has(e.name) || this.env.notYet.has(e.name))
            return fail(`${e.name} is a function: call it as ${e.name}(...)`, e.at);
          return fail(`enum ${JSON.stringify(e.name)} is not defined in the ${this.env.context} context`, e.at);
        }
        return literal('int', v);
      }
      case 'list': {
        const items = e.items.map((x) => this.expr(x));
        if (items.every((x) => x.constant)) {
          const v = items.map((x) => x.constant!.v);
          return { type: 'slice', get: () => v.slice(), constant: { v } };
        }
        return { type: 'slice', get: (tc) => items.map((x) => x.get(tc)) };
      }
      case 'map': {
        const entries = e.entries.map(([k, x]) => [k, this.expr(x)] as const);
        return {
          type: 'map',
          get: (tc) => {
            const kvs = [];
            for (const [key, x] of entries) {
              const av = toAny(x.get(tc));
              if (av) kvs.push({ key, value: av });
            }
            return new OMap(kvs);
          },
        };
      }
      case 'path':
        return this.path(e);
      case 'call':
        return this.converter(e);
      case 'math':
        return this.math(e);
    }
  }

  private path(e: Extract<Expr, { k: 'path' }>): Compiled {
    let resolved;
    try {
      resolved = resolvePath(this.env.context, e.segments, e.text);
    } catch (err) {
      if (err instanceof PathError) return fail(err.message, e.at);
      throw err;
    }
    const { accessor, keys } = resolved;
    if (!keys.length) return { type: accessor.type, get: accessor.get, path: this.pathSetter(accessor, e.text) };
    const keyGetters = keys.map((k) => {
      const c = this.expr(k);
      if (!['string', 'int', 'any'].includes(c.type))
        fail(`a key must be a string or an int, got ${STATIC_NAMES[c.type]}`, 'at' in k ? k.at : e.at);
      return c;
    });
    const constKeys = keyGetters.every((k) => k.constant) ? keyGetters.map((k) => k.constant!.v) : undefined;
    const keysOf = constKeys ? () => constKeys : (tc: TransformContext) => keyGetters.map((k) => k.get(tc));
    if (e.segments[e.segments.length - 1].name === 'trace_state') return this.traceState(accessor, keysOf, e);
    let get: Getter;
    // the common case, attributes["key"], without the general walk
    if (constKeys && constKeys.length === 1 && typeof constKeys[0] === 'string' && accessor.type === 'map') {
      const key = constKeys[0];
      const base = accessor.get;
      get = (tc) => {
        const kvs = (base(tc) as OMap).kvs;
        for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return fromAny(kvs[i].value);
        return null;
      };
    } else get = (tc) => getIn(accessor.get(tc), keysOf(tc));
    const set = accessor.set;
    return {
      type: 'any',
      get,
      path: {
        text: e.text,
        type: 'any',
        get,
        set: set
          ? (tc, v) => set(tc, setIn(accessor.get(tc), keysOf(tc), v))
          : () => {
              throw new OttlRuntimeError(`path ${e.text} cannot be set`);
            },
        settable: set !== undefined,
      },
    };
  }

  private traceState(
    accessor: Accessor,
    keysOf: (tc: TransformContext) => Value[],
    e: { text: string; at: number },
  ): Compiled {
    const key = (tc: TransformContext) => {
      const k = keysOf(tc);
      if (k.length !== 1 || typeof k[0] !== 'string') throw new OttlRuntimeError('trace_state takes one string key');
      return k[0];
    };
    const get: Getter = (tc) => traceStateAccessor.get(accessor.get(tc) as string, key(tc));
    return {
      type: 'string',
      get,
      path: {
        text: e.text,
        type: 'string',
        get,
        set: (tc, v) => {
          if (typeof v === 'string') accessor.set!(tc, traceStateAccessor.set(accessor.get(tc) as string, key(tc), v));
        },
        settable: true,
      },
    };
  }

  private pathSetter(a: Accessor, text: string): GetSetter {
    return {
      text,
      type: a.type,
      get: a.get,
      set:
        a.set ??
        (() => {
          throw new OttlRuntimeError(`path ${text} cannot be set`);
        }),
      settable: a.set !== undefined,
    };
  }

  private math(e: Extract<Expr, { k: 'math' }>): Compiled {
    const l = this.expr(e.l);
    const r = this.expr(e.r);
    const numeric: StaticType[] = ['int', 'float', 'time', 'duration', 'any'];
    for (const side of [l, r])
      if (!numeric.includes(side.type)) fail(`math on ${STATIC_NAMES[side.type]} is not supported`, e.at);
    let type: StaticType = 'any';
    if (l.type !== 'any' && r.type !== 'any') {
      type =
        mathType(l.type, r.type, e.op) ??
        fail(`cannot ${e.op} ${STATIC_NAMES[l.type]} and ${STATIC_NAMES[r.type]}`, e.at);
    }
    const op = e.op;
    const lg = l.get;
    const rg = r.get;
    return { type, get: (tc) => doMath(lg(tc), rg(tc), op) };
  }

  converter(e: Extract<Expr, { k: 'call' }>): Compiled {
    const def = this.lookup(e.call.name, e.call.at, 'converter');
    const run = this.call(def, e.call.args, e.call.at);
    if (!e.keys.length) return { type: def.returns ?? 'any', get: run };
    const keys = e.keys.map((k) => this.expr(k));
    return {
      type: 'any',
      get: (tc) =>
        getIn(
          run(tc),
          keys.map((k) => k.get(tc)),
        ),
    };
  }

  private lookup(name: string, at: number, kind: 'editor' | 'converter'): FunctionDef {
    const def = this.env.functions.get(name);
    if (!def) {
      if (this.env.notYet.has(name)) return fail(`function ${name} is not yet implemented in flowtel`, at);
      return fail(`undefined function ${JSON.stringify(name)}`, at);
    }
    if ((kind === 'editor') !== def.editor)
      fail(
        `${name} is ${def.editor ? 'an editor' : 'a converter'}: it cannot be used as ${kind === 'editor' ? 'a statement' : 'a value'}`,
        at,
      );
    if (def.contexts && !def.contexts.includes(this.env.context))
      fail(
        `function ${name} is not available in the ${this.env.context} context (only ${def.contexts.join(', ')})`,
        at,
      );
    return def;
  }

  /** Binds arguments to parameters, checks them, and builds the function's closure. */
  call(def: FunctionDef, args: { name?: string; value: Expr; at: number }[], at: number): Getter {
    const bound: ({ value: Expr; at: number } | undefined)[] = new Array(def.params.length).fill(undefined);
    let named = false;
    args.forEach((a, i) => {
      if (a.name === undefined) {
        if (named) fail(`${def.name}: positional arguments must come before named ones`, a.at);
        if (i >= def.params.length) fail(`${def.name}: too many arguments (it takes ${def.params.length})`, a.at);
        bound[i] = a;
      } else {
        named = true;
        const j = def.params.findIndex((p) => p.name === a.name);
        if (j < 0)
          fail(
            `${def.name} has no parameter named ${JSON.stringify(a.name)} (parameters: ${def.params.map((p) => p.name).join(', ')})`,
            a.at,
          );
        if (bound[j]) fail(`${def.name}: ${a.name} is given twice`, a.at);
        bound[j] = a;
      }
    });
    const values: ArgValue[] = def.params.map((p, i) => {
      const a = bound[i];
      if (!a) {
        if (!p.optional) fail(`${def.name}: missing argument ${JSON.stringify(p.name)}`, at);
        return undefined;
      }
      return this.arg(def, p.name, p.type, a.value, a.at);
    });
    try {
      return def.build(values, this);
    } catch (err) {
      if (err instanceof OttlSyntaxError) throw err;
      if (err instanceof RegexpError || err instanceof ArgError) return fail(`${def.name}: ${err.message}`, at);
      throw err;
    }
  }

  private arg(def: FunctionDef, name: string, type: ParamType, e: Expr, at: number): ArgValue {
    const where = `${def.name}'s ${name}`;
    switch (type) {
      case 'litString':
        if (e.k !== 'str') fail(`${where} must be a string literal`, at);
        return (e as { v: string }).v;
      case 'litInt':
        if (e.k !== 'int') fail(`${where} must be an int literal`, at);
        return (e as { v: bigint }).v;
      case 'litBool':
        if (e.k !== 'bool') fail(`${where} must be true or false`, at);
        return (e as { v: boolean }).v;
      case 'litStringList':
        if (e.k !== 'list' || !e.items.every((x) => x.k === 'str'))
          fail(`${where} must be a list of string literals`, at);
        return (e as { items: { v: string }[] }).items.map((x) => x.v);
      case 'func': {
        if (e.k !== 'ident') fail(`${where} must be a function name such as SHA256`, at);
        const f = this.lookup((e as { name: string }).name, at, 'converter');
        if (!f.params.length || f.params.some((p, i) => i > 0 && !p.optional))
          fail(`${where}: ${f.name} does not take one value`, at);
        return f;
      }
      case 'getSetter':
      case 'mapGetSetter': {
        if (e.k !== 'path') fail(`${where} must be a path`, at);
        const c = this.expr(e);
        if (!c.path!.settable) fail(`${where}: path ${c.path!.text} cannot be set`, at);
        if (type === 'mapGetSetter' && !['map', 'any'].includes(c.type))
          fail(`${where} must be a map, got ${STATIC_NAMES[c.type]} path ${c.path!.text}`, at);
        if (type === 'mapGetSetter' && c.type === 'any') {
          const p = c.path!;
          return {
            ...p,
            get: (tc) => {
              const v = p.get(tc);
              if (!(v instanceof OMap)) throw new OttlRuntimeError(`expected pcommon.Map but got ${typeName(v)}`);
              return v;
            },
          };
        }
        return c.path!;
      }
      case 'getterList': {
        if (e.k !== 'list') fail(`${where} must be a list`, at);
        return (e as { items: Expr[] }).items.map((x) => this.expr(x).get);
      }
      case 'stringLikeList': {
        if (e.k !== 'list') fail(`${where} must be a list`, at);
        return (e as { items: Expr[] }).items.map((x) => this.typed(this.expr(x), 'stringLike', where, at));
      }
      default:
        return this.typed(this.expr(e), type, where, at);
    }
  }

  /** A getter that yields the parameter's type, or fails: now when the type is known, else at run time. */
  typed(c: Compiled, type: ParamType, where: string, at: number): Getter {
    const get = c.get;
    const known = c.type !== 'any';
    const want = (expected: StaticType, ok: (v: Value) => boolean): Getter => {
      if (known && c.type !== expected)
        fail(`${where} must be ${STATIC_NAMES[expected]}, got ${STATIC_NAMES[c.type]}`, at);
      if (known) return get;
      return (tc) => {
        const v = get(tc);
        if (!ok(v)) throw new OttlRuntimeError(`expected ${STATIC_NAMES[expected]} but got ${typeName(v)}`);
        return v;
      };
    };
    switch (type) {
      case 'getter':
        return get;
      case 'string':
        return want('string', (v) => typeof v === 'string');
      case 'int':
        return want('int', (v) => typeof v === 'bigint');
      case 'float':
        return want('float', (v) => typeof v === 'number');
      case 'bool':
        return want('bool', (v) => typeof v === 'boolean');
      case 'bytes':
        return want('bytes', (v) => v instanceof Uint8Array);
      case 'map':
        return want('map', (v) => v instanceof OMap);
      case 'slice':
        return want('slice', (v) => Array.isArray(v));
      case 'time':
        return want('time', (v) => v instanceof OTime);
      case 'duration':
        return want('duration', (v) => v instanceof ODuration);
      case 'stringLike':
        return c.type === 'string' ? get : (tc) => asString(get(tc));
      case 'intLike':
        if (known && !['int', 'float', 'string', 'bool', 'nil'].includes(c.type))
          fail(`${where} must be int-like, got ${STATIC_NAMES[c.type]}`, at);
        return c.type === 'int' ? get : (tc) => intLike(get(tc));
      case 'floatLike':
        if (known && !['int', 'float', 'string', 'bool', 'nil'].includes(c.type))
          fail(`${where} must be float-like, got ${STATIC_NAMES[c.type]}`, at);
        return c.type === 'float' ? get : (tc) => floatLike(get(tc));
      case 'boolLike':
        if (known && !['int', 'float', 'string', 'bool', 'nil'].includes(c.type))
          fail(`${where} must be bool-like, got ${STATIC_NAMES[c.type]}`, at);
        return c.type === 'bool' ? get : (tc) => boolLike(get(tc));
      default:
        return get;
    }
  }

  condition(b: BoolExpr): (tc: TransformContext) => boolean {
    switch (b.k) {
      case 'or': {
        const items = b.items.map((x) => this.condition(x));
        if (items.length === 2) {
          const [x, y] = items;
          return (tc) => x(tc) || y(tc);
        }
        return (tc) => {
          for (const f of items) if (f(tc)) return true;
          return false;
        };
      }
      case 'and': {
        const items = b.items.map((x) => this.condition(x));
        if (items.length === 2) {
          const [x, y] = items;
          return (tc) => x(tc) && y(tc);
        }
        return (tc) => {
          for (const f of items) if (!f(tc)) return false;
          return true;
        };
      }
      case 'not': {
        const x = this.condition(b.x);
        return (tc) => !x(tc);
      }
      case 'value': {
        const c = this.expr(b.v);
        if (c.type !== 'bool' && c.type !== 'any')
          fail(`a condition must be a boolean, got ${STATIC_NAMES[c.type]}`, b.at);
        const get = c.get;
        return (tc) => {
          const v = get(tc);
          if (typeof v !== 'boolean') throw new OttlRuntimeError(`expected bool but got ${typeName(v)}`);
          return v;
        };
      }
      case 'cmp':
        return this.comparison(b.op, this.expr(b.l), this.expr(b.r));
    }
  }

  private comparison(op: CompareOp, l: Compiled, r: Compiled): (tc: TransformContext) => boolean {
    const lg = l.get;
    const rg = r.get;
    // a string field against a string constant, a path against an enum: no general compare
    if (r.constant && (op === '==' || op === '!=')) {
      const c = r.constant.v;
      if ((typeof c === 'string' && l.type === 'string') || (typeof c === 'bigint' && l.type === 'int'))
        return op === '==' ? (tc) => lg(tc) === c : (tc) => lg(tc) !== c;
    }
    return (tc) => compare(lg(tc), rg(tc), op);
  }
}

export class ArgError extends Error {}

function mathType(l: StaticType, r: StaticType, op: string): StaticType | undefined {
  if (l === r && (l === 'int' || l === 'float')) return l;
  if (l === 'time' && r === 'time' && op === '-') return 'duration';
  if (l === 'time' && r === 'duration' && (op === '+' || op === '-')) return 'time';
  if (l === 'duration' && r === 'duration' && (op === '+' || op === '-')) return 'duration';
  return undefined;
}

function doMath(a: Value, b: Value, op: '+' | '-' | '*' | '/'): Value {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (op === '/' && b === 0n) throw new OttlRuntimeError('attempted to divide by zero');
    return int64(op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b);
  }
  if (typeof a === 'number' && typeof b === 'number') {
    if (op === '/' && b === 0) throw new OttlRuntimeError('attempted to divide by zero');
    return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  }
  if (a instanceof OTime && b instanceof OTime && op === '-') return new ODuration(a.nanos - b.nanos);
  if (a instanceof OTime && b instanceof ODuration && (op === '+' || op === '-'))
    return new OTime(op === '+' ? a.nanos + b.nanos : a.nanos - b.nanos);
  if (a instanceof ODuration && b instanceof ODuration && (op === '+' || op === '-'))
    return new ODuration(op === '+' ? a.nanos + b.nanos : a.nanos - b.nanos);
  throw new OttlRuntimeError(`cannot ${op} ${typeName(a)} and ${typeName(b)}`);
}

function ordered<T>(a: T, b: T, op: CompareOp): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** otelcol's comparison rules: values of different types are never equal and never ordered. */
export function compare(a: Value, b: Value, op: CompareOp): boolean {
  if (a === null || b === null) {
    if (op === '==') return a === b;
    if (op === '!=') return a !== b;
    return false;
  }
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' && tb === 'string') return ordered(a, b, op);
  if ((ta === 'bigint' || ta === 'number') && (tb === 'bigint' || tb === 'number')) {
    if (ta === tb) return ordered(a, b, op);
    return ordered(Number(a), Number(b), op);
  }
  if (ta === 'boolean' && tb === 'boolean') return op === '==' ? a === b : op === '!=' ? a !== b : false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (op === '==' || op === '!=') return bytesEqual(a, b) === (op === '==');
    return ordered(Buffer.compare(a, b), 0, op);
  }
  if (a instanceof OTime && b instanceof OTime) return ordered(a.nanos, b.nanos, op);
  if (a instanceof ODuration && b instanceof ODuration) return ordered(a.nanos, b.nanos, op);
  if ((a instanceof OMap && b instanceof OMap) || (Array.isArray(a) && Array.isArray(b))) {
    if (op === '==') return valueEqual(a, b);
    if (op === '!=') return !valueEqual(a, b);
    return false;
  }
  return op === '!=';
}

/** IntLikeGetter: ints, floats (truncated), strings that parse, bools; nil stays nil */
export function intLike(v: Value): bigint | null {
  if (v === null || typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
  if (typeof v === 'string') return parseGoInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new OttlRuntimeError(`unsupported type: ${typeName(v)}`);
}

export function floatLike(v: Value): number | null {
  if (v === null || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return parseGoFloat(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new OttlRuntimeError(`unsupported type: ${typeName(v)}`);
}

export function boolLike(v: Value): boolean | null {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return parseGoBool(v);
  throw new OttlRuntimeError(`unsupported type: ${typeName(v)}`);
}

export type Runner = (tc: TransformContext) => void;
export type Predicate = (tc: TransformContext) => boolean;

/** Compiles one statement: the editor, and its `where` condition when it has one. */
export function compileStatement(env: CompileEnv, text: string): Runner {
  const c = new Compiler(env);
  const st = parseStatement(text);
  const def = (() => {
    const d = env.functions.get(st.editor.name);
    if (!d && env.notYet.has(st.editor.name))
      fail(`function ${st.editor.name} is not yet implemented in flowtel`, st.editor.at);
    if (!d) fail(`undefined function ${JSON.stringify(st.editor.name)}`, st.editor.at);
    if (!d!.editor) fail(`${st.editor.name} is a converter, not an editor`, st.editor.at);
    if (d!.contexts && !d!.contexts.includes(env.context))
      fail(
        `function ${d!.name} is not available in the ${env.context} context (only ${d!.contexts.join(', ')})`,
        st.editor.at,
      );
    return d!;
  })();
  const run = c.call(def, st.editor.args, st.editor.at);
  if (!st.where) return run;
  const where = c.condition(st.where);
  return (tc) => {
    if (where(tc)) run(tc);
  };
}

export function compileCondition(env: CompileEnv, text: string): Predicate {
  const cond = parseCondition(text);
  return new Compiler(env).condition(cond);
}
