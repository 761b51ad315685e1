// Secrets that travel in payloads are hidden before anything leaves the parser: credentials
// and cookies in HTTP headers, literals in SQL (which carry passwords, personal data, tokens),
// and the arguments of Redis AUTH. The statement shape stays, so queries still group.

export const REDACTED = '<redacted>';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

export function isSecretHeader(lowerCaseName: string): boolean {
  return SECRET_HEADERS.has(lowerCaseName);
}

export interface SqlDialect {
  /** MySQL: "..." is a string; PostgreSQL and the standard: an identifier. */
  doubleQuotedStrings: boolean;
  /** PostgreSQL $tag$...$tag$ strings. */
  dollarQuotedStrings: boolean;
}

export const MYSQL_DIALECT: SqlDialect = { doubleQuotedStrings: true, dollarQuotedStrings: false };
export const POSTGRES_DIALECT: SqlDialect = { doubleQuotedStrings: false, dollarQuotedStrings: true };

function isIdentifierChar(c: string): boolean {
  return /[A-Za-z0-9_$@#]/.test(c);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** End (exclusive) of a quoted literal that starts at `start`; doubled quotes and backslashes escape. */
function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

function numberEnd(sql: string, start: number): number {
  let i = start;
  if (sql[i] === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
    i += 2;
    while (i < sql.length && /[0-9a-fA-F]/.test(sql[i])) i++;
    return i;
  }
  while (i < sql.length && (isDigit(sql[i]) || sql[i] === '.')) i++;
  if (
    (sql[i] === 'e' || sql[i] === 'E') &&
    (isDigit(sql[i + 1]) || ((sql[i + 1] === '-' || sql[i + 1] === '+') && isDigit(sql[i + 2])))
  ) {
    i += 2;
    while (i < sql.length && isDigit(sql[i])) i++;
  }
  return i;
}

/**
 * Replaces string and number literals with `?`; keywords, identifiers, comments and placeholders
 * stay. The text between literals is copied a run at a time (a string per character made a
 * kilobyte of garbage per query), and a statement without literals is returned as it is.
 */
export function redactSql(sql: string, dialect: SqlDialect = MYSQL_DIALECT): string {
  let out = '';
  /** where the text not yet copied into `out` begins */
  let copied = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const prev = i > 0 ? sql[i - 1] : ' ';
    let literalEnd = -1;
    if (c === "'" || (c === '"' && dialect.doubleQuotedStrings)) {
      literalEnd = quotedEnd(sql, i, c);
    } else if (c === '"' || c === '`') {
      i = quotedEnd(sql, i, c);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '$' && dialect.dollarQuotedStrings && !isIdentifierChar(prev) && !isDigit(sql[i + 1])) {
      const tagEnd = sql.indexOf('$', i + 1);
      const tag = tagEnd < 0 ? '' : sql.slice(i, tagEnd + 1);
      if (tag && /^\$[A-Za-z_]*\$$/.test(tag)) {
        const close = sql.indexOf(tag, tagEnd + 1);
        literalEnd = close < 0 ? sql.length : close + tag.length;
      } else {
        i++;
      }
    } else if (isDigit(c) && !isIdentifierChar(prev) && prev !== '.' && prev !== '$') {
      literalEnd = numberEnd(sql, i);
    } else {
      i++;
    }
    if (literalEnd >= 0) {
      out += `${sql.slice(copied, i)}?`;
      i = copied = literalEnd;
    }
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

/** Redis commands whose arguments are credentials. */
const REDIS_SECRET_COMMANDS = new Set(['AUTH', 'HELLO', 'MIGRATE']);

/** Keeps the command (and HELLO's protocol version), hides credentials. */
export function redactRedisCommand(args: string[]): string[] {
  const command = (args[0] ?? '').toUpperCase();
  if (!REDIS_SECRET_COMMANDS.has(command)) return args;
  if (command === 'AUTH') return [args[0], ...args.slice(1).map(() => REDACTED)];
  const out = [...args];
  for (let i = 1; i < out.length; i++) {
    const word = out[i].toUpperCase();
    if (word === 'AUTH' || word === 'AUTH2') {
      for (let j = i + 1; j < out.length && j <= i + (word === 'AUTH2' || command === 'HELLO' ? 2 : 1); j++)
        out[j] = REDACTED;
    }
  }
  return out;
}
