// The memory the process may use, as otelcol's iruntime.TotalMemory: the cgroup's limit when
// there is one (containers), otherwise the machine's memory.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/** cgroup v1 writes "no limit" as a page-rounded 2^63-1. */
const V1_UNLIMITED = 2 ** 62;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The process's cgroup v2 path and v1 memory controller path, from /proc/self/cgroup. */
function ownCgroups(): { v2?: string; v1Memory?: string } {
  const found: { v2?: string; v1Memory?: string } = {};
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (id === '0' && controllers === '') found.v2 = path;
    else if (controllers?.split(',').includes('memory')) found.v1Memory = path;
  }
  return found;
}

function cgroupLimit(): number | undefined {
  const { v2, v1Memory } = ownCgroups();
  const candidates = [
    v2 !== undefined ? `/sys/fs/cgroup${v2}/memory.max` : undefined,
    '/sys/fs/cgroup/memory.max',
    v1Memory !== undefined ? `/sys/fs/cgroup/memory${v1Memory}/memory.limit_in_bytes` : undefined,
    '/sys/fs/cgroup/memory/memory.limit_in_bytes',
  ];
  for (const path of candidates) {
    const text = path && read(path);
    if (!text || text === 'max') continue;
    const bytes = Number(text);
    if (Number.isFinite(bytes) && bytes > 0 && bytes < V1_UNLIMITED) return bytes;
  }
  return undefined;
}

export function totalMemory(): number {
  return Math.min(cgroupLimit() ?? Infinity, totalmem());
}
