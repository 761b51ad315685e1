// The part of expr-lang (github.com/expr-lang/expr) that stanza's `if`, router `expr`, filter
// `expr` and `EXPR(...)` values are written in, in the configs we know: field references
// (body, attributes, resource, with .key and ["key"]), string/number/bool/nil literals,
// == != < <= > >=, matches (RE2), contains, startsWith, endsWith, in / not in, + (numbers and
// string concatenation), and/or/not (&& || !), parentheses, and the functions type(x), len(x),
// env("NAME"). Anything else is refused when the config is read, naming what is not supported.
import { compileRegexp, type Regexp } from '@flowtel/regexp';
import { type Entry, type Value, isMap } from './entry.ts';

export class ExprError extends Error {}

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'field'; root: 'body' | 'attributes' | 'resource'; keys: Node[] }
  | { t: 'not'; x: Node }
  | { t: 'and' | 'or'; a: Node; b: Node }
  | { t: 'cmp'; op: string; a: Node; b: Node; re?: Regexp }
  | { t: 'add'; a: Node; b: Node }
  | { t: 'call'; fn: 'type' | 'len' | 'env'; args: Node[] };

type Tok = { k: 'str' | 'num' | 'id' | 'op'; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`') {
          const e = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          if (map[e] !== undefined) s += map[e];
          else s += '\\' + e;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new ExprError(`unterminated string at ${i}`);
      out.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ k: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (id) {
      out.push({ k: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|&&|\|\||[<>!()[\].,+])/.exec(src.slice(i));
    if (!op) throw new ExprError(`unexpected '${c}' at ${i}`);
    out.push({ k: 'op', v: op[0] });
    i += op[0].length;
  }
  return out;
}

class Parser {
  private i = 0;
  private readonly toks: Tok[];
  constructor(toks: Tok[]) {
    this.toks = toks;
  }
  private peek(): Tok | undefined {
    return this.toks[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && (t.k === 'op' || t.k === 'id') && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v))
      throw new ExprError(`expected '${v}'${this.peek() ? ` near '${this.peek()!.v}'` : ' at the end'}`);
    this.i++;
  }
  parse(): Node {
    const n = this.or();
    if (this.i < this.toks.length) throw new ExprError(`unexpected '${this.toks[this.i].v}'`);
    return n;
  }
  private or(): Node {
    let a = this.and();
    while (this.isOp('or') || this.isOp('||')) {
      this.i++;
      a = { t: 'or', a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.not();
    while (this.isOp('and') || this.isOp('&&')) {
      this.i++;
      a = { t: 'and', a, b: this.not() };
    }
    return a;
  }
  private not(): Node {
    if (this.isOp('not') || this.isOp('!')) {
      this.i++;
      return { t: 'not', x: this.not() };
    }
    return this.cmp();
  }
  private cmp(): Node {
    const a = this.add();
    const t = this.peek();
    if (!t) return a;
    let op = t.v;
    if (t.k === 'id' && op === 'not' && this.toks[this.i + 1]?.v === 'in') {
      this.i += 2;
      return { t: 'not', x: { t: 'cmp', op: 'in', a, b: this.add() } };
    }
    if (!['==', '!=', '<', '<=', '>', '>=', 'matches', 'contains', 'startsWith', 'endsWith', 'in'].includes(op))
      return a;
    this.i++;
    const b = this.add();
    let re: Regexp | undefined;
    if (op === 'matches') {
      if (b.t !== 'lit' || typeof b.v !== 'string') throw new ExprError('matches takes a string literal pattern');
      try {
        re = compileRegexp(b.v);
      } catch (err) {
        throw new ExprError((err as Error).message);
      }
    }
    if (op === '==' || op === '!=') op = op === '==' ? 'eq' : 'ne';
    return { t: 'cmp', op, a, b, re };
  }
  private add(): Node {
    let a = this.primary();
    while (this.isOp('+')) {
      this.i++;
      a = { t: 'add', a, b: this.primary() };
    }
    return a;
  }
  private primary(): Node {
    const t = this.toks[this.i++];
    if (!t) throw new ExprError('unexpected end of expression');
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'num') return { t: 'lit', v: t.v.includes('.') ? Number(t.v) : BigInt(t.v) };
    if (t.k === 'op' && t.v === '(') {
      const n = this.or();
      this.expect(')');
      return n;
    }
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'nil') return { t: 'lit', v: null };
      if (t.v === 'body' || t.v === 'attributes' || t.v === 'resource') {
        const keys: Node[] = [];
        for (;;) {
          if (this.isOp('.')) {
            this.i++;
            const k = this.toks[this.i++];
            if (!k || k.k !== 'id') throw new ExprError(`expected a key after '.' in ${t.v}`);
            keys.push({ t: 'lit', v: k.v });
          } else if (this.isOp('[')) {
            this.i++;
            keys.push(this.or());
            this.expect(']');
          } else break;
        }
        return { t: 'field', root: t.v, keys };
      }
      if (t.v === 'type' || t.v === 'len' || t.v === 'env') {
        this.expect('(');
        const args: Node[] = [this.or()];
        this.expect(')');
        return { t: 'call', fn: t.v, args };
      }
      throw new ExprError(
        `'${t.v}' is not in flowtel's expression subset (body, attributes, resource, literals, == != < <= > >= matches contains startsWith endsWith in, + and or not, type() len() env())`,
      );
    }
    throw new ExprError(`unexpected '${t.v}'`);
  }
}

