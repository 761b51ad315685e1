// OTTL's grammar (pkg/ottl's LANGUAGE.md and grammar.go): a statement is an editor call with
// an optional `where` condition; a condition is a boolean expression of comparisons, boolean
// literals and converters joined by `and`/`or`/`not` and parentheses. Values are literals
// (strings, ints, floats, booleans, `nil`, bytes `0x..`), enums, paths with keys, converters
// (with keys on their result), lists, maps and math expressions. This file turns text into a
// syntax tree; compile.ts checks it against a context and turns it into closures.

/** A problem in a statement, found when it is parsed or compiled, at a 1-based column. */
export class OttlSyntaxError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(message);
    this.name = 'OttlSyntaxError';
    this.column = column;
  }
}

type TokenKind = 'str' | 'int' | 'float' | 'bytes' | 'ident' | 'op' | 'punct' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset in the statement */
  at: number;
}

export type Expr =
  | { k: 'str'; v: string; at: number }
  | { k: 'int'; v: bigint; at: number }
  | { k: 'float'; v: number; at: number }
  | { k: 'bool'; v: boolean; at: number }
  | { k: 'nil'; at: number }
  | { k: 'bytes'; v: Uint8Array; at: number }
  /** a bare upper-case name: an enum, or a function passed as an argument */
  | { k: 'ident'; name: string; at: number }
  | { k: 'path'; segments: PathSegment[]; at: number; text: string }
  | { k: 'call'; call: Call; keys: Expr[]; at: number }
  | { k: 'list'; items: Expr[]; at: number }
  | { k: 'map'; entries: [string, Expr][]; at: number }
  | { k: 'math'; op: '+' | '-' | '*' | '/'; l: Expr; r: Expr; at: number };

export interface PathSegment {
  name: string;
  keys: Expr[];
}

export interface Arg {
  name?: string;
  value: Expr;
  at: number;
}

export interface Call {
  name: string;
  args: Arg[];
  at: number;
}

export type BoolExpr =
  | { k: 'or'; items: BoolExpr[] }
  | { k: 'and'; items: BoolExpr[] }
  | { k: 'not'; x: BoolExpr; at: number }
  | { k: 'cmp'; op: CompareOp; l: Expr; r: Expr; at: number }
  | { k: 'value'; v: Expr; at: number };

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface Statement {
  editor: Call;
  where?: BoolExpr;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'where', 'true', 'false', 'nil']);

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const isDigit = (c: string) => c >= '0' && c <= '9';
  const isIdStart = (c: string) => /[A-Za-z_]/.test(c);
  const isId = (c: string) => /[A-Za-z0-9_]/.test(c);
  // a sign belongs to a number literal only where an operand is expected (`x -1` is x minus 1)
  const operandExpected = () => {
    const last = out[out.length - 1];
    if (!last) return true;
    if (last.kind === 'op') return true;
    if (last.kind === 'punct') return !(last.text === ')' || last.text === ']' || last.text === '}');
    return last.kind === 'ident' && KEYWORDS.has(last.text) && !['true', 'false', 'nil'].includes(last.text);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i;
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      if (i >= src.length) throw new OttlSyntaxError('unterminated string literal', at + 1);
      i++;
      out.push({ kind: 'str', text: src.slice(at, i), at });
      continue;
    }
    if (c === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X') && /[0-9a-fA-F]/.test(src[i + 2] ?? '')) {
      i += 2;
      while (i < src.length && /[0-9a-fA-F]/.test(src[i])) i++;
      out.push({ kind: 'bytes', text: src.slice(at, i), at });
      continue;
    }
    const signed = (c === '-' || c === '+') && operandExpected() && (isDigit(src[i + 1] ?? '') || src[i + 1] === '.');
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? '')) || signed) {
      if (signed) i++;
      while (i < src.length && isDigit(src[i])) i++;
      let float = false;
      if (src[i] === '.' && isDigit(src[i + 1] ?? '')) {
        float = true;
        i++;
        while (i < src.length && isDigit(src[i])) i++;
      }
      if ((src[i] === 'e' || src[i] === 'E') && float) {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (isDigit(src[j] ?? '')) {
          i = j;
          while (i < src.length && isDigit(src[i])) i++;
        }
      }
      out.push({ kind: float ? 'float' : 'int', text: src.slice(at, i), at });
      continue;
    }
    if (isIdStart(c)) {
      while (i < src.length && isId(src[i])) i++;
      out.push({ kind: 'ident', text: src.slice(at, i), at });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      i += 2;
      out.push({ kind: 'op', text: two, at });
      continue;
    }
    if (c === '<' || c === '>' || c === '+' || c === '-' || c === '*' || c === '/') {
      i++;
      out.push({ kind: 'op', text: c, at });
      continue;
    }
    if ('()[]{},.:='.includes(c)) {
      i++;
      out.push({ kind: 'punct', text: c, at });
      continue;
    }
    throw new OttlSyntaxError(`unexpected character ${JSON.stringify(c)}`, at + 1);
  }
  out.push({ kind: 'eof', text: '', at: src.length });
  return out;
}

