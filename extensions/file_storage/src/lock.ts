// One collector per queue directory: two processes sending and deleting the same files would
// send batches twice and lose track of room. A LOCK file names its holder by pid and process
// start time; a holder that no longer runs (killed with -9, or a container restarted with the
// same pid) is stale and taken over. Otherwise the lock is waited for up to file_storage's
// `timeout`, otelcol's "maximum time to wait for a file lock".
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The kernel's start time of a process (clock ticks since boot), or undefined without /proc. */
function startTime(pid: number | 'self'): string | undefined {
  try {
    // the fields after the command name, which may itself hold spaces or parentheses
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function running(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // the pid runs: is it still the process that took the lock?
  return started === undefined || startTime(pid) === started;
}

/** Locks held by this process, so that its own stale lock (same pid) is told from a live one. */
const held = new Set<string>();

export async function lockDirectory(dir: string, timeoutMs: number): Promise<() => void> {
  const path = join(dir, 'LOCK');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid} ${startTime('self') ?? ''}\n`);
      closeSync(fd);
      held.add(path);
      return () => {
        held.delete(path);
        rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = '';
    try {
      owner = readFileSync(path, 'utf8').trim();
    } catch {
      continue; // released meanwhile
    }
    const [pidText, started] = owner.split(' ');
    const pid = Number(pidText);
    const stale =
      !Number.isInteger(pid) ||
      pid <= 0 ||
      (pid === process.pid ? !held.has(path) : !running(pid, started || undefined));
    if (stale) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `${dir} is locked by process ${pid}: another collector uses this file_storage directory (waited file_storage::timeout, ${timeoutMs}ms)`,
      );
    await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
}
