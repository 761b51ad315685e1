import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcached } from '../src/protocols/memcached.ts';
import { bytes, feed, pieces } from './helpers.ts';

test('memcached: infers commands', () => {
  assert.equal(memcached.infer(bytes('set foo 0 0 3\r\nbar\r\n'), 'toServer'), true);
  assert.equal(memcached.infer(bytes('get foo\r\n'), 'toServer'), true);
  assert.equal(memcached.infer(bytes('GET / HTTP/1.1\r\n'), 'toServer'), false);
});

test('memcached: storage data blocks, multi-value gets, errors and noreply, split at every byte', () => {
  const requests = bytes('set foo 0 0 5\r\nhe\r\no\r\nget foo bar\r\nincr n 1 noreply\r\nbogus_ok foo\r\n');
  const good = requests.subarray(0, requests.length - 'bogus_ok foo\r\n'.length);
  const responses = bytes(
    'STORED\r\nVALUE foo 0 5\r\nhe\r\no\r\nVALUE bar 0 2\r\nEN\r\nEND\r\nSERVER_ERROR out of memory\r\n',
  );
  for (const size of [1, 4, 200]) {
    const out = feed(memcached, memcached.createState(), [
      ...pieces(good, size).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
      ...pieces(responses, size).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
    ]);
    assert.deepEqual(
      out.map((m) => [m.kind, m.request_type ?? m.response_result, m.response_status]),
      [
        ['request', 'set', undefined],
        ['request', 'get', undefined],
        ['session', 'incr', undefined],
        ['response', 'STORED', 'ok'],
        ['response', 'VALUE foo 0 5', 'ok'],
        ['response', 'SERVER_ERROR out of memory', 'server_error'],
      ],
      `piece size ${size}`,
    );
    assert.equal(out[0].request_resource, 'set foo 0 0 5');
    assert.equal(out[0].endpoint, 'set foo');
  }
  const bad = memcached.parse(bytes('bogus_ok foo\r\n'), 'toServer', memcached.createState());
  assert.ok(!Array.isArray(bad) && bad.kind === 'error');
});
