// Requests larger than what eBPF keeps of a syscall, live, for the protocols whose clients write
// them in one go: redis-cli's SET of a 64 KiB value and a mariadb INSERT of a long statement.
// Each is read from the head the capture kept, on both ends, and the connection's next
// command parses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { mariadbTcpLogin, startMariadb, startRedis } from '@flowtel/testkit';
import { CAPTURED } from './big-requests.ts';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

const byOperation = (spans: LiveSpan[], op: string) => spans.find((s) => s.attributes['db.operation.name'] === op);

test('redis-cli: SET of a 64 KiB value, then GET and PING on the same connection, on both ends', async (t) => {
  if (skipUnlessLive(t, ['redis-server', 'redis-cli'])) return;
  const redis = await startRedis();
  t.after(() => redis.stop());
  const capture = await startCapture(t, [redis.port]);

  const value = 'v'.repeat(64 * 1024);
  const cli = await runClient('redis-cli', ['-p', String(redis.port)], `SET big ${value}\nGET big\nPING\n`);
  assert.equal(cli.code, 0, cli.stderr);
  assert.ok(cli.stdout.includes(value), 'redis-server gave the value back');

  const ends = [
    ['redis-cli', SpanKind.CLIENT],
    ['redis-server', SpanKind.SERVER],
  ] as const;
  const spans = await capture.waitForSpans(
    'SET, GET and PING on both ends',
    (all) =>
      ends.every(([service, kind]) =>
        ['SET', 'GET', 'PING'].every((op) => byOperation(spansOf(all, service, kind), op)),
      ) && all,
  );
  for (const [service, kind] of ends) {
    const side = spansOf(spans, service, kind);
    const set = byOperation(side, 'SET')!;
    assert.equal(set.attributes['db.query.text'], 'SET big ?', `${service}: the value masked, as a whole SET's is`);
    assert.ok(
      Number(set.attributes[CAPTURED]) > 0 && Number(set.attributes[CAPTURED]) < value.length,
      `${service}: SET read from its head`,
    );
    assert.equal(set.status.code ?? 0, 0, `${service}: SET answered +OK`);
    const get = byOperation(side, 'GET')!;
    assert.equal(get.attributes['db.query.text'], 'GET big');
    assert.equal(get.attributes[CAPTURED], undefined);
    assert.equal(byOperation(side, 'PING')!.attributes[CAPTURED], undefined);
  }
  // redis-cli writes the SET in one syscall: the capture kept its first KiB
  assert.equal(byOperation(spansOf(spans, 'redis-cli', SpanKind.CLIENT), 'SET')!.attributes[CAPTURED], 1024);
  assert.equal(await capture.collector.stop(), 0);
});

test('mariadb: an INSERT of a 32 KiB statement, then a SELECT on the same connection, on both ends, literals redacted', async (t) => {
  if (skipUnlessLive(t, ['mariadbd', 'mariadb-install-db', 'mariadb'])) return;
  const db = await startMariadb();
  t.after(() => db.stop());
  const capture = await startCapture(t, [db.port]);

  const rows = Array.from({ length: 400 }, (_, i) => `(${i}, 'long-secret-${i}-${'s'.repeat(60)}')`).join(', ');
  const sql = `CREATE TABLE notes (id INT, note VARCHAR(100));\nINSERT INTO notes VALUES ${rows};\nSELECT COUNT(*) FROM notes WHERE id > 7;\n`;
  assert.ok(sql.length > 32 * 1024);
  const client = await runClient('mariadb', mariadbTcpLogin(db), sql);
  assert.equal(client.code, 0, client.stderr);
  assert.match(client.stdout.toString(), /\b392\b/, 'rows 8 to 399');

  const ends = [
    ['mariadb', SpanKind.CLIENT],
    ['mariadbd', SpanKind.SERVER],
  ] as const;
  const insertOf = (side: LiveSpan[]) =>
    side.find((s) => String(s.attributes['db.query.text']).startsWith('INSERT INTO notes VALUES (?, ?), (?, ?)'));
  const selectText = 'SELECT COUNT(*) FROM notes WHERE id > ?';
  const spans = await capture.waitForSpans(
    'the INSERT and the SELECT on both ends',
    (all) =>
      ends.every(
        ([service, kind]) =>
          insertOf(spansOf(all, service, kind)) &&
          spansOf(all, service, kind).some((s) => s.attributes['db.query.text'] === selectText),
      ) && all,
  );
  for (const [service, kind] of ends) {
    const insert = insertOf(spansOf(spans, service, kind))!;
    assert.equal(insert.attributes['db.operation.name'], 'INSERT', service);
    assert.ok(Number(insert.attributes[CAPTURED]) < sql.length, `${service}: the INSERT was read from its head`);
    assert.equal(insert.status.code ?? 0, 0, `${service}: answered OK`);
  }
  assert.equal(insertOf(spansOf(spans, 'mariadb', SpanKind.CLIENT))!.attributes[CAPTURED], 1024);
  assert.doesNotMatch(readFileSync(capture.path, 'utf8'), /long-secret/);
  assert.equal(await capture.collector.stop(), 0);
});

