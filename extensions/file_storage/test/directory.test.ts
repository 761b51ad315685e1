import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

test('directory_permissions: the directory create_directory makes gets that mode; a bad mode is refused', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'flowtel-fs-perm-'));
  for (const [permissions, mode] of [
    ['0700', 0o700],
    ['0750', 0o750],
  ] as const) {
    const directory = join(parent, permissions);
    const ext = factory.createExtension(
      testSettings('file_storage', 'extension'),
      factory.configSchema.parse({ directory, directory_permissions: permissions }),
    );
    await ext.start(testHost());
    // 0700 and 0750 are untouched by the usual umask (022)
    assert.equal(statSync(directory).mode & 0o777, mode, permissions);
    await ext.shutdown();
  }
  assert.equal(factory.configSchema.safeParse({ directory_permissions: 'rwx' }).success, false);
});