/** Go's strconv.Unquote for a double-quoted literal, which is what otelcol applies to OTTL strings. */
function unquote(text: string, at: number): string {
  let out = '';
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i];
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\\': '\\',
      '"': '"',
      "'": "'",
    };
    if (e in simple) out += simple[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = text.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n)
        throw new OttlSyntaxError(`invalid escape \\${e}${hex} in string`, at + i);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = text.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new OttlSyntaxError(`invalid octal escape \\${oct} in string`, at + i);
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else throw new OttlSyntaxError(`invalid escape \\${e} in string`, at + i);
  }
  return out;
}

class Parser {
  private pos = 0;
  private readonly toks: Token[];
  constructor(readonly src: string) {
    this.toks = lex(src);
  }

  private peek(n = 0): Token {
    return this.toks[Math.min(this.pos + n, this.toks.length - 1)];
  }
  private next(): Token {
    return this.toks[this.pos++];
  }
  private is(text: string, n = 0): boolean {
    const t = this.peek(n);
    return (t.kind === 'punct' || t.kind === 'op' || t.kind === 'ident') && t.text === text;
  }
  private fail(what: string, t: Token = this.peek()): never {
    const got = t.kind === 'eof' ? 'end of statement' : JSON.stringify(t.text);
    throw new OttlSyntaxError(`expected ${what}, got ${got}`, t.at + 1);
  }
  private expect(text: string): Token {
    if (!this.is(text)) this.fail(JSON.stringify(text));
    return this.next();
  }
  end(): void {
    if (this.peek().kind !== 'eof') this.fail('end of statement');
  }

  statement(): Statement {
    const t = this.peek();
    if (t.kind !== 'ident' || !/^[a-z]/.test(t.text) || KEYWORDS.has(t.text) || !this.is('(', 1))
      this.fail('an editor call such as set(...)');
    const editor = this.call();
    let where: BoolExpr | undefined;
    if (this.is('where')) {
      this.next();
      where = this.boolExpr();
    }
    this.end();
    return { editor, where };
  }

  boolExpr(): BoolExpr {
    const items = [this.andTerm()];
    while (this.is('or')) (this.next(), items.push(this.andTerm()));
    return items.length === 1 ? items[0] : { k: 'or', items };
  }

  private andTerm(): BoolExpr {
    const items = [this.boolFactor()];
    while (this.is('and')) (this.next(), items.push(this.boolFactor()));
    return items.length === 1 ? items[0] : { k: 'and', items };
  }

  private boolFactor(): BoolExpr {
    const t = this.peek();
    if (this.is('not')) {
      this.next();
      return { k: 'not', x: this.boolFactor(), at: t.at };
    }
    if (this.is('(')) {
      // either a parenthesised condition or a math expression that starts a comparison
      const save = this.pos;
      try {
        this.next();
        const inner = this.boolExpr();
        this.expect(')');
        if (this.peek().kind !== 'op') return inner;
      } catch (err) {
        if (!(err instanceof OttlSyntaxError)) throw err;
      }
      this.pos = save;
    }
    const l = this.value();
    const op = this.peek();
    if (op.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(op.text)) {
      this.next();
      const r = this.value();
      return { k: 'cmp', op: op.text as CompareOp, l, r, at: op.at };
    }
    if (l.k === 'bool' || l.k === 'call') return { k: 'value', v: l, at: t.at };
    this.fail('a comparison operator (==, !=, <, <=, >, >=)');
  }

