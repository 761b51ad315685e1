// Where capture cannot start, the receiver says why once and the collector keeps running; with
// `required: true` it refuses to start instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnlessCapture } from './capture-support.ts';

const fixture = fileURLToPath(new URL('./fixtures/start-receiver.ts', import.meta.url));

function startAsNobody(config: unknown): { warnings: string[]; startError?: string } {
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      '--inh-caps=-all',
      process.execPath,
      '--import',
      'tsx',
      fixture,
      JSON.stringify(config),
    ],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, HOME: '/tmp' } },
  );
  assert.equal(r.status, 0, `the receiver must not crash its process:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

// Dropping to an unprivileged user needs root to begin with; capture itself is not needed, but
// the addon must be built for the privilege check to be the addon's.
test('not root: one warning that says why and what to do, and the receiver runs without capture', (t) => {
  if (skipUnlessCapture(t)) return;
  const { warnings, startError } = startAsNobody({});
  assert.equal(startError, undefined);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /eBPF capture cannot start/);
  assert.match(warnings[0], /not running as root/);
  assert.match(warnings[0], /Run flowtel as root/);
});

test('not root with required: true: start fails with the same reason', (t) => {
  if (skipUnlessCapture(t)) return;
  const { warnings, startError } = startAsNobody({ required: true });
  assert.deepEqual(warnings, []);
  assert.match(startError ?? '', /not running as root/);
});
