import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresql } from '../src/protocols/postgresql.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

function msg(type: string, body: number[] | Uint8Array): number[] {
  const b = [...body];
  const len = b.length + 4;
  return [type.charCodeAt(0), len >>> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255, ...b];
}
const cstr = (s: string) => [...bytes(s), 0];

function startup(user: string, database: string): Uint8Array {
  const body = [0, 3, 0, 0, ...cstr('user'), ...cstr(user), ...cstr('database'), ...cstr(database), 0];
  const len = body.length + 4;
  return Uint8Array.from([len >>> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255, ...body]);
}

const ready = msg('Z', [0x49]);
const authOk = Uint8Array.from([...msg('R', [0, 0, 0, 0]), ...ready]);

test('postgresql: infers the startup, a query and the auth answer', () => {
  assert.equal(postgresql.infer(startup('u', 'db'), 'toServer'), true);
  assert.equal(postgresql.infer(Uint8Array.from(msg('Q', cstr('SELECT 1'))), 'toServer'), true);
  assert.equal(postgresql.infer(authOk, 'toClient'), true);
  assert.equal(postgresql.infer(bytes('GET / HTTP/1.1\r\n'), 'toServer'), false);
});

test('postgresql: simple query, extended batch, error with SQLSTATE, split at every byte', () => {
  const client = Uint8Array.from([
    ...startup('app', 'shop'),
    ...msg('Q', cstr("SELECT * FROM orders WHERE id = 42 AND note = 'x'")),
    ...msg('P', [...cstr('s1'), ...cstr('UPDATE items SET n = $1'), 0, 0]),
    ...msg('B', [...cstr(''), ...cstr('s1'), 0, 0, 0, 0, 0, 0]),
    ...msg('E', [...cstr(''), 0, 0, 0, 0]),
    ...msg('S', []),
    ...msg('B', [...cstr(''), ...cstr('s1'), 0, 0, 0, 0, 0, 0]),
    ...msg('E', [...cstr(''), 0, 0, 0, 0]),
    ...msg('S', []),
    ...msg('Q', cstr('SELEC 1')),
  ]);
  const server = Uint8Array.from([
    ...authOk,
    ...msg('T', new Array(20).fill(1)),
    ...msg('D', new Array(30).fill(2)),
    ...msg('C', cstr('SELECT 1')),
    ...ready,
    ...msg('1', []),
    ...msg('2', []),
    ...msg('C', cstr('UPDATE 3')),
    ...ready,
    ...msg('2', []),
    ...msg('C', cstr('UPDATE 0')),
    ...ready,
    ...msg('E', [...bytes('SERROR'), 0, ...bytes('C42601'), 0, ...bytes('Msyntax error at or near "SELEC"'), 0, 0]),
    ...ready,
  ]);
  for (const size of [1, 9, 4096]) {
    const out = feed(postgresql, postgresql.createState(), [
      ...pieces(client, size).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
      ...pieces(server, size).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
    ]);
    const requests = out.filter((m) => m.kind === 'request');
    const responses = out.filter((m) => m.kind === 'response');
    assert.deepEqual(
      requests.map((m) => [m.request_type, m.request_resource]),
      [
        ['Query', 'SELECT * FROM orders WHERE id = ? AND note = ?'],
        ['Parse', 'UPDATE items SET n = $1'],
        ['Execute', undefined],
        ['Query', 'SELEC ?'],
      ],
      `piece size ${size}`,
    );
    assert.equal(requests[0].attributes['db.namespace'], 'shop');
    assert.equal(requests[0].endpoint, 'SELECT orders');
    assert.deepEqual(
      responses.map((m) => m.response_status),
      ['ok', 'ok', 'ok', 'client_error'],
    );
    assert.equal(responses[1].attributes['db.response.returned_rows'], 3);
    assert.equal(responses[3].attributes['db.response.status_code'], '42601');
    assert.equal(responses[3].response_exception, 'syntax error at or near "SELEC"');
  }
});

test('postgresql: SSL accepted means the rest is opaque', () => {
  const state = postgresql.createState();
  feed(postgresql, state, [
    ['toServer', Uint8Array.from([0, 0, 0, 8, 4, 210, 22, 47])],
    ['toClient', bytes('S')],
  ]);
  assert.deepEqual(feed(postgresql, state, [['toServer', Uint8Array.from([22, 3, 1, 0, 5, 1, 2, 3, 4, 5])]]), []);
});

test('postgresql: an answer cut before ReadyForQuery still reports at flush', () => {
  const state = postgresql.createState();
  feed(postgresql, state, [
    ['toServer', Uint8Array.from(msg('Q', cstr('asdsdfdsf;')))],
    [
      'toClient',
      Uint8Array.from(msg('E', [...bytes('SERROR'), 0, ...bytes('C42601'), 0, ...bytes('Msyntax error'), 0, 0])),
    ],
  ]);
  const [response] = postgresql.flush!(state);
  assert.equal(response.response_status, 'client_error');
  assert.equal(response.attributes['db.response.status_code'], '42601');
  assert.deepEqual(postgresql.flush!(state), []);
});

test('postgresql: a long query cut by the capture is read from its head, redacted, and the rest skipped by its length', () => {
  const long = Uint8Array.from(
    msg(
      'Q',
      cstr(`INSERT INTO notes VALUES ${Array.from({ length: 300 }, (_, i) => `(${i}, 'secret-${i}')`).join(', ')}`),
    ),
  );
  const out = feedHeads(postgresql, postgresql.createState(), 1024, [
    ['toServer', startup('app', 'shop')],
    ['toClient', authOk],
    ['toServer', long],
    ['toClient', Uint8Array.from([...msg('C', cstr('INSERT 0 300')), ...ready])],
    ['toServer', Uint8Array.from(msg('Q', cstr('SELECT 1')))],
    ['toClient', Uint8Array.from([...msg('C', cstr('SELECT 1')), ...ready])],
  ]);
  const requests = out.filter((m) => m.kind === 'request' && m.request_type === 'Query');
  assert.deepEqual(
    requests.map((m) => m.request_resource?.slice(0, 36)),
    ['INSERT INTO notes VALUES (?, ?), (?,', 'SELECT ?'],
  );
  assert.equal(requests[0].captured, 1024);
  assert.equal(requests[0].size, long.length);
  assert.ok(!JSON.stringify(requests[0]).includes('secret'));
  assert.deepEqual(
    out
      .filter((m) => m.kind === 'response')
      .map((m) => m.response_status)
      .slice(-2),
    ['ok', 'ok'],
  );
});