  value(): Expr {
    const t = this.peek();
    if (t.kind === 'str') return (this.next(), { k: 'str', v: unquote(t.text, t.at + 1), at: t.at });
    if (t.kind === 'bytes') {
      this.next();
      const hex = t.text.slice(2);
      if (hex.length % 2)
        throw new OttlSyntaxError(`bytes literal ${t.text} has an odd number of hex digits`, t.at + 1);
      return { k: 'bytes', v: Uint8Array.from(Buffer.from(hex, 'hex')), at: t.at };
    }
    if (this.is('[')) return this.list();
    if (this.is('{')) return this.map();
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false'))
      return (this.next(), { k: 'bool', v: t.text === 'true', at: t.at });
    if (t.kind === 'ident' && t.text === 'nil') return (this.next(), { k: 'nil', at: t.at });
    return this.math();
  }

  private math(): Expr {
    let l = this.term();
    while (this.peek().kind === 'op' && (this.is('+') || this.is('-'))) {
      const op = this.next();
      l = { k: 'math', op: op.text as '+' | '-', l, r: this.term(), at: op.at };
    }
    return l;
  }

  private term(): Expr {
    let l = this.factor();
    while (this.peek().kind === 'op' && (this.is('*') || this.is('/'))) {
      const op = this.next();
      l = { k: 'math', op: op.text as '*' | '/', l, r: this.factor(), at: op.at };
    }
    return l;
  }

  private factor(): Expr {
    const t = this.peek();
    if (this.is('(')) {
      this.next();
      const e = this.math();
      this.expect(')');
      return e;
    }
    if (t.kind === 'int') {
      this.next();
      const v = BigInt(t.text);
      if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n)
        throw new OttlSyntaxError(`int literal ${t.text} is out of the int64 range`, t.at + 1);
      return { k: 'int', v, at: t.at };
    }
    if (t.kind === 'float') return (this.next(), { k: 'float', v: Number(t.text), at: t.at });
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      if (/^[A-Z]/.test(t.text)) {
        if (this.is('(', 1)) {
          const call = this.call();
          return { k: 'call', call, keys: this.keys(), at: t.at };
        }
        this.next();
        return { k: 'ident', name: t.text, at: t.at };
      }
      if (this.is('(', 1)) this.fail('a value: editors (lower-case functions) cannot be used as values');
      return this.path();
    }
    this.fail('a value');
  }

  private path(): Expr {
    const start = this.peek();
    const segments: PathSegment[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind !== 'ident' || KEYWORDS.has(t.text)) this.fail('a path segment', t);
      segments.push({ name: t.text, keys: this.keys() });
      if (!this.is('.')) break;
      this.next();
    }
    const end = this.toks[this.pos - 1];
    return { k: 'path', segments, at: start.at, text: this.src.slice(start.at, end.at + end.text.length) };
  }

  private keys(): Expr[] {
    const keys: Expr[] = [];
    while (this.is('[')) {
      this.next();
      keys.push(this.value());
      this.expect(']');
    }
    return keys;
  }

  private call(): Call {
    const name = this.next();
    this.expect('(');
    const args: Arg[] = [];
    while (!this.is(')')) {
      const t = this.peek();
      let argName: string | undefined;
      if (t.kind === 'ident' && /^[a-z]/.test(t.text) && this.is('=', 1)) {
        argName = t.text;
        this.next();
        this.next();
      }
      args.push({ name: argName, value: this.value(), at: t.at });
      if (!this.is(',')) break;
      this.next();
    }
    this.expect(')');
    return { name: name.text, args, at: name.at };
  }

  private list(): Expr {
    const at = this.expect('[').at;
    const items: Expr[] = [];
    while (!this.is(']')) {
      items.push(this.value());
      if (!this.is(',')) break;
      this.next();
    }
    this.expect(']');
    return { k: 'list', items, at };
  }

  private map(): Expr {
    const at = this.expect('{').at;
    const entries: [string, Expr][] = [];
    while (!this.is('}')) {
      const key = this.next();
      if (key.kind !== 'str') this.fail('a string key', key);
      this.expect(':');
      entries.push([unquote(key.text, key.at + 1), this.value()]);
      if (!this.is(',')) break;
      this.next();
    }
    this.expect('}');
    return { k: 'map', entries, at };
  }
}

export function parseStatement(src: string): Statement {
  return new Parser(src).statement();
}

export function parseCondition(src: string): BoolExpr {
  const p = new Parser(src);
  const cond = p.boolExpr();
  p.end();
  return cond;
}

export function parseValueExpression(src: string): Expr {
  const p = new Parser(src);
  const v = p.value();
  p.end();
  return v;
}
