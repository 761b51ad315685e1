// The store is shared by a component (the exporter) and the CLI (`flowtel query`): it may
// depend on contracts (core, pdata), never on a component's package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const COMPONENT = /^@flowtel\/(exporter|processor|receiver|connector|extension)-/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('the store imports no component package, in its sources or its package.json', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string> | undefined
  >;
  const declared = ['dependencies', 'devDependencies', 'optionalDependencies'].flatMap((k) =>
    Object.keys(pkg[k] ?? {}),
  );
  assert.deepEqual(
    declared.filter((d) => COMPONENT.test(d)),
    [],
  );
  const files = sources(join(root, 'src'));
  assert.ok(files.length > 10, 'the sources were found');
  const imports = files.flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => `${f}: ${m[1]}`),
  );
  assert.deepEqual(
    imports.filter((i) => COMPONENT.test(i.split(': ')[1]) || /\.\.\/\.\.\/\.\.\//.test(i)),
    [],
  );
});
