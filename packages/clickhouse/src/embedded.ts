// The embedded engine: chdb, ClickHouse in this process, its data in a local folder. chdb is
// an optional dependency of half a gigabyte, loaded only here, only when an embedded endpoint
// is configured.
import { createRequire } from 'node:module';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ClickHouseError, codeOf, type ClickHouseClient } from './client.ts';

interface ChdbResult {
  bytes(): Uint8Array;
}
interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string; signal?: AbortSignal }): Promise<ChdbResult>;
  close(): void;
}
interface ChdbModule {
  Session: new (path: string) => ChdbSession;
}

export const CHDB_MISSING =
  'the embedded ClickHouse engine is not installed: an endpoint chdb://<folder> needs the optional npm package "chdb" ' +
  '(install it with `npm install chdb`), or point endpoint at a ClickHouse server (http://host:8123)';

/** ClickHouse's code when a folder is already open in another process. */
export const FOLDER_LOCKED = 76;

const require = createRequire(import.meta.url);

function loadChdb(): ChdbModule {
  try {
    return require('chdb') as ChdbModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw new Error(CHDB_MISSING, { cause: err });
    throw err;
  }
}

/** RAM-backed where the machine has it: payloads are written once and read once. */
const RAM_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

const INSERT_FORMAT = /^([\s\S]*?)\s+FORMAT\s+(\w+)\s*$/i;

/**
 * chdb takes an INSERT's payload inline only in text formats, and its inline path misreads
 * large binary blocks (a 10,000-row Native block fails with CANNOT_READ_ALL_DATA that the same
 * bytes read through file() do not). A payload is therefore handed over as a file:
 * `INSERT INTO t (...) FORMAT Native` + bytes becomes `INSERT INTO t (...) SELECT * FROM
 * file('<payload>', 'Native')`.
 */
export function insertFromFile(insert: string, path: string): string {
  const m = INSERT_FORMAT.exec(insert);
  if (!m || !/^\s*INSERT\s+INTO\s/i.test(m[1]))
    throw new ClickHouseError(
      `Code: 62. DB::Exception: expected INSERT INTO ... FORMAT <format>, got: ${insert.slice(0, 120)}. (SYNTAX_ERROR)`,
      62,
    );
  return `${m[1]} SELECT * FROM file('${path}', '${m[2]}') SETTINGS schema_inference_use_cache_for_file = 0`;
}

let payloadSeq = 0;

function writeAll(path: string, parts: Buffer[]): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    // writev takes at most IOV_MAX (1024) buffers at once and may write less than asked
    for (let i = 0; i < parts.length; i += 1024) {
      const chunk = parts.slice(i, i + 1024);
      let written = writevSync(fd, chunk);
      for (const b of chunk) {
        if (written >= b.length) written -= b.length;
        else {
          writeRest(fd, b.subarray(written));
          written = 0;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

function writeRest(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += writevSync(fd, [b.subarray(off)]);
}

/** `chdb://./data/clickhouse` → the absolute folder, relative paths from `baseDir`. */
export function embeddedFolder(endpoint: string, baseDir: string): string {
  const path = endpoint.replace(/^chdb:\/\//, '');
  if (!path) throw new Error(`endpoint ${endpoint}: name a folder, e.g. chdb://./data/clickhouse`);
  return resolve(baseDir, path);
}

/**
 * chdb opens one folder per process: exporters that name the same folder (one per signal, say)
 * share its session, which closes with the last of them.
 */
const openFolders = new Map<string, EmbeddedClient>();

export class EmbeddedClient implements ClickHouseClient {
  readonly folder: string;
  private readonly session: ChdbSession;
  /** how many opened this folder and have not closed it yet */
  users = 1;
  private payloadOnDisk = false;
  // one engine connection: its statements run one after another
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(folder: string, session: ChdbSession) {
    this.folder = folder;
    this.session = session;
  }

  static open(folder: string): EmbeddedClient {
    const shared = openFolders.get(folder);
    if (shared) {
      shared.users++;
      return shared;
    }
    const chdb = loadChdb();
    mkdirSync(folder, { recursive: true });
    try {
      const client = new EmbeddedClient(folder, new chdb.Session(folder));
      openFolders.set(folder, client);
      return client;
    } catch (err) {
      const message = (err as Error).message;
      throw new ClickHouseError(`cannot open the embedded store in ${folder}: ${message}`, codeOf(message), {
        cause: err,
      });
    }
  }

  query(sql: string, format = 'TabSeparated'): Promise<Buffer> {
    return this.serial(async () => {
      const bytes = (await this.session.queryAsync(sql, { format })).bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  insertRaw(insert: string, data: Buffer | Buffer[]): Promise<void> {
    return this.serial(async () => {
      const path = this.writePayload(Array.isArray(data) ? data : [data]);
      const sql = insertFromFile(insert, path);
      try {
        await this.session.queryAsync(sql, { format: 'TabSeparated' });
      } finally {
        rmSync(path, { force: true });
      }
    });
  }

  /**
   * Into RAM when it has room (a container's /dev/shm is often 64 MB), else into the store's
   * folder, which then serves from there on.
   */
  private writePayload(parts: Buffer[]): string {
    const name = `flowtel-insert-${process.pid}-${payloadSeq++}`;
    if (!this.payloadOnDisk) {
      const path = join(RAM_DIR, name);
      try {
        writeAll(path, parts);
        return path;
      } catch (err) {
        rmSync(path, { force: true });
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        this.payloadOnDisk = true;
      }
    }
    const path = join(this.folder, name);
    writeAll(path, parts);
    return path;
  }

  /** What must stop before the engine closes with the folder's last user (the query socket). */
  private readonly beforeLastClose: Array<() => Promise<void>> = [];

  onLastClose(stop: () => Promise<void>): void {
    this.beforeLastClose.push(stop);
  }

  async close(): Promise<void> {
    if (--this.users > 0) return;
    openFolders.delete(this.folder);
    for (const stop of this.beforeLastClose.splice(0)) await stop();
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
