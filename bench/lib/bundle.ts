// flowtel as `npm start` runs it, for the benchmarks: the bundle of scripts/build.mjs (rebuilt
// here when a source changed), run as a program so that the V8 flags of its shebang apply.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, waitFor } from '@flowtel/testkit';

const BUILD_SCRIPT = join(REPO_ROOT, 'scripts', 'build.mjs');
const BUNDLE = join(REPO_ROOT, 'packages', 'collector', 'dist', 'flowtel.mjs');

export interface BundledCollector {
  pid: number;
  /** what it wrote to stdout and stderr so far */
  output(): string;
  /** waits until its log says the pipelines run */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit code (or the signal name) */
  stop(): Promise<number | string>;
}

/** Starts the bundle on a config file. FLOWTEL_NODE_OPTIONS reaches only the collector (e.g. --import of a profiler). */
export function startBundle(configPath: string): BundledCollector {
  execFileSync(process.execPath, [BUILD_SCRIPT], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const child = spawn(BUNDLE, ['--config', configPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: process.env.FLOWTEL_NODE_OPTIONS ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    pid: child.pid!,
    output: () => out,
    ready: async (timeoutMs = 60_000) => {
      await waitFor('flowtel to start', async () => out.includes('Everything is ready'), timeoutMs);
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
