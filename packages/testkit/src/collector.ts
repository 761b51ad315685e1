// A flowtel collector in a child process, as a user runs it: the real CLI on a real config.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitForOutput, waitForPort } from './wait.ts';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
export const FLOWTEL_BIN = join(REPO_ROOT, 'packages/collector/bin/flowtel.mjs');

export interface RunningCollector {
  process: ChildProcess;
  /** everything written to stdout and stderr so far */
  output(): string;
  /** resolves with the exit code (or the signal name) */
  exited: Promise<number | string>;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | string>;
}

/** Writes `yaml` to a temp file (or takes a path) and starts `flowtel --config` on it. */
export function startCollector(config: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): RunningCollector {
  let path = config;
  if (config.includes('\n')) {
    path = join(mkdtempSync(join(tmpdir(), 'flowtel-test-')), 'config.yaml');
    writeFileSync(path, config);
  }
  return spawnCollector(process.execPath, [FLOWTEL_BIN, '--config', path, ...args], { ...process.env, ...env });
}

/**
 * startCollector for the test `t`, stopped when it ends; resolves once the collector is ready:
 * `port` on loopback accepts connections (a receiver of the config listens there) or, without
 * one, the collector prints that everything is ready.
 */
export async function runCollector(t: TestContext, config: string, port?: number): Promise<RunningCollector> {
  const collector = startCollector(config);
  t.after(() => collector.stop());
  await (port === undefined ? waitForOutput(collector, 'Everything is ready') : waitForPort(port));
  return collector;
}

/** A collector started as `command args` from the repository root (the sources, or a bundle), its output kept. */
export function spawnCollector(command: string, args: string[], env: NodeJS.ProcessEnv): RunningCollector {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    process: child,
    output: () => out,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
