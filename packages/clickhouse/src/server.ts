// The part of ClickHouse's HTTP interface that flowtel's own clients use, served from an
// embedded engine: how `flowtel query` reaches a running collector whose engine holds the
// data folder (chdb locks it), and how remote mode is tested against a real engine.
import { constants } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { lz4FrameDecompress, nativeZstd } from '@flowtel/compression';
import type { ClickHouseClient } from './client.ts';
import { ClickHouseError } from './client.ts';

const DECOMPRESS: Record<string, (b: Buffer) => Promise<Buffer>> = {
  // bounded only by what a Buffer can hold, as the zlib decoders beside it
  lz4: async (b) => lz4FrameDecompress(b, constants.MAX_LENGTH),
  gzip: promisify(gunzip) as (b: Buffer) => Promise<Buffer>,
  deflate: promisify(inflate) as (b: Buffer) => Promise<Buffer>,
  br: promisify(brotliDecompress) as (b: Buffer) => Promise<Buffer>,
  zstd: (b) => nativeZstd().decompress(b),
};

export interface ServeOptions {
  /** when set, requests must carry these credentials (headers or basic auth) */
  username?: string;
  password?: string;
  /**
   * For readers outside flowtel (Grafana): statements that only read, no INSERT, and settings
   * sent as parameters are not applied (the engine's one session is also the exporter's).
   */
  readOnly?: boolean;
}

/** What a read-only reader may start a statement with. */
const READ_STATEMENTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);
/**
 * Table functions that reach past the store: the host's files, other servers, programs. Even a
 * read through them is refused (ClickHouse's readonly mode would allow some).
 */
const OUTSIDE_FUNCTIONS = new Set([
  'file',
  'filecluster',
  'url',
  'urlcluster',
  's3',
  's3cluster',
  'gcs',
  'azureblobstorage',
  'azureblobstoragecluster',
  'hdfs',
  'hdfscluster',
  'remote',
  'remotesecure',
  'cluster',
  'clusterallreplicas',
  'executable',
  'mysql',
  'postgresql',
  'jdbc',
  'odbc',
  'sqlite',
  'mongodb',
  'redis',
  'input',
  'deltalake',
  'iceberg',
  'hudi',
]);

/** Why `sql` is not a lone statement that only reads the store, or undefined. */
export function readOnlyProblem(sql: string): string | undefined {
  const words: Array<{ word: string; call: boolean }> = [];
  let i = 0;
  const n = sql.length;
  let ended = false;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      // a literal or quoted name: up to its closing quote (doubled or backslash-escaped inside)
      for (i++; i < n; i++) {
        if (sql[i] === '\\') i++;
        else if (sql[i] === c) {
          if (sql[i + 1] === c) i++;
          else break;
        }
      }
      i++;
      if (ended) return 'only one statement per request';
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === ';') {
      ended = true;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (ended) return 'only one statement per request';
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 64));
    if (word) {
      i += word[0].length;
      let j = i;
      while (j < n && /\s/.test(sql[j]!)) j++;
      words.push({ word: word[0], call: sql[j] === '(' });
      continue;
    }
    i++;
  }
  const first = words[0]?.word.toUpperCase();
  if (!first || !READ_STATEMENTS.has(first)) return `${first ?? 'an empty statement'} is not a read`;
  for (let w = 0; w < words.length; w++) {
    const { word, call } = words[w]!;
    if (call && OUTSIDE_FUNCTIONS.has(word.toLowerCase())) return `the table function ${word}() reaches past the store`;
    if (word.toUpperCase() === 'INTO' && words[w + 1]?.word.toUpperCase() === 'OUTFILE')
      return 'INTO OUTFILE writes a file';
  }
  return undefined;
}

const readOnlyRefusal = (why: string) =>
  new ClickHouseError(`Code: 164. DB::Exception: Cannot execute query in readonly mode: ${why}. (READONLY)`, 164);

const INSERT_WITH_FORMAT = /^\s*INSERT\s+INTO\s+[\s\S]*\bFORMAT\s+\w+\s*$/i;
const NOT_SETTINGS = new Set(['query', 'database', 'default_format', 'user', 'password']);

export function createClickHouseHttpServer(client: ClickHouseClient, options: ServeOptions = {}): Server {
  // One engine session: statements run one at a time so `USE <database>` stays theirs.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  let currentDatabase = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping') return void res.end('Ok.\n');
    if (!authorized(req, url, options)) {
      return fail(
        res,
        403,
        new ClickHouseError(
          'Code: 516. DB::Exception: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)',
          516,
        ),
      );
    }
    let body = await readBody(req);
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding !== 'identity') {
      const decode = DECOMPRESS[encoding];
      if (!decode)
        return fail(
          res,
          400,
          new ClickHouseError(`Code: 36. DB::Exception: unsupported Content-Encoding ${encoding}. (BAD_ARGUMENTS)`, 36),
        );
      body = await decode(body);
    }
    const param = url.searchParams.get('query') ?? '';
    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    const database = url.searchParams.get('database') ?? '';
    const settings = options.readOnly ? [] : [...url.searchParams].filter(([k]) => !NOT_SETTINGS.has(k));
    const result = await serial(async () => {
      if (database && database !== currentDatabase) {
        await client.query(`USE "${database.replace(/"/g, '""')}"`);
        currentDatabase = database;
      }
      for (const [k, v] of settings) {
        if (!/^\w+$/.test(k))
          throw new ClickHouseError(`Code: 115. DB::Exception: Unknown setting ${k}. (UNKNOWN_SETTING)`, 115);
        await client.query(`SET ${k} = '${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
      }
      if (options.readOnly) {
        const sql = param ? (body.length ? `${param}\n${body.toString('utf8')}` : param) : body.toString('utf8');
        const problem = readOnlyProblem(sql);
        if (problem) throw readOnlyRefusal(problem);
      }
      if (param && INSERT_WITH_FORMAT.test(param) && body.length > 0) {
        await client.insertRaw(param, body);
        return Buffer.alloc(0);
      }
      const sql = param ? (body.length ? `${param}\n${body.toString('utf8')}` : param) : body.toString('utf8');
      if (!sql.trim()) throw new ClickHouseError('Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)', 62);
      return client.query(sql, format);
    });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-ClickHouse-Format': format });
    res.end(result);
  };

  return createServer((req, res) => {
    handle(req, res).catch((err) => fail(res, err instanceof ClickHouseError && err.code === 164 ? 403 : 500, err));
  });
}

function authorized(req: IncomingMessage, url: URL, options: ServeOptions): boolean {
  if (options.username === undefined) return true;
  let user = (req.headers['x-clickhouse-user'] as string | undefined) ?? url.searchParams.get('user') ?? undefined;
  let key = (req.headers['x-clickhouse-key'] as string | undefined) ?? url.searchParams.get('password') ?? '';
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (basic) {
    const text = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = text.indexOf(':');
    user = text.slice(0, i);
    key = text.slice(i + 1);
  }
  return user === options.username && key === (options.password ?? '');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function fail(res: ServerResponse, status: number, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  const code = err instanceof ClickHouseError && err.code !== undefined ? err.code : 1002;
  const message = err instanceof Error ? err.message : String(err);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(code) });
  res.end(`${message}\n`);
}
