// The journald receiver against systemd's journalctl, over journal files that systemd's
// systemd-journal-remote writes: the filters are journalctl's, so what each test expects is what
// journalctl(1) documents for those options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Extension, type LogsBatch, retryable } from '@flowtel/core';
import type { LogRecord } from '@flowtel/pdata';
import { factory as fileStorage } from '@flowtel/extension-file-storage';
import { anyValueText, logAttribute, receiveLogs, testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory, journalctlArgs } from '../src/index.ts';
import { journalToolsMissing, writeJournal } from './journal.ts';

const missing = journalToolsMissing();
if (missing && process.env.CI === 'true') throw new Error(`the journald tests cannot run in CI: ${missing}`);
const live = { skip: missing };

const freshDir = () => mkdtempSync(join(tmpdir(), 'flowtel-journald-'));

/** a field of a record whose body is the journal entry's field map */
function field(r: LogRecord, key: string): string {
  const body = r.body;
  if (!body || !('kvlistValue' in body)) return '';
  return anyValueText(body.kvlistValue.values.find((kv) => kv.key === key)?.value);
}
const messages = (records: LogRecord[]) => records.map((r) => field(r, 'MESSAGE'));

test('journalctl arguments in contrib order: filters, the directory, matches joined by +', () => {
  const config = factory.configSchema.parse({
    directory: '/var/log/journal',
    start_at: 'beginning',
    units: ['kubelet', 'systemd'],
    identifiers: ['systemd'],
    priority: 'info',
    matches: [{ _SYSTEMD_UNIT: 'ssh' }, { _UID: '1000', _SYSTEMD_UNIT: 'kubelet' }],
    grep: 'fail',
  });
  assert.deepEqual(journalctlArgs(config), [
    '--utc',
    '--output=json',
    '--follow',
    '--no-tail',
    '--unit',
    'kubelet',
    '--unit',
    'systemd',
    '--identifier',
    'systemd',
    '--priority',
    'info',
    '--grep',
    'fail',
    '--directory',
    '/var/log/journal',
    '_SYSTEMD_UNIT=ssh',
    '+',
    '_SYSTEMD_UNIT=kubelet',
    '_UID=1000',
  ]);
});

