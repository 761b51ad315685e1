// `flowtel validate` over every config in testdata/: the valid ones pass, and each invalid one
// fails with the problem its first line expects (`# expect: <line>: <text>`), located at
// that line of that file. The validate command's own code runs in-process (cli.test.ts runs
// the command itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@flowtel/core';
import { validate } from '../src/main.ts';

const testdata = join(import.meta.dirname, '..', 'testdata');
const files = (kind: string) =>
  readdirSync(join(testdata, kind))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
const check = (path: string) => validate({ config: [path], set: [], featureGates: [], plugin: [] });

test('there are at least 20 valid and 20 invalid configs', () => {
  assert.ok(files('valid').length >= 20);
  assert.ok(files('invalid').length >= 20);
});

for (const name of files('valid')) {
  test(`valid/${name} validates`, async () => {
    try {
      await check(join(testdata, 'valid', name));
    } catch (err) {
      assert.fail(err instanceof ConfigError ? err.message : String(err));
    }
  });
}

for (const name of files('invalid')) {
  test(`invalid/${name} is rejected at the expected line and key`, async () => {
    const path = join(testdata, 'invalid', name);
    const expect = /^# expect: (\d+): (.*)$/m.exec(readFileSync(path, 'utf8'));
    assert.ok(expect, `${name} has no "# expect: <line>: <text>" header`);
    const [, line, text] = expect;
    const err = await check(path).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    const located = err.problems.map(String).filter((p) => p.startsWith(`${path}:${line}:`));
    assert.ok(
      located.some((p) => p.includes(text)),
      `expected "${path}:${line}:...${text}" in:\n${err.message}`,
    );
  });
}
