import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mysql } from '../src/protocols/mysql.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

function packet(seq: number, payload: Uint8Array | number[]): Uint8Array {
  const p = Uint8Array.from(payload);
  return Uint8Array.from([p.length & 255, (p.length >> 8) & 255, p.length >> 16, seq, ...p]);
}

const greeting = packet(0, [10, ...bytes('8.0.36'), 0, 1, 0, 0, 0, ...new Array(40).fill(0x41)]);

function login(user: string, db: string): Uint8Array {
  const caps = 0x200 | 0x8000 | 0x8;
  return packet(1, [
    caps & 255,
    caps >> 8,
    0,
    0,
    0,
    0,
    0,
    1,
    33,
    ...new Array(23).fill(0),
    ...bytes(user),
    0,
    2,
    7,
    7,
    ...bytes(db),
    0,
  ]);
}

const query = (sql: string) => packet(0, [3, ...bytes(sql)]);
const ok = (seq: number) => packet(seq, [0, 1, 0, 2, 0, 0, 0]);
const err = (code: number, state: string, msg: string) =>
  packet(1, [0xff, code & 255, code >> 8, 0x23, ...bytes(state), ...bytes(msg)]);

test('mysql: infers the greeting, the login and a query', () => {
  assert.equal(mysql.infer(greeting, 'toClient'), true);
  assert.equal(mysql.infer(login('root', 'app'), 'toServer'), true);
  assert.equal(mysql.infer(query('SELECT 1'), 'toServer'), true);
  assert.equal(mysql.infer(bytes('GET / HTTP/1.1\r\n\r\n'), 'toServer'), false);
});

test('mysql: login, queries, result sets skipped, errors with code and SQLSTATE', () => {
  const resultSet = new Uint8Array([
    ...packet(1, [1]),
    ...packet(2, new Array(30).fill(3)),
    ...packet(3, [0xfe, 0, 0, 2, 0]),
    ...packet(4, [1, 0x31]),
    ...packet(5, [0xfe, 0, 0, 2, 0]),
  ]);
  const out = feed(mysql, mysql.createState({ redact: false }), [
    ['toClient', greeting],
    ['toServer', login('root', 'deepflow')],
    ['toClient', ok(2)],
    ['toServer', query("SELECT name FROM `users` WHERE id = 42 AND nick = 'bob'")],
    ...pieces(resultSet, 3).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
    ['toServer', packet(0, [2, ...bytes('nope')])],
    ['toClient', err(1049, '42000', "Unknown database 'nope'")],
    ['toServer', packet(0, [1])],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type ?? m.response_status]),
    [
      ['request', 'Login'],
      ['response', 'ok'],
      ['request', 'COM_QUERY'],
      ['response', 'ok'],
      ['request', 'COM_INIT_DB'],
      ['response', 'server_error'],
      ['session', 'COM_QUIT'],
    ],
  );
  assert.equal(out[0].request_resource, 'Login username: root db: deepflow');
  assert.equal(out[2].endpoint, 'SELECT users');
  assert.equal(out[2].attributes['db.operation.name'], 'SELECT');
  assert.equal(out[2].attributes['db.collection.name'], 'users');
  assert.equal(out[3].response_result, '1 columns');
  assert.equal(out[5].response_code, 1049);
  assert.equal(out[5].response_exception, "Unknown database 'nope'");
});

test('mysql: a result set of many rows, split anywhere, leaves the next query paired', () => {
  const rows = Array.from({ length: 40 }, (_, i) => packet(4 + i, [2, 0x31 + (i % 9), 0x41]));
  const resultSet = [
    packet(1, [2]),
    packet(2, new Array(30).fill(3)),
    packet(3, new Array(30).fill(4)),
    packet(4 + rows.length, [0xfe, 0, 0, 2, 0]),
  ];
  resultSet.splice(3, 0, ...rows);
  const answer = new Uint8Array(Buffer.concat(resultSet));
  for (const size of [1, 5, 64, answer.length]) {
    const state = mysql.createState({ redact: false });
    const out = feed(mysql, state, [
      ['toServer', query('SELECT a, b FROM t')],
      ...pieces(answer, size).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
      ['toServer', query('SELECT * FROM x')],
      ['toClient', err(1146, '42S02', "Table 'x' doesn't exist")],
    ]);
    assert.deepEqual(
      out.map((m) => [m.kind, m.request_resource ?? m.response_result ?? m.response_code]),
      [
        ['request', 'SELECT a, b FROM t'],
        ['response', '2 columns'],
        ['request', 'SELECT * FROM x'],
        ['response', 1146],
      ],
      `piece size ${size}`,
    );
  }
});

