#!/usr/bin/env node
// Runs every workspace's tests in one `node --test` so there is one summary line.
// `npm test -- <substring>...` runs only the test files whose path contains one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const groups = ['packages', 'receivers', 'processors', 'exporters', 'connectors', 'extensions', 'examples'];

function findTests(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = [];
for (const group of groups) {
  const dir = join(root, group);
  try {
    for (const pkg of readdirSync(dir)) {
      const testDir = join(dir, pkg, 'test');
      try {
        if (statSync(testDir).isDirectory()) findTests(testDir, files);
      } catch {}
    }
  } catch {}
}
for (const single of ['ebpf-receiver', 'deploy']) {
  try {
    findTests(join(root, single, 'test'), files);
  } catch {}
}

const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', '--test-reporter=spec', ...selected],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
