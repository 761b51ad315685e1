// The seams between packages, checked over every workspace's package.json and sources: what a
// package exports exists, and components depend on contracts (core, pdata, otlp), never on
// another component's package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Manifest {
  name: string;
  exports?: unknown;
  bin?: string | Record<string, string>;
  main?: string;
  dependencies?: Record<string, string>;
}
interface Workspace {
  dir: string;
  rel: string;
  pkg: Manifest;
}

function workspaces(): Workspace[] {
  const patterns = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return existsSync(parent) ? readdirSync(parent).map((name) => join(parent, name)) : [];
  });
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({
      dir,
      rel: relative(root, dir),
      pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest,
    }));
}

/** Every file path an `exports` field names, through conditions and subpaths. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

/** The workspace packages a file imports (static and dynamic imports, with or without a subpath). */
function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const m of text.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](@flowtel\/[^'"/]+)(?:\/[^'"]*)?['"]/gm,
  )) {
    found.add(m[1]);
  }
  return [...found];
}

const all = workspaces();
const COMPONENT_GROUPS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'];
const isComponent = (w: Workspace) => COMPONENT_GROUPS.includes(w.rel.split('/')[0]) || w.rel === 'ebpf-receiver';
const componentNames = new Set(all.filter(isComponent).map((w) => w.pkg.name));

test('the workspaces are found', () => {
  assert.ok(all.length >= 10, `found ${all.map((w) => w.rel)}`);
  assert.ok(componentNames.has('@flowtel/processor-batch'));
});

for (const w of all) {
  test(`${w.rel}: exports, bin and main name files that exist`, () => {
    const targets = [
      ...exportTargets(w.pkg.exports),
      ...(typeof w.pkg.bin === 'string' ? [w.pkg.bin] : Object.values(w.pkg.bin ?? {})),
      ...(w.pkg.main ? [w.pkg.main] : []),
    ];
    // a workspace without src/ holds no code to import (deploy/: manifests and their tests)
    if (existsSync(join(w.dir, 'src'))) assert.ok(targets.length > 0, 'the package exports something');
    for (const target of targets) {
      // a subpath pattern (`./src/*.ts`) names a folder of files
      const path = target.includes('*') ? dirname(target) : target;
      assert.ok(existsSync(join(w.dir, path)), `${w.rel}/package.json names ${target}, which does not exist`);
    }
  });
}

for (const w of all.filter(isComponent)) {
  test(`${w.rel}: depends on no other component package`, () => {
    const others = (name: string) => componentNames.has(name) && name !== w.pkg.name;
    const declared = Object.keys(w.pkg.dependencies ?? {}).filter(others);
    assert.deepEqual(declared, [], 'package.json dependencies name other components');
    const imports = sourceFiles(join(w.dir, 'src'))
      .concat(sourceFiles(join(w.dir, 'lib')))
      .flatMap((file) =>
        importedPackages(file)
          .filter(others)
          .map((name) => `${relative(root, file)} imports ${name}`),
      );
    assert.deepEqual(imports, []);
  });
}

test('flowtel query does not import an exporter: only the built-in registry (components.ts) names exporter packages', () => {
  const collector = all.find((w) => w.pkg.name === '@flowtel/collector');
  assert.ok(collector);
  const offenders = sourceFiles(join(collector.dir, 'src'))
    .filter((file) => !file.endsWith('components.ts'))
    .flatMap((file) =>
      importedPackages(file)
        .filter((name) => name.startsWith('@flowtel/exporter-'))
        .map((name) => `${relative(root, file)} imports ${name}`),
    );
  assert.deepEqual(offenders, []);
});
