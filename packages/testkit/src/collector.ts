// A flowtel collector in a child process, run from a YAML config the test writes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FLOWTEL_BIN = join(repoRoot, 'packages/collector/bin/flowtel.mjs');

export interface ChildCollector {
  process: ChildProcess;
  /** the config file it runs */
  configPath: string;
  /** stdout and stderr so far */
  output(): string;
  /** resolves once the output contains `text`; rejects on exit or after `timeoutMs` */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM (or `signal`), then the exit code; SIGKILL if it has not exited after 10 s */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startCollector(configYaml: string, opts: { args?: string[]; env?: NodeJS.ProcessEnv; dir?: string } = {}): ChildCollector {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'flowtel-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml);
  const child = spawn(process.execPath, [FLOWTEL_BIN, '--config', configPath, ...(opts.args ?? [])], {
    cwd: dir,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of watchers) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => (watchers.forEach((w) => w()), r(code))));

  return {
    process: child,
    configPath,
    output: () => out,
    waitForOutput(text, timeoutMs = 15_000) {
      const seen = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`collector did not print ${text} within ${timeoutMs}ms; output:\n${out}`)), timeoutMs);
        const done = (err?: Error) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (seen()) done();
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`collector exited (${child.exitCode ?? child.signalCode}) before printing ${text}; output:\n${out}`));
        };
        watchers.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
