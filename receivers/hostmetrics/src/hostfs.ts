// The host's /proc, /sys and /etc, under root_path when the collector runs in a container
// that mounts the host's root there (contrib sets HOST_PROC, HOST_SYS, HOST_ETC the same way).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** USER_HZ: /proc reports CPU time in ticks of 1/100 s on every Linux architecture flowtel runs on. */
export const CLOCK_TICKS = 100;

export class HostFs {
  readonly root: string;
  private boot?: number;

  constructor(root: string) {
    this.root = root === '' ? '/' : root;
  }

  path(p: string): string {
    return join(this.root, p);
  }

  // Synchronous on purpose: /proc and /sys files are generated in memory by the kernel and read
  // in microseconds, while each fs.promises call is several thread-pool round trips (the
  // processes scraper took 70 ms of CPU per scrape for 145 processes that way). The methods
  // stay async so a scraper's shape does not depend on it.
  async read(p: string): Promise<string> {
    return readFileSync(this.path(p), 'utf8');
  }

  async readlink(p: string): Promise<string> {
    return readlinkSync(this.path(p));
  }

  async readdir(p: string): Promise<string[]> {
    return readdirSync(this.path(p));
  }

  /** Boot time in seconds since the epoch (/proc/stat btime): the start of the host's counters. */
  async bootTime(): Promise<number> {
    if (this.boot === undefined) {
      const m = /^btime (\d+)$/m.exec(await this.read('proc/stat'));
      if (!m) throw new Error(`no btime in ${this.path('proc/stat')}`);
      this.boot = Number(m[1]);
    }
    return this.boot;
  }
}

/** `Key:   value kB` lines (/proc/meminfo, /proc/<pid>/status) as numbers, kB as bytes. */
export function keyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(\s+kB)?/.exec(line);
    if (m) out.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

export const secondsToNs = (s: number): bigint => BigInt(Math.round(s * 1000)) * 1_000_000n;
