// A component's key-value state (core's StorageClient) in one file: the whole map is written to
// a temporary name and renamed over the last one, so a crash leaves the previous state or the
// new one, never half of one. The state is small (a file receiver's offsets), so every set
// rewrites it; fsync makes that survive a power cut too.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageClient } from '@flowtel/core';

export class FileClient implements StorageClient {
  private readonly path: string;
  private readonly data = new Map<string, Uint8Array>();
  private readonly fsync: boolean;
  private readonly unlock: () => void;
  constructor(dir: string, fsync: boolean, unlock: () => void) {
    this.path = join(dir, 'data.json');
    this.fsync = fsync;
    this.unlock = unlock;
    let text: string | undefined;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) {
      const parsed = JSON.parse(text) as Record<string, string>;
      for (const [k, v] of Object.entries(parsed)) this.data.set(k, Buffer.from(v, 'base64'));
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.data.get(key);
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.data.set(key, value);
    this.write();
  }

  async delete(key: string): Promise<void> {
    if (this.data.delete(key)) this.write();
  }

  async close(): Promise<void> {
    this.unlock();
  }

  private write(): void {
    const out: Record<string, string> = {};
    for (const [k, v] of this.data) out[k] = Buffer.from(v).toString('base64');
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(out));
      if (this.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
