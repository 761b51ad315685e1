// The systemd unit: systemd-analyze verifies it, and its ExecStart command line, with the
// variables its Environment= lines set (as /etc/default/flowtel would override them), starts
// a collector that gets ready and stops cleanly on the unit's KillSignal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, freePort, spawnCollector, waitForOutput } from '@flowtel/testkit';

const UNIT = fileURLToPath(new URL('../systemd/flowtel.service', import.meta.url));

/** The unit's `[Service]` settings, a key's values in order. */
function serviceSettings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) section = header[1];
    else if (section === 'Service') {
      const eq = trimmed.indexOf('=');
      const key = trimmed.slice(0, eq);
      out.set(key, [...(out.get(key) ?? []), trimmed.slice(eq + 1)]);
    }
  }
  return out;
}

test('systemd-analyze verifies the unit', (t) => {
  const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
  if (r.error) {
    if (process.env.CI === 'true') assert.fail(`systemd-analyze: ${r.error.message}`);
    t.skip('systemd-analyze is not installed');
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warning either');
});

test("the unit's ExecStart starts a collector that gets ready and stops on SIGTERM", async (t) => {
  const settings = serviceSettings(readFileSync(UNIT, 'utf8'));
  const env: Record<string, string> = {};
  for (const value of settings.get('Environment') ?? []) {
    const eq = value.indexOf('=');
    env[value.slice(0, eq)] = value.slice(eq + 1);
  }
  assert.deepEqual(Object.keys(env).sort(), ['FLOWTEL_CONFIG', 'FLOWTEL_HOME']);
  // what /etc/default/flowtel would say on this machine
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-systemd-'));
  const port = await freePort();
  env.FLOWTEL_HOME = REPO_ROOT;
  env.FLOWTEL_CONFIG = join(dir, 'config.yaml');
  writeFileSync(
    env.FLOWTEL_CONFIG,
    `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  debug:
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`,
  );
  const [execStart] = settings.get('ExecStart')!;
  // systemd's ${VAR} expansion, then its word splitting (no quotes in this unit)
  const argv = execStart.replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? '').split(/\s+/);
  assert.equal(argv[0], '/usr/bin/node', 'systemd needs an absolute path');
  const collector = spawnCollector(argv[0], argv.slice(1), { ...process.env, ...env });
  t.after(() => collector.stop());
  await waitForOutput(collector, 'Everything is ready');
  assert.deepEqual(settings.get('KillSignal'), ['SIGTERM']);
  collector.process.kill('SIGTERM');
  assert.equal(await collector.exited, 0, collector.output());
});
