// The receiver's behaviours one at a time, on real files: where it starts, how it splits, what
// it attaches, files deleted while open or truncated, gzip, UTF-16, deletion after read, and
// back-pressure (a refusing pipeline stops the reading; the same lines come once it accepts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type LogsBatch, type Receiver, retryable } from '@flowtel/core';
import type { AnyValue, LogRecord } from '@flowtel/pdata';
import { testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

interface Got {
  records: LogRecord[];
  bodies: string[];
}

async function receive(
  config: Record<string, unknown>,
  consume?: (b: LogsBatch, got: Got) => Promise<void>,
): Promise<Got & { receiver: Receiver }> {
  const got: Got = { records: [], bodies: [] };
  const receiver = factory.createReceiver(
    testSettings('filelog', 'receiver'),
    factory.configSchema.parse({ poll_interval: '20ms', ...config }),
    {
      logs: {
        consume: async (b) => {
          const batch = b as LogsBatch;
          if (consume) await consume(batch, got);
          for (const rl of batch.data.resourceLogs)
            for (const sl of rl.scopeLogs)
              for (const r of sl.logRecords) {
                got.records.push(r);
                got.bodies.push(str(r.body));
              }
        },
      },
    },
  );
  await receiver.start(testHost());
  return Object.assign(got, { receiver });
}

const str = (v: AnyValue) =>
  'stringValue' in v ? v.stringValue : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
const attr = (r: LogRecord, key: string) => r.attributes.find((a) => a.key === key)?.value;
const hasBodies = (got: Got, n: number) => async () => got.bodies.length >= n;
const tmp = () => mkdtempSync(join(tmpdir(), 'filelog-'));

test('start_at end skips what a file held at the first poll; later lines and new files are read from their start', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'a.log'), 'old 1\nold 2\n');
  const got = await receive({ include: [join(dir, '*.log')] });
  // the first poll has happened once a file created now is read whole
  writeFileSync(join(dir, 'b.log'), 'b first\n');
  await waitFor('b.log', hasBodies(got, 1));
  appendFileSync(join(dir, 'a.log'), 'new 1\n');
  await waitFor('new line of a.log', hasBodies(got, 2));
  await got.receiver.shutdown();
  assert.deepEqual(got.bodies.sort(), ['b first', 'new 1']);
});

test('file attributes: name, path, resolved through a symlink, owner, record number and offset; attributes and resource', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'real.txt'), 'one\n\ntwo  \n');
  const { symlinkSync } = await import('node:fs');
  symlinkSync(join(dir, 'real.txt'), join(dir, 'link.log'));
  const got = await receive({
    include: [join(dir, '*.log')],
    start_at: 'beginning',
    include_file_path: true,
    include_file_name_resolved: true,
    include_file_path_resolved: true,
    include_file_owner_name: true,
    include_file_owner_group_name: true,
    include_file_record_number: true,
    include_file_record_offset: true,
    attributes: { team: 'core', n: 3 },
    resource: { 'service.name': 'EXPR("svc-" + attributes["log.file.name"])' },
  });
  await waitFor('two records', hasBodies(got, 2));
  await got.receiver.shutdown();
  assert.deepEqual(got.bodies, ['one', 'two'], 'the blank line is skipped, trailing spaces trimmed');
  const [one, two] = got.records;
  assert.deepEqual(attr(one, 'log.file.name'), { stringValue: 'link.log' });
  assert.deepEqual(attr(one, 'log.file.path'), { stringValue: join(dir, 'link.log') });
  assert.deepEqual(attr(one, 'log.file.name_resolved'), { stringValue: 'real.txt' });
  assert.deepEqual(attr(one, 'log.file.path_resolved'), { stringValue: join(dir, 'real.txt') });
  assert.deepEqual(attr(one, 'log.file.owner.name'), { stringValue: 'root' });
  assert.deepEqual(attr(one, 'log.file.owner.group.name'), { stringValue: 'root' });
  assert.deepEqual(attr(two, 'log.file.record_number'), { intValue: 2n });
  assert.deepEqual(attr(two, 'log.file.record_offset'), { intValue: 5n });
  assert.deepEqual(attr(one, 'team'), { stringValue: 'core' });
  assert.deepEqual(attr(one, 'n'), { intValue: 3n });
});

test('multiline line_start_pattern; an unterminated last record is flushed after force_flush_period', async () => {
  const dir = tmp();
  const got = await receive({
    include: [join(dir, '*.log')],
    start_at: 'beginning',
    multiline: { line_start_pattern: '^\\d{4}-' },
    force_flush_period: '100ms',
  });
  writeFileSync(join(dir, 'm.log'), '2024-01-01 first\n  at a\n  at b\n2024-01-02 second\n2024-01-03 third\n  at c');
  await waitFor('three records', hasBodies(got, 3));
  await got.receiver.shutdown();
  assert.deepEqual(got.bodies, ['2024-01-01 first\n  at a\n  at b', '2024-01-02 second', '2024-01-03 third\n  at c']);
});