const RESPONSE_CAPTURED = 'flowtel.l7.response.captured_bytes';

test('redis-cli: replies larger than the head (GET of 64 KiB, LRANGE of four 20 KiB values) paired and marked, then PING, on both ends', async (t) => {
  if (skipUnlessLive(t, ['redis-server', 'redis-cli'])) return;
  const redis = await startRedis();
  t.after(() => redis.stop());
  const capture = await startCapture(t, [redis.port]);

  const value = 'g'.repeat(64 * 1024);
  const items = ['p', 'q', 'r', 's'].map((c) => c.repeat(20 * 1024));
  const cli = await runClient(
    'redis-cli',
    ['-p', String(redis.port)],
    `SET big ${value}\nRPUSH list ${items.join(' ')}\nGET big\nLRANGE list 0 -1\nPING\n`,
  );
  assert.equal(cli.code, 0, cli.stderr);
  assert.ok(cli.stdout.includes(items[3]), 'redis-server gave the list back');

  const ends = [
    ['redis-cli', SpanKind.CLIENT],
    ['redis-server', SpanKind.SERVER],
  ] as const;
  const spans = await capture.waitForSpans('GET, LRANGE and PING on both ends', (all) =>
    ends.every(([service, kind]) =>
      ['GET', 'LRANGE', 'PING'].every((op) => byOperation(spansOf(all, service, kind), op)),
    )
      ? all
      : undefined,
  );
  for (const [service, kind] of ends) {
    const side = spansOf(spans, service, kind);
    for (const [op, size] of [
      ['GET', value.length],
      ['LRANGE', items.length * items[0].length],
    ] as const) {
      const span = byOperation(side, op)!;
      const captured = Number(span.attributes[RESPONSE_CAPTURED]);
      assert.ok(
        captured > 0 && captured < size,
        `${service}: the ${op} reply read from its head: ${JSON.stringify(span)}`,
      );
      assert.equal(span.attributes[CAPTURED], undefined, `${service}: the ${op} command was whole`);
      assert.equal(span.status.code ?? 0, 0);
    }
    const ping = byOperation(side, 'PING')!;
    assert.equal(ping.attributes[RESPONSE_CAPTURED], undefined, `${service}: the next reply parses whole`);
  }
  assert.equal(await capture.collector.stop(), 0);
});

test('mariadb: result sets larger than the head (a 32 KiB row, 2,000 rows) paired and marked, then the next query, on both ends', async (t) => {
  if (skipUnlessLive(t, ['mariadbd', 'mariadb-install-db', 'mariadb'])) return;
  const db = await startMariadb();
  t.after(() => db.stop());
  const capture = await startCapture(t, [db.port]);

  const sql = [
    'CREATE TABLE wide (v LONGTEXT);',
    "INSERT INTO wide VALUES (REPEAT('w', 32768));",
    'SELECT v FROM wide;',
    'SELECT seq FROM seq_1_to_2000;',
    'SELECT COUNT(*) FROM wide;',
  ].join('\n');
  const client = await runClient('mariadb', mariadbTcpLogin(db), `${sql}\n`);
  assert.equal(client.code, 0, client.stderr);
  assert.match(client.stdout.toString(), /w{32768}/);
  assert.match(client.stdout.toString(), /\n2000\n/);

  const ends = [
    ['mariadb', SpanKind.CLIENT],
    ['mariadbd', SpanKind.SERVER],
  ] as const;
  const texts = ['SELECT v FROM wide', 'SELECT seq FROM seq_1_to_2000', 'SELECT COUNT(*) FROM wide'];
  const byText = (side: LiveSpan[], text: string) => side.find((s) => s.attributes['db.query.text'] === text);
  const spans = await capture.waitForSpans('the three SELECTs on both ends', (all) =>
    ends.every(([service, kind]) => texts.every((text) => byText(spansOf(all, service, kind), text))) ? all : undefined,
  );
  for (const [service, kind] of ends) {
    const side = spansOf(spans, service, kind);
    for (const [text, size] of [
      [texts[0], 32 * 1024],
      [texts[1], 2000 * 9],
    ] as const) {
      const span = byText(side, text)!;
      const captured = Number(span.attributes[RESPONSE_CAPTURED]);
      assert.ok(
        captured > 0 && captured < size,
        `${service}: ${text} answered, read from its head: ${JSON.stringify(span)}`,
      );
      assert.equal(span.status.code ?? 0, 0);
    }
    const next = byText(side, texts[2])!;
    assert.equal(next.attributes[RESPONSE_CAPTURED], undefined, `${service}: the next result set parses whole`);
    assert.equal(next.status.code ?? 0, 0);
  }
  assert.equal(await capture.collector.stop(), 0);
});