function num(v: Value | undefined): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

function equal(a: Value | undefined, b: Value | undefined): boolean {
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if ((a ?? null) === null || (b ?? null) === null) return (a ?? null) === (b ?? null);
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function evalNode(n: Node, e: Entry): Value | undefined {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'field': {
      let v: Value | undefined = n.root === 'body' ? e.body : n.root === 'attributes' ? e.attributes : e.resource;
      for (const k of n.keys) {
        const key = evalNode(k, e);
        if (Array.isArray(v)) v = v[Number(key)];
        else if (isMap(v)) v = v[String(key)];
        else return null;
        if (v === undefined) return null;
      }
      return v;
    }
    case 'not':
      return !truthy(evalNode(n.x, e));
    case 'and':
      return truthy(evalNode(n.a, e)) && truthy(evalNode(n.b, e));
    case 'or':
      return truthy(evalNode(n.a, e)) || truthy(evalNode(n.b, e));
    case 'add': {
      const a = evalNode(n.a, e);
      const b = evalNode(n.b, e);
      if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
      const na = num(a);
      const nb = num(b);
      if (na !== undefined && nb !== undefined) return na + nb;
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      throw new ExprError(`invalid operation: ${typeName(a)} + ${typeName(b)}`);
    }
    case 'call': {
      const a = evalNode(n.args[0], e);
      if (n.fn === 'type') return typeName(a);
      if (n.fn === 'env') return process.env[String(a)] ?? '';
      if (typeof a === 'string') return BigInt([...a].length);
      if (Array.isArray(a)) return BigInt(a.length);
      if (isMap(a)) return BigInt(Object.keys(a).length);
      throw new ExprError(`invalid argument for len (type ${typeName(a)})`);
    }
    case 'cmp': {
      const a = evalNode(n.a, e);
      const b = evalNode(n.b, e);
      switch (n.op) {
        case 'eq':
          return equal(a, b);
        case 'ne':
          return !equal(a, b);
        case 'matches':
          return typeof a === 'string' && n.re!.test(a);
        case 'contains':
          return typeof a === 'string' && typeof b === 'string' && a.includes(b);
        case 'startsWith':
          return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
        case 'endsWith':
          return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
        case 'in':
          if (isMap(b)) return typeof a === 'string' && a in b;
          if (Array.isArray(b)) return b.some((x) => equal(x, a));
          return false;
        default: {
          const na = num(a);
          const nb = num(b);
          if (na !== undefined && nb !== undefined) return compare(n.op, na, nb);
          if (typeof a === 'string' && typeof b === 'string') return compare(n.op, a, b);
          return false;
        }
      }
    }
  }
}

function compare<T extends number | string>(op: string, a: T, b: T): boolean {
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

const truthy = (v: Value | undefined) => v === true;

function typeName(v: Value | undefined): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'array';
  return 'map';
}

/** A compiled expression. */
export interface Expr {
  readonly source: string;
  eval(e: Entry): Value | undefined;
  /** true only when the expression gives the boolean true (expr's "bool" result) */
  test(e: Entry): boolean;
}

export function compileExpr(source: string): Expr {
  let node: Node;
  try {
    node = new Parser(lex(source)).parse();
  } catch (err) {
    throw new ExprError(`expression "${source}": ${(err as Error).message}`);
  }
  return {
    source,
    eval: (e) => evalNode(node, e),
    test: (e) => evalNode(node, e) === true,
  };
}

/** `EXPR(...)` in a value: an expression evaluated per entry (stanza's ExprStringConfig). */
export function exprOf(value: unknown): Expr | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^EXPR\(([\s\S]*)\)$/.exec(value.trim());
  return m ? compileExpr(m[1]) : undefined;
}
