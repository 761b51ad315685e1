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
  /** PostgreSQL: $tag$...$tag$ strings, E'...' escape strings, nested block comments. */
  postgres: boolean;
}

export const MYSQL_DIALECT: SqlDialect = { doubleQuotedStrings: true, postgres: false };
export const POSTGRES_DIALECT: SqlDialect = { doubleQuotedStrings: false, postgres: true };

const isWordChar = (c: string | undefined) => c !== undefined && (/[A-Za-z0-9_$]/.test(c) || c > '\x7f');
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);

/**
 * End (exclusive) of the quoted literal at `start`, or -1 when it is not closed. With
 * `backslashes` a backslash escapes the next character (MySQL's default, PostgreSQL's E'...');
 * a doubled quote always stands for one.
 */
function quotedEnd(sql: string, start: number, quote: string, backslashes: boolean): number {
  for (let i = start + 1; i < sql.length; i++) {
    const c = sql[i];
    if (c === '\\' && backslashes) i++;
    else if (c === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i++;
    }
  }
  return -1;
}

/**
 * End of a string literal, or -1 when the rest of the statement must be masked: it is not
 * closed, or it ends elsewhere depending on whether backslashes escape (MySQL's
 * NO_BACKSLASH_ESCAPES and PostgreSQL's standard_conforming_strings decide that, and neither
 * shows in the statement), so no later text can be told apart from the literal's content.
 */
function stringEnd(sql: string, start: number, quote: string, escapeString: boolean): number {
  const escaped = quotedEnd(sql, start, quote, true);
  if (escapeString) return escaped;
  return escaped === quotedEnd(sql, start, quote, false) ? escaped : -1;
}

/** A number at `start` (decimal, exponent, 0x hex, 0b binary): its end. */
function numberEnd(sql: string, start: number): number {
  let i = start;
  const radix = sql[i] === '0' ? sql[i + 1]?.toLowerCase() : undefined;
  if ((radix === 'x' && isHex(sql[i + 2])) || (radix === 'b' && (sql[i + 2] === '0' || sql[i + 2] === '1'))) {
    i += 2;
    while (isHex(sql[i])) i++;
    return i;
  }
  while (isDigit(sql[i]) || sql[i] === '.') i++;
  if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1]) || (/[-+]/.test(sql[i + 1]) && isDigit(sql[i + 2])))) {
    i += 2;
    while (isDigit(sql[i])) i++;
  }
  return i;
}

// 32 hex digits with dashes anywhere, in braces or not: a UUID written without quotes
const UUID = /\{?(?:[0-9a-fA-F]-*){32}\}?/y;

/** End of a UUID at `start` that is a token of its own, or -1. */
function uuidEnd(sql: string, start: number): number {
  UUID.lastIndex = start;
  return UUID.test(sql) && !isWordChar(sql[UUID.lastIndex]) ? UUID.lastIndex : -1;
}

// sqlcommenter's comment: key='value' pairs (URL-encoded, so no quote inside a value), which
// carry trace context (traceparent) that database-side tools join on: kept as written
const SQLCOMMENTER = /\/\*\s*[\w.%-]+='[^']*'(?:\s*,\s*[\w.%-]+='[^']*')*\s*\*\//y;

/** End of the block comment at `start` (PostgreSQL's nest), or -1 when it is not closed. */
function blockCommentEnd(sql: string, start: number, nested: boolean): number {
  let depth = 0;
  for (let i = start; i < sql.length - 1; i++) {
    if (sql[i] === '/' && sql[i + 1] === '*' && (nested || depth === 0)) {
      depth++;
      i++;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      if (--depth === 0) return i + 2;
      i++;
    }
  }
  return -1;
}

/** The last character before `i` that is not white space. */
function previousSignificant(sql: string, i: number): string | undefined {
  for (let j = i - 1; j >= 0; j--) if (!/\s/.test(sql[j])) return sql[j];
  return undefined;
}

// a list of nothing but masked values in IN (...): one shape whatever its length, so that
// queries group (as OpenTelemetry's Java agent sanitizer does)
const IN_LIST = /\b(IN\s*\()\s*\?(?:\s*,\s*\?)+\s*\)/gi;

