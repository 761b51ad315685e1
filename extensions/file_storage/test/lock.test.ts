import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDirectory } from '../src/lock.ts';

test('a queue directory held by a running collector is refused after file_storage::timeout; once that one is killed -9 it is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-lock-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'hold-lock.ts'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('ready') && resolve()));
  const t0 = Date.now();
  await assert.rejects(lockDirectory(dir, 300), new RegExp(`locked by process ${child.pid}: another collector`));
  assert.ok(Date.now() - t0 >= 300, `gave up after ${Date.now() - t0}ms, timeout 300ms`);
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const unlock = await lockDirectory(dir, 300);
  unlock();
  assert.equal(existsSync(join(dir, 'LOCK')), false);
});

test('within one process: a lock it holds is waited for; one left by an earlier run with the same pid is stale', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-lock-'));
  const unlock = await lockDirectory(dir, 100);
  await assert.rejects(lockDirectory(dir, 100), /locked by process/);
  const waiting = lockDirectory(dir, 5000);
  unlock();
  (await waiting)();

  // a container restarted with the same pid finds its own pid in the file, not held by it
  writeFileSync(join(dir, 'LOCK'), `${process.pid} 1\n`);
  (await lockDirectory(dir, 100))();
});
