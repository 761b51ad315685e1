import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redis } from '../src/protocols/redis.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

const cmd = (...args: string[]) =>
  bytes(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);

test('redis: infers commands and replies', () => {
  assert.equal(redis.infer(cmd('GET', 'k'), 'toServer'), true);
  assert.equal(redis.infer(bytes('+OK\r\n'), 'toClient'), true);
  assert.equal(redis.infer(bytes('GET / HTTP/1.1\r\n'), 'toServer'), false);
});

test('redis: pipelined commands and RESP2/RESP3 replies, split at every byte', () => {
  const commands = new Uint8Array([
    ...cmd('SET', 'k', 'v'),
    ...cmd('GET', 'k'),
    ...bytes('PING\r\n'),
    ...cmd('HGETALL', 'h'),
    ...cmd('INCR', 'n'),
  ]);
  const replies = bytes(
    '+OK\r\n$1\r\nv\r\n+PONG\r\n%1\r\n$1\r\nf\r\n*2\r\n:1\r\n,1.5\r\n-WRONGTYPE Operation against a key\r\n',
  );
  for (const size of [1, 4, 100]) {
    const out = feed(redis, redis.createState(), [
      ...pieces(commands, size).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
      ...pieces(replies, size).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
    ]);
    assert.deepEqual(
      out.filter((m) => m.kind === 'request').map((m) => m.request_resource),
      ['SET k ?', 'GET k', 'PING', 'HGETALL h', 'INCR n'],
    );
    assert.deepEqual(
      out.filter((m) => m.kind === 'response').map((m) => m.response_result),
      ['SimpleString', 'BulkString', 'SimpleString', 'Map', 'Error'],
    );
    const error = out.at(-1)!;
    assert.equal(error.response_status, 'server_error');
    assert.equal(error.response_exception, '-WRONGTYPE Operation against a key');
    assert.equal(error.attributes['db.response.status_code'], 'WRONGTYPE');
  }
});

test('redis: attributes follow the database semantic conventions', () => {
  const [m] = feed(redis, redis.createState(), [['toServer', cmd('get', 'user:1')]]);
  assert.equal(m.request_type, 'get');
  assert.equal(m.attributes['db.system.name'], 'redis');
  assert.equal(m.attributes['db.operation.name'], 'GET');
  assert.equal(m.attributes['db.query.text'], 'get user:1');
});

test('redis: large values are skipped, not buffered', () => {
  const big = 'x'.repeat(300_000);
  const state = redis.createState();
  const out = feed(redis, state, [
    ...pieces(bytes(`$${big.length}\r\n${big}\r\n:5\r\n`), 1400).map(
      (c) => ['toClient', c] as ['toClient', Uint8Array],
    ),
  ]);
  assert.deepEqual(
    out.map((m) => m.response_result),
    ['BulkString', 'Integer'],
  );
  assert.equal(out[0].size, `$${big.length}\r\n`.length + big.length + 2);
});

test('redis: AUTH and HELLO AUTH arguments are masked by default', () => {
  const [auth, hello] = feed(redis, redis.createState(), [
    ['toServer', cmd('AUTH', 'user', 'pa55')],
    ['toServer', cmd('HELLO', '3', 'AUTH', 'user', 'pa55')],
  ]);
  assert.equal(auth.request_resource, 'AUTH ?');
  assert.equal(hello.request_resource, 'HELLO 3 AUTH ?');
  const [plain] = feed(redis, redis.createState({ redact: false }), [['toServer', cmd('AUTH', 'pa55')]]);
  assert.equal(plain.request_resource, 'AUTH pa55');
});

test('redis: malformed input is an error', () => {
  const result = redis.parse(bytes('*2\r\n$x\r\n'), 'toServer', redis.createState());
  assert.ok(!Array.isArray(result) && result.kind === 'error');
  const deep = redis.parse(bytes('*1\r\n'.repeat(100)), 'toClient', redis.createState());
  assert.ok(!Array.isArray(deep) && deep.kind === 'error');
});

