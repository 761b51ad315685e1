import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mongodb } from '../src/protocols/mongodb.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

const le32 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255];
const cstr = (s: string) => [...bytes(s), 0];
type Field = [number, string, number[]];
const str = (name: string, v: string): Field => [0x02, name, [...le32(Buffer.byteLength(v) + 1), ...cstr(v)]];
const int = (name: string, v: number): Field => [0x10, name, le32(v)];
const dbl = (name: string, v: number): Field => [0x01, name, [...new Uint8Array(new Float64Array([v]).buffer)]];
const bin = (name: string, v: number[]): Field => [0x05, name, [...le32(v.length), 0, ...v]];
function doc(fields: Field[]): number[] {
  const body = fields.flatMap(([t, n, v]) => [t, ...cstr(n), ...v]);
  return [...le32(body.length + 5), ...body, 0];
}
const sub = (name: string, fields: Field[]): Field => [0x03, name, doc(fields)];

function opMsg(requestId: number, responseTo: number, body: number[]): Uint8Array {
  const payload = [...le32(0), 0, ...body];
  return Uint8Array.from([
    ...le32(payload.length + 16),
    ...le32(requestId),
    ...le32(responseTo),
    ...le32(2013),
    ...payload,
  ]);
}

test('mongodb: OP_MSG command and replies pair by requestID, errors carry code and errmsg', () => {
  const find = opMsg(40, 0, doc([str('find', 'users'), sub('filter', [int('age', 42)]), str('$db', 'shop')]));
  const reply = opMsg(900, 40, doc([sub('cursor', [int('id', 0)]), dbl('ok', 1)]));
  const bad = opMsg(41, 0, doc([int('replSetGetStatus', 1), str('$db', 'admin')]));
  const error = opMsg(901, 41, doc([dbl('ok', 0), str('errmsg', 'not running with --replSet'), int('code', 76)]));
  assert.equal(mongodb.infer(find, 'toServer'), true);
  const out = feed(mongodb, mongodb.createState(), [
    ...pieces(Uint8Array.from([...find, ...bad]), 7).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
    ['toClient', reply],
    ['toClient', error],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.pair_key, m.response_status]),
    [
      ['request', '40', undefined],
      ['request', '41', undefined],
      ['response', '40', 'ok'],
      ['response', '41', 'client_error'],
    ],
  );
  // values masked by default, as SQL literals are: the command, collection, database and shape stay
  assert.equal(out[0].request_resource, '{ "find": "users", "filter": { "age": ? }, "$db": "shop" }');
  assert.equal(out[0].attributes['db.operation.name'], 'find');
  assert.equal(out[0].attributes['db.collection.name'], 'users');
  assert.equal(out[0].attributes['db.namespace'], 'shop');
  assert.equal(out[3].response_code, 76);
  assert.equal(out[3].response_exception, 'not running with --replSet');
});

test('mongodb: values (SASL payloads too) are masked by default', () => {
  const sasl = opMsg(1, 0, doc([int('saslContinue', 1), bin('payload', [1, 2, 3]), str('$db', 'admin')]));
  const [redacted] = feed(mongodb, mongodb.createState(), [['toServer', sasl]]);
  assert.equal(redacted.request_resource, '{ "saslContinue": 1, "payload": ?, "$db": "admin" }');
  const [plain] = feed(mongodb, mongodb.createState({ redact: false }), [['toServer', sasl]]);
  assert.equal(plain.request_resource, '{ "saslContinue": 1, "payload": Binary(0x0, AQID), "$db": "admin" }');
});

test('mongodb: an insert of a large document cut by the capture is read from its head; the next command pairs', () => {
  const insert = opMsg(50, 0, doc([str('insert', 'events'), str('$db', 'shop'), str('payload', 'p'.repeat(20_000))]));
  const out = feedHeads(mongodb, mongodb.createState(), 1024, [
    ['toServer', insert],
    ['toClient', opMsg(950, 50, doc([int('n', 1), dbl('ok', 1)]))],
    ['toServer', opMsg(51, 0, doc([str('find', 'events'), str('$db', 'shop')]))],
    ['toClient', opMsg(951, 51, doc([sub('cursor', [int('id', 0)]), dbl('ok', 1)]))],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.pair_key, m.response_status]),
    [
      ['request', '50', undefined],
      ['response', '50', 'ok'],
      ['request', '51', undefined],
      ['response', '51', 'ok'],
    ],
  );
  assert.equal(out[0].attributes['db.operation.name'], 'insert');
  assert.equal(out[0].attributes['db.collection.name'], 'events');
  assert.equal(out[0].captured, 1024);
  assert.equal(out[0].size, insert.length);
  assert.equal(out[2].captured, undefined);
});