/**
 * Masks what a statement's values could reveal, as New Relic's agents do (their cross-agent
 * tests are in test/sql-obfuscation.json): string, number, hex, binary, boolean and UUID
 * literals become `?`, and so do comments (`--`, `#`, block comments) except sqlcommenter's;
 * keywords, identifiers and placeholders stay, so the statement's shape stays and queries
 * group. Where the end of a literal is in doubt (not closed, or depending on server settings)
 * the rest of the statement is masked. The text between values is copied a run at a time, and
 * a statement with nothing to mask is returned as it is.
 */
export function redactSql(sql: string, dialect: SqlDialect = MYSQL_DIALECT): string {
  let out = '';
  /** where the text not yet copied into `out` begins */
  let copied = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const prev = i > 0 ? sql[i - 1] : ' ';
    let maskedEnd: number | undefined;
    if (c === "'" || (c === '"' && dialect.doubleQuotedStrings)) {
      const escapeString = dialect.postgres && (prev === 'E' || prev === 'e') && !isWordChar(sql[i - 2]);
      maskedEnd = stringEnd(sql, i, c, escapeString);
    } else if (c === '"' || c === '`') {
      const end = quotedEnd(sql, i, c, false);
      if (end < 0) maskedEnd = -1;
      else i = end;
    } else if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      const eol = sql.indexOf('\n', i);
      maskedEnd = eol < 0 ? sql.length : eol;
    } else if (c === '/' && sql[i + 1] === '*') {
      SQLCOMMENTER.lastIndex = i;
      if (SQLCOMMENTER.test(sql)) i = SQLCOMMENTER.lastIndex;
      else maskedEnd = blockCommentEnd(sql, i, dialect.postgres);
    } else if (c === '$' && dialect.postgres && !isWordChar(prev)) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        maskedEnd = close < 0 ? -1 : close + tag.length;
      } else if (isDigit(sql[i + 1])) {
        // a parameter ($1) is not a value: the semantic conventions keep placeholders
        i = numberEnd(sql, i + 1);
      } else i++;
    } else if ((isHex(c) || c === '{') && !isWordChar(prev) && uuidEnd(sql, i) >= 0) {
      maskedEnd = uuidEnd(sql, i);
    } else if ((isDigit(c) || (c === '.' && isDigit(sql[i + 1]))) && !isWordChar(prev) && prev !== '.') {
      maskedEnd = numberEnd(sql, i);
    } else if (c === '-' && (isDigit(sql[i + 1]) || (sql[i + 1] === '.' && isDigit(sql[i + 2])))) {
      // a sign belongs to the number after an operator, a comma or an opening parenthesis
      const before = previousSignificant(sql, i);
      if (before === undefined || /[=<>(,+\-*/%!]/.test(before)) maskedEnd = numberEnd(sql, i + 1);
      else i++;
    } else if (isWordChar(c) && !isWordChar(prev)) {
      let end = i + 1;
      while (isWordChar(sql[end])) end++;
      const word = end - i === 4 || end - i === 5 ? sql.slice(i, end).toLowerCase() : '';
      if (word === 'true' || word === 'false') maskedEnd = end;
      else i = end;
    } else i++;
    if (maskedEnd === undefined) continue;
    if (maskedEnd < 0) return `${out}${sql.slice(copied, i)}?`.replace(IN_LIST, '$1?)');
    out += `${sql.slice(copied, i)}?`;
    i = copied = maskedEnd;
  }
  return copied === 0 ? sql : (out + sql.slice(copied)).replace(IN_LIST, '$1?)');
}

/**
 * How a Redis command's values are masked, from DeepFlow's Redis obfuscation (its tests are in
 * test/redact.test.ts): the argument at `start` (counting from 1 after the command word) is
 * masked, and with `step` every step-th after it; `collapse` masks everything from `start` as
 * one `?`. A word of this table met among the arguments (HELLO's AUTH, ZADD's NX, BITFIELD's
 * SET) starts its own rule, as in DeepFlow.
 */