test('a file deleted while open is read to its end; a truncated file is read again from its start', async () => {
  const dir = tmp();
  const path = join(dir, 'd.log');
  writeFileSync(path, 'a\n');
  const got = await receive({ include: [path], start_at: 'beginning' });
  await waitFor('a', hasBodies(got, 1));
  // written and deleted between two polls: the descriptor still open gives the rest
  appendFileSync(path, 'b\nc\n');
  unlinkSync(path);
  await waitFor('b and c', hasBodies(got, 3));
  writeFileSync(path, 'first line of a long new file\nsecond\n');
  await waitFor('the new file', hasBodies(got, 5));
  truncateSync(path, 0);
  appendFileSync(path, 'x\n');
  await waitFor('after truncation', hasBodies(got, 6));
  await got.receiver.shutdown();
  assert.deepEqual(got.bodies, ['a', 'b', 'c', 'first line of a long new file', 'second', 'x']);
});

test('gzip files, UTF-16LE, max_log_size cuts, delete_after_read', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'g.log.gz'), gzipSync('zipped 1\nzipped 2\n'));
  const gz = await receive({ include: [join(dir, '*.gz')], start_at: 'beginning', compression: 'gzip' });
  await waitFor('gzip lines', hasBodies(gz, 2));
  await gz.receiver.shutdown();
  assert.deepEqual(gz.bodies, ['zipped 1', 'zipped 2']);

  writeFileSync(join(dir, 'u.txt'), Buffer.from('héllo\nwörld\n', 'utf16le'));
  const u16 = await receive({ include: [join(dir, 'u.txt')], start_at: 'beginning', encoding: 'utf-16le' });
  await waitFor('utf-16 lines', hasBodies(u16, 2));
  await u16.receiver.shutdown();
  assert.deepEqual(u16.bodies, ['héllo', 'wörld']);

  writeFileSync(join(dir, 'long.txt'), 'x'.repeat(40) + '\nshort\n');
  const cut = await receive({ include: [join(dir, 'long.txt')], start_at: 'beginning', max_log_size: 16 });
  await waitFor('cut lines', hasBodies(cut, 4));
  await cut.receiver.shutdown();
  assert.deepEqual(cut.bodies, ['x'.repeat(16), 'x'.repeat(16), 'x'.repeat(8), 'short']);

  writeFileSync(join(dir, 'once.del'), 'read then deleted\n');
  const del = await receive({ include: [join(dir, '*.del')], start_at: 'beginning', delete_after_read: true });
  await waitFor('deleted', async () => del.bodies.length === 1 && !existsSync(join(dir, 'once.del')));
  await del.receiver.shutdown();
});

test('back-pressure: while the pipeline refuses, nothing more is read; once it accepts, every line arrives once', async () => {
  const dir = tmp();
  const path = join(dir, 'bp.log');
  let refusing = true;
  let refusals = 0;
  const got = await receive(
    { include: [path], start_at: 'beginning', retry_on_failure: { initial_interval: '20ms', max_interval: '50ms' } },
    async () => {
      if (refusing) {
        refusals++;
        throw retryable('memory limit reached');
      }
    },
  );
  let text = '';
  for (let i = 1; i <= 5000; i++) text += `line ${i}\n`;
  writeFileSync(path, text);
  await waitFor('three refusals', async () => refusals >= 3);
  assert.equal(got.bodies.length, 0, 'nothing taken while refusing');
  refusing = false;
  await waitFor('every line', hasBodies(got, 5000));
  await got.receiver.shutdown();
  assert.deepEqual(
    got.bodies,
    Array.from({ length: 5000 }, (_, i) => `line ${i + 1}`),
  );
});

test('config: contrib errors and keys flowtel refuses', () => {
  const problems = (c: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(c);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(problems({}), /'include' must be specified/);
  assert.match(problems({ include: ['x'], delete_after_read: true }), /cannot be used with 'start_at: end'/);
  assert.match(problems({ include: ['x'], header: { pattern: 'x' } }), /header metadata parsing is not in flowtel yet/);
  assert.match(problems({ include: ['x'], acquire_fs_lock: true }), /not in flowtel yet/);
  assert.match(problems({ include: ['x'], encoding: 'klingon' }), /unsupported encoding 'klingon'/);
  assert.match(
    problems({ include: ['x'], multiline: { line_start_pattern: 'a', line_end_pattern: 'b' } }),
    /exactly one/,
  );
  assert.match(problems({ include: ['x'], fingerprint_size: '1zb' }), /invalid byte size/);
  assert.match(
    problems({ include: ['x'], operators: [{ type: 'stdout' }] }),
    /the stdout operator is for stanza itself, not a receiver: use the debug exporter/,
  );
  assert.equal(problems({ include: ['x'], fingerprint_size: '1KiB', max_log_size: '2MiB' }), '');
  const c = factory.configSchema.parse({ include: ['x'] });
  assert.equal(c.fingerprint_size, 1000);
  assert.equal(c.max_log_size, 1024 * 1024);
  assert.equal(c.poll_interval, 200);
  assert.equal(c.start_at, 'end');
});
