#!/usr/bin/env node
// The set-up behind `npm start`, `npm test` and `npm run bench`: everything a fresh Debian
// machine needs, done once and skipped when already done. Only node built-ins here: this runs
// before node_modules exists.
//
// Workspaces declare what they need in their package.json:
//   "flowtel": { "apt": [...], "aptForTests": [...] }  Debian packages (installed when root)
//   "scripts": { "setup": "..." }                        a native build step, run after install
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--for-tests');
const log = (msg) => process.stderr.write(`[setup] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status === 0;
}

function workspaceDirs() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = [];
  for (const pattern of pkg.workspaces) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent)) {
        const dir = join(parent, name);
        if (existsSync(join(dir, 'package.json'))) dirs.push(dir);
      }
    } else if (existsSync(join(root, pattern, 'package.json'))) dirs.push(join(root, pattern));
  }
  return dirs;
}

function manifests() {
  return workspaceDirs().map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
}

function installDebianPackages() {
  if (process.getuid?.() !== 0) {
    log('not root: Debian packages are not installed (eBPF capture and live-traffic tests need root)');
    return;
  }
  if (process.env.FLOWTEL_SKIP_APT === '1') return;
  const wanted = new Set();
  for (const { pkg } of manifests()) {
    for (const p of pkg.flowtel?.apt ?? []) wanted.add(p);
    if (forTests) for (const p of pkg.flowtel?.aptForTests ?? []) wanted.add(p);
  }
  const missing = [...wanted].filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return !(r.stdout ?? '').includes('install ok installed');
  });
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Servers installed for tests must not start as system services: tests start their own.
  writeFileSync('/usr/sbin/policy-rc.d', '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  if (
    !run('apt-get', ['update', '-qq'], { env }) ||
    !run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env })
  ) {
    log('apt-get failed: components that need these packages will say so when they start');
  }
}

function newest(paths) {
  return Math.max(...paths.filter(existsSync).map((p) => statSync(p).mtimeMs));
}

function installNodeModules() {
  const stamp = join(root, 'node_modules', '.flowtel-installed');
  const inputs = [
    join(root, 'package.json'),
    join(root, 'package-lock.json'),
    ...workspaceDirs().map((d) => join(d, 'package.json')),
  ];
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest(inputs)) return;
  log('installing npm dependencies');
  // `npm install`, not `npm ci`: the lock records only this platform's optional binaries
  if (!run('npm', ['install', '--no-audit', '--no-fund'])) {
    log('npm install failed');
    process.exit(1);
  }
  writeFileSync(stamp, new Date().toISOString());
}

function buildNative() {
  for (const { dir, pkg } of manifests()) {
    if (!pkg.scripts?.setup) continue;
    if (!run('npm', ['run', '--silent', 'setup'], { cwd: dir })) {
      log(`${pkg.name}: its native build failed; flowtel runs without it and that component says why when it starts`);
    }
  }
}

installDebianPackages();
installNodeModules();
buildNative();