interface RedisMask {
  start: number;
  step?: number;
  collapse?: boolean;
}
const REDIS_MASKS: Record<string, RedisMask | undefined> = {};
const maskRedis = (words: string, rule: RedisMask) => {
  for (const w of words.split(' ')) REDIS_MASKS[w] = rule;
};
maskRedis('AUTH AUTH2', { start: 1, collapse: true });
maskRedis('APPEND GETSET LPUSHX GEORADIUSBYMEMBER RPUSHX SETNX SISMEMBER ZRANK ZREVRANK ZSCORE', { start: 2 });
maskRedis('HSETNX LREM LSET SETBIT SETEX PSETEX SETRANGE ZINCRBY SMOVE RESTORE', { start: 3 });
maskRedis('LINSERT', { start: 4 });
maskRedis('GEOHASH GEOPOS GEODIST LPUSH RPUSH SREM ZREM SADD', { start: 2, collapse: true });
maskRedis('GEOADD', { start: 4, step: 3 });
maskRedis('HSET HMSET', { start: 3, step: 2 });
maskRedis('MSET MSETNX', { start: 2, step: 2 });
maskRedis('ZADD', { start: 3, step: 2 });
/** words that start a rule only after these commands */
const ZADD_FLAGS = new Set(['NX', 'XX', 'CH', 'INCR']);

/**
 * A Redis command with its values masked (`SET key ?`, `HSET key field ? field ?`, `AUTH ?`);
 * the command, keys, fields and options stay. Commands not in the table keep their arguments.
 */
export function redactRedisCommand(args: string[]): string[] {
  const out: string[] = [];
  let rule: RedisMask = { start: 0 };
  let index = 0;
  let masked = false;
  let after: 'CONFIG' | 'BITFIELD' | 'ZADD' | undefined;
  for (const arg of args) {
    if (rule.collapse && masked) continue;
    const word = arg.length <= 17 ? arg.toUpperCase() : '';
    let next = REDIS_MASKS[word];
    if (word === 'SET') next = { start: after === 'BITFIELD' ? 3 : 2 };
    else if (ZADD_FLAGS.has(word)) next = after === 'ZADD' ? { start: 2, step: 2 } : undefined;
    if (next !== undefined || word === 'GET' || word === 'CONFIG' || word === 'BITFIELD') {
      if (next !== undefined) rule = next;
      if (word === 'CONFIG' || word === 'BITFIELD' || word === 'ZADD') after = word;
      index = 0;
      out.push(arg);
      continue;
    }
    index++;
    const step = rule.step ?? 0;
    if (index === rule.start || (step > 0 && index > rule.start && (index - rule.start) % step === 0)) {
      masked = true;
      out.push('?');
    } else if (!rule.collapse || !masked) out.push(arg);
  }
  return out;
}

// the query parameters whose values are secrets wherever a URL is kept: the list, and
// the semantic conventions' for url.full (AWSAccessKeyId, Signature, sig, X-Goog-Signature)
export const DEFAULT_SECRET_QUERY_PARAMETERS = [
  'password',
  'passwd',
  'pwd',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'api_key',
  'apikey',
  'key',
  'secret',
  'client_secret',
  'signature',
  'sig',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'awsaccesskeyid',
  'code',
  'auth',
  'session',
];

/** The value the semantic conventions give a redacted query parameter. */
export const REDACTED_QUERY_VALUE = 'REDACTED';

/**
 * A query string (after `?`) with the values of secret parameters replaced by REDACTED; names
 * are compared lower-cased and percent-decoded. Returns the same string when nothing matched.
 */
export function redactQuery(query: string, secretNames: ReadonlySet<string>): string {
  if (!query.includes('=')) return query;
  let changed = false;
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0 || eq === pair.length - 1) return pair;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: compared as written
    }
    if (!secretNames.has(name.toLowerCase())) return pair;
    changed = true;
    return `${pair.slice(0, eq)}=${REDACTED_QUERY_VALUE}`;
  });
  return changed ? parts.join('&') : query;
}
