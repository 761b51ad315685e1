// The embedded engine: chdb, ClickHouse in this process, its data in a local folder. chdb is
// an optional dependency of half a gigabyte, loaded only here, only when an embedded endpoint
// is configured.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ClickHouseError, codeOf, type ClickHouseClient } from './client.ts';

interface ChdbResult {
  bytes(): Uint8Array;
}
interface ChdbSession {
  connection: unknown;
  queryAsync(sql: string, opts?: { format?: string; signal?: AbortSignal }): Promise<ChdbResult>;
  close(): void;
}
interface ChdbModule {
  Session: new (path: string) => ChdbSession;
}
interface ChdbNative {
  InsertRawAsyncConnection(connection: unknown, prefix: string, data: Buffer, countLines: boolean): Promise<unknown>;
}

export const CHDB_MISSING =
  'the embedded ClickHouse engine is not installed: an endpoint chdb://<folder> needs the optional npm package "chdb" ' +
  '(install it with `npm install chdb`), or point endpoint at a ClickHouse server (http://host:8123)';

/** ClickHouse's code when a folder is already open in another process. */
export const FOLDER_LOCKED = 76;

const require = createRequire(import.meta.url);

function loadChdb(): { chdb: ChdbModule; native: ChdbNative } {
  let chdb: ChdbModule;
  try {
    chdb = require('chdb') as ChdbModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw new Error(CHDB_MISSING, { cause: err });
    throw err;
  }
  // The raw insert of the addon takes binary payloads (Native); chdb's public insert() accepts
  // only text formats, so the addon is reached through chdb's own loader.
  const loader = require(join(dirname(require.resolve('chdb/package.json')), 'dist', 'loader.js')) as { loadNative(): ChdbNative };
  return { chdb, native: loader.loadNative() };
}

/** `chdb://./data/clickhouse` → the absolute folder, relative paths from `baseDir`. */
export function embeddedFolder(endpoint: string, baseDir: string): string {
  const path = endpoint.replace(/^chdb:\/\//, '');
  if (!path) throw new Error(`endpoint ${endpoint}: name a folder, e.g. chdb://./data/clickhouse`);
  return resolve(baseDir, path);
}

export class EmbeddedClient implements ClickHouseClient {
  readonly folder: string;
  private readonly session: ChdbSession;
  private readonly native: ChdbNative;
  // one engine connection: its statements run one after another
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(folder: string, session: ChdbSession, native: ChdbNative) {
    this.folder = folder;
    this.session = session;
    this.native = native;
  }

  static open(folder: string): EmbeddedClient {
    const { chdb, native } = loadChdb();
    mkdirSync(folder, { recursive: true });
    try {
      return new EmbeddedClient(folder, new chdb.Session(folder), native);
    } catch (err) {
      const message = (err as Error).message;
      throw new ClickHouseError(`cannot open the embedded store in ${folder}: ${message}`, codeOf(message), { cause: err });
    }
  }

  query(sql: string, format = 'TabSeparated'): Promise<Buffer> {
    return this.serial(async () => {
      const bytes = (await this.session.queryAsync(sql, { format })).bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  insertRaw(insert: string, data: Buffer): Promise<void> {
    return this.serial(async () => {
      await this.native.InsertRawAsyncConnection(this.session.connection, insert, data, false);
    });
  }

  async close(): Promise<void> {
    await this.tail;
    this.session.close();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = async () => {
      try {
        return await work();
      } catch (err) {
        throw asClickHouseError(err);
      }
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => {});
    return next;
  }
}

function asClickHouseError(err: unknown): ClickHouseError {
  if (err instanceof ClickHouseError) return err;
  const e = err as { message?: string; clickhouseCode?: number };
  const message = e.message ?? String(err);
  return new ClickHouseError(message, e.clickhouseCode ?? codeOf(message), { cause: err });
}
