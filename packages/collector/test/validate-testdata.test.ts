// `flowtel validate` over every config in testdata/: the valid ones pass, and each invalid one
// fails with the problem its first line expects (`# expect: <line>: <text>`), located at
// that line of that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@flowtel/testkit';

const testdata = join(import.meta.dirname, '..', 'testdata');
const files = (kind: string) => readdirSync(join(testdata, kind)).filter((f) => f.endsWith('.yaml')).sort();

test('there are at least 20 valid and 20 invalid configs', () => {
  assert.ok(files('valid').length >= 20);
  assert.ok(files('invalid').length >= 20);
});

for (const name of files('valid')) {
  test(`valid/${name} validates`, async () => {
    const { code, stderr } = await runCli(['validate', '--config', join(testdata, 'valid', name)]);
    assert.equal(code, 0, stderr);
  });
}

for (const name of files('invalid')) {
  test(`invalid/${name} is rejected at the expected line and key`, async () => {
    const path = join(testdata, 'invalid', name);
    const expect = /^# expect: (\d+): (.*)$/m.exec(readFileSync(path, 'utf8'));
    assert.ok(expect, `${name} has no "# expect: <line>: <text>" header`);
    const [, line, text] = expect;
    const { code, stderr } = await runCli(['validate', '--config', path]);
    assert.equal(code, 1);
    const located = stderr.split('\n').filter((l) => l.includes(`${path}:${line}:`));
    assert.ok(located.some((l) => l.includes(text)), `expected "${path}:${line}:...${text}" in:\n${stderr}`);
  });
}
