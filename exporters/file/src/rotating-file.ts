// The file the exporter writes: buffered, flushed on an interval, and rotated by size as
// lumberjack (which otelcol's fileexporter uses) rotates: the full file is renamed to
// `<name>-<2006-01-02T15-04-05.000><ext>` beside it and a new one is started; the oldest
// rotated files beyond max_backups, and those older than max_days, are deleted.
//
// I/O is synchronous on purpose: writes land in the page cache in microseconds, the order of
// records and rotations stays trivially right, and a flush on shutdown cannot be lost.
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { permanent } from '@flowtel/core';
import type { RotationConfig } from './config.ts';

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Records are copied into a buffer this large and written on the interval, or when the next
 * would overflow it, as Go's bufio.Writer does; what does not fit is written at once.
 */
const BUFFER_BYTES = 256 * 1024;
const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;

export interface FileOptions {
  append: boolean;
  rotation?: RotationConfig;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** lumberjack's backup time format, 2006-01-02T15-04-05.000, in UTC or local time. */
function stamp(ms: number, local: boolean): string {
  const d = new Date(ms);
  const [y, mo, da, h, mi, s, milli] = local
    ? [
        d.getFullYear(),
        d.getMonth() + 1,
        d.getDate(),
        d.getHours(),
        d.getMinutes(),
        d.getSeconds(),
        d.getMilliseconds(),
      ]
    : [
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        d.getUTCMilliseconds(),
      ];
  return `${y}-${pad(mo)}-${pad(da)}T${pad(h)}-${pad(mi)}-${pad(s)}.${pad(milli, 3)}`;
}

function parseStamp(text: string, local: boolean): number | undefined {
  const m = STAMP.exec(text);
  if (!m) return undefined;
  const [y, mo, da, h, mi, s, milli] = m.slice(1).map(Number);
  return local ? new Date(y, mo - 1, da, h, mi, s, milli).getTime() : Date.UTC(y, mo - 1, da, h, mi, s, milli);
}

export class RotatingFile {
  readonly path: string;
  private readonly options: FileOptions;
  private fd?: number;
  /** bytes in the current file, counting what is still buffered */
  private size = 0;
  /** records waiting for the next flush: copies, so a caller may reuse the memory it wrote from */
  private buffer?: Buffer;
  private buffered = 0;

  constructor(path: string, options: FileOptions) {
    this.path = path;
    this.options = options;
  }

  private get maxBytes(): number {
    return (this.options.rotation?.max_megabytes ?? Infinity) * MIB;
  }

  open(): void {
    if (this.fd !== undefined) return;
    // lumberjack appends to an existing file and rotates it once full; without rotation the
    // file is truncated unless `append` is set, as fileexporter does
    const keep = this.options.append || this.options.rotation !== undefined;
    this.fd = openSync(this.path, keep ? 'a' : 'w', 0o644);
    this.size = fstatSync(this.fd).size;
  }

  /**
   * One record, given as its pieces; a record never spans two files. The pieces are written or
   * copied before this returns, so their memory can be reused for the next record.
   */
  write(pieces: Uint8Array[]): void {
    if (this.fd === undefined) throw new Error(`file ${this.path} is not open`);
    let length = 0;
    for (const piece of pieces) length += piece.length;
    if (this.options.rotation) {
      if (length > this.maxBytes) {
        throw permanent(`write length ${length} exceeds maximum file size ${this.maxBytes}`);
      }
      if (this.size + length > this.maxBytes) this.rotate();
    }
    this.size += length;
    if (this.buffered + length <= BUFFER_BYTES) {
      this.buffer ??= Buffer.allocUnsafe(BUFFER_BYTES);
      for (const piece of pieces) {
        this.buffer.set(piece, this.buffered);
        this.buffered += piece.length;
      }
      return;
    }
    // what is buffered goes first, then the record from the caller's memory, in one writev
    const buffered = this.takeBuffered();
    this.writeAll(buffered ? [buffered, ...pieces] : pieces);
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.fd === undefined) return;
    const buffered = this.takeBuffered();
    if (buffered) this.writeAll([buffered]);
  }

  /** The buffered bytes, now counted as written (a failed write loses them, and says so). */
  private takeBuffered(): Uint8Array | undefined {
    if (this.buffered === 0) return undefined;
    const bytes = this.buffer!.subarray(0, this.buffered);
    this.buffered = 0;
    return bytes;
  }

  /** writev until every piece is out: the pieces go as they are, without a copy to join them. */
  private writeAll(pieces: Uint8Array[]): void {
    while (pieces.length > 0) {
      let written = writevSync(this.fd!, pieces);
      // a short write (or more pieces than one writev takes) leaves the rest for the next call
      let done = 0;
      while (done < pieces.length && written >= pieces[done].length) written -= pieces[done++].length;
      pieces = pieces.slice(done);
      if (written > 0) pieces[0] = pieces[0].subarray(written);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private rotate(): void {
    this.close();
    const local = this.options.rotation?.localtime ?? false;
    let at = Date.now();
    // two rotations in one millisecond must not overwrite each other's backup
    while (existsSync(this.backupName(at, local))) at++;
    const mode = statMode(this.path);
    renameSync(this.path, this.backupName(at, local));
    this.fd = openSync(this.path, 'w', mode);
    this.size = 0;
    this.removeOldBackups();
  }

  private backupName(ms: number, local: boolean): string {
    const ext = extname(this.path);
    return join(dirname(this.path), `${basename(this.path, ext)}-${stamp(ms, local)}${ext}`);
  }

  private removeOldBackups(): void {
    const rotation = this.options.rotation;
    if (!rotation || (rotation.max_backups === 0 && rotation.max_days === 0)) return;
    const ext = extname(this.path);
    const prefix = `${basename(this.path, ext)}-`;
    const dir = dirname(this.path);
    const backups = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(ext))
      .map((f) => ({
        file: join(dir, f),
        at: parseStamp(f.slice(prefix.length, f.length - ext.length), rotation.localtime),
      }))
      .filter((b): b is { file: string; at: number } => b.at !== undefined)
      .sort((a, b) => b.at - a.at);
    const cutoff = Date.now() - rotation.max_days * DAY_MS;
    backups.forEach((b, i) => {
      const tooMany = rotation.max_backups > 0 && i >= rotation.max_backups;
      const tooOld = rotation.max_days > 0 && b.at < cutoff;
      if (tooMany || tooOld) unlinkSync(b.file);
    });
  }
}

/** lumberjack gives the new file the old one's mode. */
function statMode(path: string): number {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return 0o644;
  }
}
