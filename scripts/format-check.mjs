#!/usr/bin/env node
// `npm run format:check` (part of `npm test`): Prettier over the files .prettierignore opts in,
// clang-format (the .clang-format files in ebpf-receiver) over every tracked C and C++ source.
// `--write` formats them instead.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const write = process.argv.includes('--write');
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });

let failed = run('npx', ['prettier', write ? '--write' : '--check', '.']).status !== 0;

const sources = spawnSync('git', ['ls-files', '*.c', '*.cc', '*.cpp', '*.h', '*.hpp'], { cwd: root, encoding: 'utf8' })
  .stdout.split('\n')
  .filter(Boolean);
if (spawnSync('clang-format', ['--version']).error) {
  // setup.mjs installs it (ebpf-receiver's aptForTests) when run as root, as CI is
  console.error('clang-format is not installed: the C and C++ sources were not checked');
  failed ||= process.env.CI === 'true';
} else if (sources.length > 0) {
  const r = run('clang-format', write ? ['-i', ...sources] : ['--dry-run', '-Werror', ...sources]);
  if (r.status !== 0) {
    console.error('C/C++ formatting differs: `node scripts/format-check.mjs --write` formats it');
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
