// A ClickHouse SQL tokenizer just deep enough to rewrite names: string literals, quoted
// identifiers and comments are kept whole so nothing inside them is ever touched.

export type TokenType = 'space' | 'comment' | 'string' | 'ident' | 'quoted' | 'number' | 'op' | 'punct';

export interface Token {
  type: TokenType;
  text: string;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$]+)*/y;
const NUMBER = /(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)/y;
const SPACE = /\s+/y;
const OPS = ['<=>', '!=', '<>', '<=', '>=', '==', '||', '->', '::', '=', '<', '>', '+', '-', '*', '/', '%'];

function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  throw new Error(
    `unterminated ${quote === "'" ? 'string' : 'quoted identifier'} at offset ${start}: ${sql.slice(start, start + 40)}`,
  );
}

function sticky(re: RegExp, sql: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(sql)?.[0];
}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    let text: string | undefined;
    let type: TokenType;
    if ((text = sticky(SPACE, sql, i))) type = 'space';
    else if (sql.startsWith('--', i) || c === '#') {
      const end = sql.indexOf('\n', i);
      text = sql.slice(i, end < 0 ? sql.length : end);
      type = 'comment';
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`unterminated comment at offset ${i}`);
      text = sql.slice(i, end + 2);
      type = 'comment';
    } else if (c === "'") {
      text = sql.slice(i, quotedEnd(sql, i, "'"));
      type = 'string';
    } else if (c === '`' || c === '"') {
      text = sql.slice(i, quotedEnd(sql, i, c));
      type = 'quoted';
    } else if ((text = sticky(NUMBER, sql, i))) type = 'number';
    else if ((text = sticky(IDENT, sql, i))) type = 'ident';
    else if ((text = OPS.find((op) => sql.startsWith(op, i)))) type = 'op';
    else {
      text = c;
      type = 'punct';
    }
    out.push({ type, text });
    i += text.length;
  }
  return out;
}

/** The name a quoted identifier stands for. */
export function unquote(token: Token): string {
  const quote = token.text[0];
  return token.text
    .slice(1, -1)
    .replaceAll(quote + quote, quote)
    .replace(/\\(.)/g, '$1');
}
