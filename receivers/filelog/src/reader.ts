// One tracked file: its identity (the first fingerprint_size bytes, contrib's fingerprint), and
// how far it has been read (the offset after the last token the pipeline took).
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface FileMeta {
  fingerprint: Buffer;
  offset: number;
  recordNumber: number;
  path: string;
}

/** A file the receiver reads: an open descriptor and where it stands. */
export class Reader implements FileMeta {
  path: string;
  fingerprint: Buffer;
  offset: number;
  recordNumber = 0;
  fd: number | undefined;
  /** file attributes (log.file.*) for its entries */
  attributes: Record<string, string>;
  /** ms when the file last grew, for force_flush_period */
  lastGrowth = Date.now();
  /** the end of the file when it was last read */
  lastSeenEnd = -1;
  private lastSize = -1;
  /** a gzip file's decompressed bytes, until its size changes */
  private plain?: Buffer;
  readonly gzip: boolean;
  constructor(
    path: string,
    fd: number,
    fingerprint: Buffer,
    offset: number,
    gzip: boolean,
    attributes: Record<string, string>,
  ) {
    this.path = path;
    this.fd = fd;
    this.fingerprint = fingerprint;
    this.offset = offset;
    this.gzip = gzip;
    this.attributes = attributes;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  size(): number {
    return this.fd === undefined ? 0 : fstatSync(this.fd).size;
  }

  /** the bytes from the offset on, into `into` (reused); for gzip the decompressed stream */
  read(into: Buffer): Buffer {
    if (this.fd === undefined) return into.subarray(0, 0);
    const max = into.length;
    if (this.gzip) {
      const size = this.size();
      if (size !== this.lastSize) {
        const all = Buffer.alloc(size);
        readSync(this.fd, all, 0, size, 0);
        try {
          this.plain = gunzipSync(all);
          this.lastSize = size;
        } catch {
          // being written: decompressed again at the next poll
        }
      }
      return this.plain ? this.plain.subarray(this.offset, this.offset + max) : Buffer.alloc(0);
    }
    const n = readSync(this.fd, into, 0, max, this.offset);
    return into.subarray(0, n);
  }

  /** grows the fingerprint while the file is shorter than fingerprint_size */
  refreshFingerprint(size: number): void {
    if (this.fingerprint.length >= size || this.fd === undefined || this.gzip) return;
    const fp = readFingerprint(this.fd, size);
    if (fp.subarray(0, this.fingerprint.length).equals(this.fingerprint)) this.fingerprint = fp;
  }
}

export function readFingerprint(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  const n = readSync(fd, buf, 0, size, 0);
  return buf.subarray(0, n);
}

export function openFile(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch {
    return undefined;
  }
}
