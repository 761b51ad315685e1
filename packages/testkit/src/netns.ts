// Network namespaces a test makes for itself (root, iproute2): addresses that only exist in
// there (a cloud's metadata address, 169.254.169.254) and a hosts file of its own, so a program
// run inside meets the same names and addresses it would meet on that cloud, and nothing it
// sends leaves the namespace.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

export interface Netns {
  name: string;
  /** runs a command inside to completion (never throws for its exit status) */
  exec(
    command: string,
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string },
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  remove(): void;
}

/** Why a namespace cannot be made here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `flowtel-probe-${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error) return `ip (iproute2) is missing: ${r.error.message}`;
  if (r.status !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

let count = 0;

/**
 * A namespace with loopback up, `addresses` (CIDR) on it, and `hosts` as its /etc/hosts
 * (`ip netns exec` mounts /etc/netns/<name>/hosts over /etc/hosts).
 */
export function createNetns(addresses: string[] = [], hosts?: string): Netns {
  const name = `flowtel-${process.pid}-${++count}`;
  const ip = (...args: string[]) => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  };
  ip('netns', 'add', name);
  const remove = () => {
    spawnSync('ip', ['netns', 'del', name]);
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  };
  try {
    ip('-n', name, 'link', 'set', 'lo', 'up');
    for (const a of addresses) ip('-n', name, 'addr', 'add', a, 'dev', 'lo');
    if (hosts !== undefined) {
      mkdirSync(`/etc/netns/${name}`, { recursive: true });
      writeFileSync(`/etc/netns/${name}/hosts`, hosts);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return {
    name,
    remove,
    exec: (command, args, options = {}) =>
      new Promise((resolve) => {
        execFile(
          'ip',
          ['netns', 'exec', name, command, ...args],
          {
            env: options.env ?? process.env,
            timeout: options.timeoutMs ?? 120_000,
            cwd: options.cwd,
            maxBuffer: 1 << 24,
          },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      }),
  };
}