test('mysql: SQL literals are redacted by default; executes name their prepared statement', () => {
  const prepareOk = packet(1, [0, 7, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
  const out = feed(mysql, mysql.createState(), [
    ['toServer', query('UPDATE t SET a = \'x\', b = 3.5e2 WHERE c IN (1, 0x1F) AND d = "y"')],
    ['toClient', ok(1)],
    ['toServer', packet(0, [22, ...bytes('SELECT * FROM t WHERE id = ?')])],
    ['toClient', prepareOk],
    ['toServer', packet(0, [23, 7, 0, 0, 0, 0, 1, 0, 0, 0])],
  ]);
  assert.equal(out[0].request_resource, 'UPDATE t SET a = ?, b = ? WHERE c IN (?) AND d = ?');
  assert.equal(out[0].attributes['db.query.text'], out[0].request_resource);
  assert.equal(out[3].attributes['db.mysql.statement_id'], 7);
  assert.equal(out[4].request_type, 'COM_STMT_EXECUTE');
  assert.equal(out[4].request_resource, 'SELECT * FROM t WHERE id = ?');
});

test('mysql: a command larger than the read limit is reported and its tail skipped', () => {
  const big = query(`INSERT INTO t VALUES ('${'z'.repeat(200_000)}')`);
  const out = feed(mysql, mysql.createState(), [
    ...pieces(big, 1460).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
    ['toServer', query('SELECT 2')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_resource?.slice(0, 23)),
    ['INSERT INTO t VALUES (?', 'SELECT ?'],
  );
});

test('mysql: a long INSERT cut by the capture is read from its head, redacted, and the rest skipped by the packet length', () => {
  const insert = query(`INSERT INTO orders (id, note) VALUES (1, '${'n'.repeat(20_000)}'), (2, 'secret-note')`);
  const out = feedHeads(mysql, mysql.createState(), 1024, [
    ['toServer', insert.subarray(0, 8192)],
    ['toServer', insert.subarray(8192)],
    ['toClient', ok(1)],
    ['toServer', query('SELECT 1')],
    ['toClient', ok(1)],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_resource ?? m.response_status),
    ['INSERT INTO orders (id, note) VALUES (?, ?', 'ok', 'SELECT ?', 'ok'],
  );
  assert.equal(out[0].captured, 1024);
  assert.equal(out[0].size, insert.length);
  assert.equal(out[0].attributes['db.operation.name'], 'INSERT');
  assert.ok(!JSON.stringify(out[0]).includes('nnnn'), 'the cut literal is redacted');
});

test('mysql: result sets larger than the capture head (a 32 KiB row, 2,000 rows) read from what a 1 KiB capture kept, paired; the next query parses', () => {
  const eof = (seq: number) => packet(seq, [0xfe, 0, 0, 2, 0]);
  const column = (seq: number) => packet(seq, [3, ...bytes('def'), ...new Array(20).fill(1)]);
  const bigRow = new Uint8Array(32 * 1024);
  bigRow.fill(0x62);
  // a length-encoded string of 32 KiB: 0xfc and two length bytes
  const wide = Buffer.concat([
    packet(1, [1]),
    column(2),
    eof(3),
    packet(4, [0xfc, 0, 0x80, ...bigRow.subarray(3)]),
    eof(5),
  ]);
  const rows = Array.from({ length: 2000 }, (_, i) => packet((4 + i) & 255, [4, ...bytes(String(1000 + i))]));
  const many = Buffer.concat([packet(1, [1]), column(2), eof(3), ...rows, eof((4 + rows.length) & 255)]);
  for (const [name, answer] of [
    ['a 32 KiB row', wide],
    ['2,000 rows', many],
  ] as const) {
    const followed = name === 'a 32 KiB row';
    // the server writes its 16 KiB net buffer at a time
    const writes = pieces(new Uint8Array(answer), 16 * 1024).map((c) => ['toClient', c] as ['toClient', Uint8Array]);
    // the login says the EOF after the column definitions comes (no CLIENT_DEPRECATE_EOF)
    const out = feedHeads(mysql, mysql.createState({ redact: false }), 1024, [
      ['toClient', greeting],
      ['toServer', login('app', 'shop')],
      ['toClient', ok(2)],
      ['toServer', query('SELECT v FROM t')],
      ...writes,
      ['toServer', query('DELETE FROM t')],
      ['toClient', ok(1)],
    ]);
    out.splice(0, 2);
    assert.deepEqual(
      out.map((m) => [m.kind, m.request_resource ?? m.response_result, m.captured]),
      [
        ['request', 'SELECT v FROM t', undefined],
        // the row's length is held, so each write's loss falls inside it; rows past a loss are
        // unknown, so the result set ends with the first write
        ['response', '1 columns', followed ? writes.reduce((n, [, c]) => n + Math.min(c.length, 1024), 0) : 1024],
        ['request', 'DELETE FROM t', undefined],
        ['response', undefined, undefined],
      ],
      name,
    );
    assert.equal(out[1].size, followed ? answer.length : 16 * 1024);
    assert.equal(out[3].attributes['db.response.affected_rows'], 1);
  }
});