test('config: contrib refusals (match field names), priorities journalctl takes, journalctl_path inside root_path', () => {
  const problem = (c: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(c);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(problem({ matches: [{ _systemd_unit: 'ssh' }] }), /'_systemd_unit' is not a valid Systemd field name/);
  assert.match(problem({ priority: 'loud' }), /priority must be a level/);
  assert.equal(problem({ priority: 'emerg..err' }), '');
  assert.equal(problem({ priority: '3' }), '');
  assert.match(problem({ root_path: '/host', journalctl_path: 'journalctl' }), /must be absolute with root_path/);
  assert.match(problem({ directory: '/d', files: ['/f.journal'] }), /cannot both be set/);
  assert.match(problem({ start_at: 'middle' }), /beginning|end/);
  assert.match(problem({ unknown_key: 1 }), /unknown_key|Unrecognized/);
});

test(
  'start_at beginning: every entry at or above the priority, the body the field map, the time from __REALTIME_TIMESTAMP; entries written later follow',
  live,
  async () => {
    const dir = freshDir();
    const t0 = 1_765_000_000_000_000; // microseconds
    writeJournal(
      dir,
      'app',
      [
        { MESSAGE: 'started', PRIORITY: '6', SYSLOG_IDENTIFIER: 'web' },
        { MESSAGE: 'noise', PRIORITY: '7', SYSLOG_IDENTIFIER: 'web' },
        { MESSAGE: 'disk full', PRIORITY: '3', SYSLOG_IDENTIFIER: 'web' },
      ],
      t0,
    );
    const got = await receiveLogs(factory, { directory: dir, start_at: 'beginning' });
    try {
      // the default priority `info` keeps 0-6: the debug (7) entry is journalctl's to leave out
      await waitFor('two entries', async () => got.records.length >= 2);
      assert.deepEqual(messages(got.records), ['started', 'disk full']);
      const first = got.records[0];
      assert.equal(first.timeUnixNano, BigInt(t0) * 1000n);
      assert.equal(field(first, 'SYSLOG_IDENTIFIER'), 'web');
      assert.equal(field(first, 'PRIORITY'), '6');
      assert.match(field(first, '__CURSOR'), /^s=[0-9a-f]+;i=1;/);
      assert.equal(field(first, '__REALTIME_TIMESTAMP'), '', 'the timestamp field becomes the record time');
      writeJournal(dir, 'app', [{ MESSAGE: 'later', PRIORITY: '5' }]);
      await waitFor('the followed entry', async () => got.records.length >= 3);
      assert.deepEqual(messages(got.records), ['started', 'disk full', 'later']);
    } finally {
      await got.receiver.shutdown();
    }
  },
);

test('units, identifiers, matches and grep are journalctl filters: OR within one, AND between them', live, async () => {
  const entries = [
    { MESSAGE: 'a: ssh ok', _SYSTEMD_UNIT: 'ssh.service', SYSLOG_IDENTIFIER: 'sshd', _UID: '0' },
    { MESSAGE: 'b: kubelet failed', _SYSTEMD_UNIT: 'kubelet.service', SYSLOG_IDENTIFIER: 'kubelet', _UID: '1000' },
    { MESSAGE: 'c: kubelet failed as root', _SYSTEMD_UNIT: 'kubelet.service', SYSLOG_IDENTIFIER: 'kubelet', _UID: '0' },
    { MESSAGE: 'd: cron failed', _SYSTEMD_UNIT: 'cron.service', SYSLOG_IDENTIFIER: 'cron', _UID: '0' },
    { MESSAGE: 'e: ssh failed', _SYSTEMD_UNIT: 'ssh.service', SYSLOG_IDENTIFIER: 'sshd', _UID: '0' },
  ];
  // each run's journal ends with an entry its filter passes: journalctl prints in journal order,
  // so once that entry arrived, every entry the filter wrongly passed would have come before it
  const run = async (filters: Record<string, unknown>, last: Record<string, string>, expected: string[]) => {
    const dir = freshDir();
    writeJournal(dir, 'mixed', [...entries, { MESSAGE: 'z: last', ...last }]);
    const got = await receiveLogs(factory, { directory: dir, start_at: 'beginning', ...filters });
    try {
      await waitFor(`the last entry for ${JSON.stringify(filters)}`, async () =>
        messages(got.records).includes('z: last'),
      );
      assert.deepEqual(messages(got.records), [...expected, 'z: last'], JSON.stringify(filters));
    } finally {
      await got.receiver.shutdown();
    }
  };
  await run({ units: ['kubelet.service', 'cron.service'] }, { _SYSTEMD_UNIT: 'cron.service' }, [
    'b: kubelet failed',
    'c: kubelet failed as root',
    'd: cron failed',
  ]);
  await run({ identifiers: ['sshd'] }, { SYSLOG_IDENTIFIER: 'sshd' }, ['a: ssh ok', 'e: ssh failed']);
  // matches: (unit ssh) OR (unit kubelet AND uid 1000)
  await run(
    { matches: [{ _SYSTEMD_UNIT: 'ssh.service' }, { _SYSTEMD_UNIT: 'kubelet.service', _UID: '1000' }] },
    { _SYSTEMD_UNIT: 'ssh.service' },
    ['a: ssh ok', 'b: kubelet failed', 'e: ssh failed'],
  );
  // units AND grep (on MESSAGE)
  await run({ units: ['ssh.service', 'kubelet.service'], grep: 'failed|last' }, { _SYSTEMD_UNIT: 'kubelet.service' }, [
    'b: kubelet failed',
    'c: kubelet failed as root',
    'e: ssh failed',
  ]);
});

test(
  'convert_message_bytes: a MESSAGE journalctl prints as bytes becomes text; without it the bytes stay a list',
  live,
  async () => {
    const dir = freshDir();
    // a control character makes journalctl print the field as an array of byte values
    writeJournal(dir, 'bin', [{ MESSAGE: Buffer.from('bell\x07 and text') }]);
    const plain = await receiveLogs(factory, { directory: dir, start_at: 'beginning' });
    try {
      await waitFor('the entry', async () => plain.records.length >= 1);
      const body = plain.records[0].body;
      assert.ok(body && 'kvlistValue' in body);
      const message = body.kvlistValue.values.find((kv) => kv.key === 'MESSAGE')?.value;
      assert.ok(message && 'arrayValue' in message, 'journalctl printed the message as a list of bytes');
      assert.equal(message.arrayValue.values.length, 14);
    } finally {
      await plain.receiver.shutdown();
    }
    const converted = await receiveLogs(factory, {
      directory: dir,
      start_at: 'beginning',
      convert_message_bytes: true,
    });
    try {
      await waitFor('the entry', async () => converted.records.length >= 1);
      assert.equal(field(converted.records[0], 'MESSAGE'), 'bell\x07 and text');
    } finally {
      await converted.receiver.shutdown();
    }
  },
);

test(
  'convert_to_semantic_conventions: MESSAGE the body, PRIORITY the severity, well-known fields renamed',
  live,
  async () => {
    const dir = freshDir();
    writeJournal(dir, 'semconv', [
      {
        MESSAGE: 'connection reset',
        PRIORITY: '4',
        CODE_FILE: 'src/net.c',
        CODE_LINE: '42',
        SYSLOG_IDENTIFIER: 'netd',
        SYSLOG_FACILITY: '3',
        _HOSTNAME: 'node-1',
        _PID: '4242',
        _COMM: 'netd',
        CUSTOM_FIELD: 'kept',
      },
    ]);
    const got = await receiveLogs(factory, {
      directory: dir,
      start_at: 'beginning',
      convert_to_semantic_conventions: true,
    });
    try {
      await waitFor('the entry', async () => got.records.length >= 1);
      const r = got.records[0];
      assert.equal(anyValueText(r.body), 'connection reset');
      assert.equal(r.severityNumber, 13); // WARN: syslog warning
      assert.equal(r.severityText, 'warning');
      assert.equal(anyValueText(logAttribute(r, 'code.file.path')), 'src/net.c');
      assert.deepEqual(logAttribute(r, 'code.line.number'), { intValue: 42n });
      assert.equal(anyValueText(logAttribute(r, 'syslog.msg.id')), 'netd');
      assert.deepEqual(logAttribute(r, 'syslog.facility.code'), { intValue: 3n });
      assert.equal(anyValueText(logAttribute(r, 'CUSTOM_FIELD')), 'kept');
      const resource = (key: string) => got.resources[0].attributes.find((a) => a.key === key)?.value;
      assert.equal(anyValueText(resource('host.name')), 'node-1');
      assert.deepEqual(resource('process.pid'), { intValue: 4242n });
      assert.equal(anyValueText(resource('process.command')), 'netd');
    } finally {
      await got.receiver.shutdown();
    }
  },
);

test('start_at end: journalctl --follow shows at most its last 10 entries, then every new one', live, async () => {
  const dir = freshDir();
  writeJournal(
    dir,
    'old',
    Array.from({ length: 30 }, (_, i) => ({ MESSAGE: `old ${i}` })),
  );
  const got = await receiveLogs(factory, { directory: dir });
  try {
    writeJournal(dir, 'old', [{ MESSAGE: 'new 1' }, { MESSAGE: 'new 2' }]);
    await waitFor('the new entries', async () => messages(got.records).includes('new 2'));
    const old = messages(got.records).filter((m) => m.startsWith('old'));
    assert.ok(old.length <= 10, `${old.length} old entries`);
    assert.deepEqual(messages(got.records).slice(-2), ['new 1', 'new 2']);
  } finally {
    await got.receiver.shutdown();
  }
});

test('storage: a restarted receiver goes on after the last cursor the pipeline took, nothing twice', live, async () => {
  const dir = freshDir();
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  const journalDir = join(dir, 'journal');
  mkdirSync(journalDir);
  const seen: string[] = [];
  const start = async () => {
    const storage = fileStorage.createExtension(
      testSettings('file_storage', 'extension', dir),
      fileStorage.configSchema.parse({ directory: storageDir }),
    );
    await storage.start(testHost());
    const receiver = factory.createReceiver(
      testSettings('journald', 'receiver', dir),
      factory.configSchema.parse({ directory: journalDir, start_at: 'beginning', storage: 'file_storage' }),
      {
        logs: {
          consume: async (b) => {
            for (const rl of (b as LogsBatch).data.resourceLogs)
              for (const sl of rl.scopeLogs) for (const r of sl.logRecords) seen.push(field(r, 'MESSAGE'));
          },
        },
      },
    );
    await receiver.start(testHost({ file_storage: storage as Extension }));
    return async () => {
      await receiver.shutdown();
      await storage.shutdown();
    };
  };
  writeJournal(
    journalDir,
    'j',
    [1, 2, 3, 4, 5].map((n) => ({ MESSAGE: `m${n}` })),
  );
  let stop = await start();
  await waitFor('five entries', async () => seen.length >= 5);
  await stop();
  writeJournal(
    journalDir,
    'j',
    [6, 7, 8].map((n) => ({ MESSAGE: `m${n}` })),
  );
  stop = await start();
  try {
    await waitFor('eight entries', async () => seen.includes('m8'));
    assert.deepEqual(seen, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
  } finally {
    await stop();
  }
});

test(
  'back-pressure: while the pipeline refuses, journalctl is not read; every entry arrives once, in order',
  live,
  async () => {
    const dir = freshDir();
    const total = 3000;
    writeJournal(
      dir,
      'many',
      Array.from({ length: total }, (_, i) => ({ MESSAGE: `seq ${i}` })),
    );
    let refusals = 0;
    const got = await receiveLogs(
      factory,
      { directory: dir, start_at: 'beginning', retry_on_failure: { enabled: true, initial_interval: '10ms' } },
      async () => {
        if (refusals < 3) {
          refusals++;
          throw retryable('downstream busy');
        }
      },
    );
    try {
      await waitFor('every entry', async () => got.records.length >= total);
      assert.equal(refusals, 3);
      assert.deepEqual(
        messages(got.records),
        Array.from({ length: total }, (_, i) => `seq ${i}`),
      );
    } finally {
      await got.receiver.shutdown();
    }
  },
);

test('a journalctl that cannot be started fails the start; one that exits is started again', live, async () => {
  await assert.rejects(
    receiveLogs(factory, { journalctl_path: '/nonexistent/journalctl' }),
    /journalctl command failed: spawn \/nonexistent\/journalctl ENOENT/,
  );
  // journalctl exits at once on a directory that does not exist; it is started again (every 2 s)
  // and reads the directory once it is there
  const dir = join(freshDir(), 'later');
  const got = await receiveLogs(factory, { directory: dir, start_at: 'beginning' });
  try {
    mkdirSync(dir);
    writeJournal(dir, 'late', [{ MESSAGE: 'arrived after a restart' }]);
    await waitFor('the entry', async () => got.records.length >= 1);
    assert.deepEqual(messages(got.records), ['arrived after a restart']);
  } finally {
    await got.receiver.shutdown();
  }
});

test('root_path: journalctl runs inside the root given (chroot), found by journalctl_path there', live, async () => {
  const dir = freshDir();
  writeJournal(dir, 'rooted', [{ MESSAGE: 'through chroot' }]);
  const got = await receiveLogs(factory, {
    root_path: '/',
    journalctl_path: '/usr/bin/journalctl',
    directory: dir,
    start_at: 'beginning',
  });
  try {
    await waitFor('the entry', async () => got.records.length >= 1);
    assert.deepEqual(messages(got.records), ['through chroot']);
  } finally {
    await got.receiver.shutdown();
  }
});
