import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { FLOWTEL_BIN } from './collector.ts';

/** Runs the `flowtel` CLI to completion from the repo root: exit code, stdout and stderr. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [FLOWTEL_BIN, ...args], {
      cwd: resolve(dirname(FLOWTEL_BIN), '../../..'),
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}
