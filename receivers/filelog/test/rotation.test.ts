// Files written and rotated by Debian's logrotate (create, and copytruncate) while the receiver
// reads them, with a restart in the middle of one (offsets in a real file_storage extension):
// every line, counted by its sequence number, arrives exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Extension, LogsBatch } from '@flowtel/core';
import { factory as fileStorage } from '@flowtel/extension-file-storage';
import { testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += `{"seq":${i},"msg":"line ${i} of the rotation test"}\n`;
  return s;
}

async function startReceiver(dir: string, storageDir: string, seen: Map<number, number>) {
  const storageSettings = testSettings('file_storage', 'extension', dir);
  const storage = fileStorage.createExtension(
    storageSettings,
    fileStorage.configSchema.parse({ directory: storageDir }),
  );
  await storage.start(testHost());
  const config = factory.configSchema.parse({
    include: [join(dir, 'app.log*')],
    start_at: 'beginning',
    poll_interval: '50ms',
    storage: 'file_storage',
    operators: [{ type: 'json_parser' }],
  });
  const receiver = factory.createReceiver(testSettings('filelog', 'receiver', dir), config, {
    logs: {
      consume: async (b) => {
        for (const rl of (b as LogsBatch).data.resourceLogs)
          for (const sl of rl.scopeLogs)
            for (const r of sl.logRecords) {
              const seq = r.attributes.find((a) => a.key === 'seq')?.value;
              const n = seq && 'doubleValue' in seq ? seq.doubleValue : -1;
              seen.set(n, (seen.get(n) ?? 0) + 1);
            }
      },
    },
  });
  await receiver.start(testHost({ file_storage: storage as Extension }));
  return {
    async stop() {
      await receiver.shutdown();
      await storage.shutdown();
    },
  };
}

const received = (seen: Map<number, number>, upTo: number) => async () => {
  for (let i = 1; i <= upTo; i++) if (!seen.has(i)) return false;
  return true;
};

function assertExactlyOnce(seen: Map<number, number>, total: number): void {
  const missing: number[] = [];
  const repeated: number[] = [];
  for (let i = 1; i <= total; i++) {
    const n = seen.get(i) ?? 0;
    if (n === 0) missing.push(i);
    if (n > 1) repeated.push(i);
  }
  assert.deepEqual(missing, [], 'lines lost');
  assert.deepEqual(repeated, [], 'lines repeated');
  assert.deepEqual(
    [...seen.keys()].filter((k) => k < 1 || k > total),
    [],
    'lines that were never written',
  );
}

for (const mode of ['create', 'copytruncate'] as const) {
  test(`logrotate ${mode}: every line exactly once across two rotations and a restart in between`, async () => {
    const dir = mkdtempSync(join(tmpdir(), `filelog-${mode}-`));
    const log = join(dir, 'app.log');
    const conf = join(dir, 'logrotate.conf');
    writeFileSync(conf, `${log} {\n  rotate 10\n  ${mode}\n  missingok\n  nocompress\n}\n`);
    const rotate = () => execFileSync('logrotate', ['-f', '-s', join(dir, 'state'), conf]);
    const seen = new Map<number, number>();

    writeFileSync(log, '');
    let r = await startReceiver(dir, join(dir, 'storage'), seen);
    appendFileSync(log, lines(1, 20_000));
    // rotated while the burst is being read
    rotate();
    appendFileSync(log, lines(20_001, 25_000));
    await waitFor('lines 1-25000', received(seen, 25_000), 60_000);
    appendFileSync(log, lines(25_001, 30_000));
    await r.stop();
    // while the receiver is down: more lines, a rotation, more lines
    appendFileSync(log, lines(30_001, 32_000));
    rotate();
    appendFileSync(log, lines(32_001, 35_000));
    r = await startReceiver(dir, join(dir, 'storage'), seen);
    await waitFor('lines 1-35000', received(seen, 35_000), 60_000);
    await r.stop();
    assertExactlyOnce(seen, 35_000);
  });
}
