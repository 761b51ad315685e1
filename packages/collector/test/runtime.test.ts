// Running flowtel as users do: `npx flowtel` runs the bin script as a program and `npm start`
// runs the bundle; both must start node with the same runtime settings (the V8 flags and
// MALLOC_ARENA_MAX of their shared first line), and the direct command a supervisor runs must
// stop on SIGTERM (SIGTERM to `npx` itself leaves its child running, so the README gives these).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort, spawnCollector, waitForOutput } from '@flowtel/testkit';

const NPX_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'flowtel');
const BUNDLE = join(REPO_ROOT, 'packages', 'collector', 'dist', 'flowtel.mjs');

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

test('npx flowtel (the bin) and npm start (the bundle) run node with the same settings, and SIGTERM to that command stops the collector', async () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
  assert.equal(readFileSync(BUNDLE, 'utf8').split('\n', 1)[0], readFileSync(NPX_BIN, 'utf8').split('\n', 1)[0]);
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-runtime-'));
  for (const command of [NPX_BIN, BUNDLE]) {
    const port = await freePort();
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}}
exporters: {debug: {}}
service:
  telemetry: {metrics: {level: none}}
  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
`,
    );
    const { MALLOC_ARENA_MAX: _unset, ...env } = process.env;
    // run as a supervisor runs it: the file as the program, no node in front, no npm around it
    const collector = spawnCollector(command, ['--config', config], { ...env, NODE_OPTIONS: '' });
    try {
      await waitForOutput(collector, 'Everything is ready');
      const pid = collector.process.pid!;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.equal(cmdline[0], 'node', `${command}: ${cmdline.join(' ')}`);
      assert.deepEqual(cmdline.slice(1, 3), ['--max-semi-space-size=4', '--heap-growing-percent=75'], command);
      assert.ok(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('MALLOC_ARENA_MAX=2'), command);
      assert.equal(await refused(port), false);
      process.kill(pid, 'SIGTERM');
      assert.equal(await collector.exited, 0, `${command}: ${collector.output()}`);
      assert.match(collector.output(), /Shutdown complete/);
      assert.equal(await refused(port), true, 'nothing listens after the exit');
    } finally {
      await collector.stop();
    }
  }
});