test('redis: in subscribed mode, published messages and extra confirmations answer no command', () => {
  const out = feed(redis, redis.createState(), [
    ['toServer', cmd('SUBSCRIBE', 'news', 'sport')],
    ['toClient', bytes('*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n')],
    ['toClient', bytes('*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n')],
    ['toServer', cmd('PING')],
    ['toClient', bytes('*2\r\n$4\r\npong\r\n$0\r\n\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type ?? m.response_result]),
    [
      ['request', 'SUBSCRIBE'],
      ['response', 'Array'],
      ['session', 'Array'],
      ['session', 'Array'],
      ['request', 'PING'],
      ['response', 'Array'],
    ],
  );
});

test('redis: a command whose value outgrew the capture head is read from the head and the rest skipped by its length', () => {
  const value = 'v'.repeat(64 * 1024);
  const set = cmd('SET', 'big', value);
  const state = redis.createState();
  // split as redis-server reads it: 16 KiB reads, of which the capture keeps 1 KiB each
  const reads = pieces(set, 16 * 1024).map((c) => ['toServer', c] as ['toServer', Uint8Array]);
  const out = feedHeads(redis, state, 1024, [
    ...reads,
    ['toClient', bytes('+OK\r\n')],
    ['toServer', cmd('GET', 'big')],
    ['toClient', bytes(`$${value.length}\r\n${value}\r\n`)],
    ['toServer', cmd('AUTH', 'secret-password-123')],
    ['toClient', bytes('+OK\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_type ?? m.response_result),
    ['SET', 'SimpleString', 'GET', 'BulkString', 'AUTH', 'SimpleString'],
  );
  const [head] = out;
  assert.equal(head.captured, 1024);
  assert.equal(head.size, set.length, 'the length prefix of the value gives the whole command');
  assert.equal(head.attributes['flowtel.l7.request.captured_bytes'], 1024);
  assert.equal(head.attributes['db.query.text'], 'SET big ?', 'as a whole SET reads: the value masked');
  assert.equal(out[2].captured, undefined);
  assert.equal(out[3].captured, 1024, 'a large reply is skipped by its length, and marked with what was kept');
  assert.equal(out[3].size, `$${value.length}\r\n`.length + value.length + 2);
  assert.equal(out[5].captured, undefined);
});

test('redis: an array reply of large values (LRANGE) read from what a 1 KiB capture kept; the next command and reply parse', () => {
  const values = ['a', 'b', 'c', 'd'].map((c) => c.repeat(8 * 1024));
  const reply = bytes(`*${values.length}\r\n${values.map((v) => `$${v.length}\r\n${v}\r\n`).join('')}`);
  for (const writes of [1, 3]) {
    // redis-server writes a large reply at once or in pieces (64 KiB per event loop turn)
    const size = Math.ceil(reply.length / writes);
    const out = feedHeads(redis, redis.createState(), 1024, [
      ['toServer', cmd('LRANGE', 'list', '0', '-1')],
      ...pieces(reply, size).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
      ['toServer', cmd('GET', 'small')],
      ['toClient', bytes('$2\r\nhi\r\n')],
    ]);
    assert.deepEqual(
      out.map((m) => [m.kind, m.request_type ?? m.response_result, m.captured]),
      [
        ['request', 'LRANGE', undefined],
        ['response', 'Array', 1024],
        ['request', 'GET', undefined],
        ['response', 'BulkString', undefined],
      ],
      `${writes} writes`,
    );
    assert.equal(out[1].size, size, "the reply as far as the first write's byte count tells");
  }
});

test('redis: a cut AUTH is still redacted, a command cut before its last argument still reports what it holds', () => {
  const state = redis.createState();
  const auth = cmd('AUTH', 'user', `p${'w'.repeat(3000)}`);
  const mset = cmd('MSET', 'k1', 'x'.repeat(3000), 'k2', 'y');
  const out = feedHeads(redis, state, 100, [
    ['toServer', auth],
    ['toClient', bytes('+OK\r\n')],
    ['toServer', mset],
    ['toClient', bytes('+OK\r\n')],
    ['toServer', cmd('PING')],
    ['toClient', bytes('+PONG\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_resource ?? m.response_result),
    ['AUTH ?', 'SimpleString', 'MSET k1 ?', 'SimpleString', 'PING', 'SimpleString'],
  );
  assert.ok(!JSON.stringify(out[0]).includes('www'));
  assert.equal(out[2].size, mset.length, "the lengths after the cut are unknown: the syscall's byte count");
});

test('redis: a command cut before its last argument, read by the server in pieces: the pieces are not commands, the next command parses', () => {
  const items = ['p', 'q', 'r', 's'].map((c) => c.repeat(20 * 1024));
  const rpush = cmd('RPUSH', 'list', ...items);
  const out = feedHeads(redis, redis.createState(), 1024, [
    ...pieces(rpush, 16 * 1024).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
    ['toClient', bytes(':4\r\n')],
    ['toServer', cmd('LLEN', 'list')],
    ['toClient', bytes(':4\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type ?? m.response_result, m.captured]),
    [
      ['request', 'RPUSH', 1024],
      ['response', 'Integer', undefined],
      ['request', 'LLEN', undefined],
      ['response', 'Integer', undefined],
    ],
  );
});
