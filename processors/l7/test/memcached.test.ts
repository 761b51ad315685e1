import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memcached } from '../src/protocols/memcached.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

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

test('memcached: a set of 64 KiB and the get of it, read from what a 1 KiB capture kept; the next command parses', () => {
  const value = 'v'.repeat(64 * 1024);
  const set = `set big 0 0 ${value.length}\r\n${value}\r\n`;
  const reply = `VALUE big 0 ${value.length}\r\n${value}\r\nEND\r\n`;
  const meta = `VA ${value.length} f0\r\n${value}\r\n`;
  const out = feedHeads(memcached, memcached.createState(), 1024, [
    ['toServer', bytes(set)],
    ['toClient', bytes('STORED\r\n')],
    ['toServer', bytes('get big\r\n')],
    ['toClient', bytes(reply)],
    ['toServer', bytes('mg big v f\r\n')],
    ['toClient', bytes(meta)],
    ['toServer', bytes('get absent\r\n')],
    ['toClient', bytes('END\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type ?? m.response_result, m.size, m.captured]),
    [
      ['request', 'set', set.length, 1024],
      ['response', 'STORED', 8, undefined],
      ['request', 'get', 9, undefined],
      ['response', `VALUE big 0 ${value.length}`, reply.length, 1024],
      ['request', 'mg', 12, undefined],
      ['response', `VA ${value.length} f0`, meta.length, 1024],
      ['request', 'get', 12, undefined],
      ['response', 'END', 5, undefined],
    ],
  );
});

test('memcached: a multi-key get whose first value a capture cut, read in two pieces', () => {
  const value = 'w'.repeat(4000);
  const reply = bytes(`VALUE a 0 ${value.length}\r\n${value}\r\nVALUE b 0 2\r\nhi\r\nEND\r\n`);
  const out = feedHeads(memcached, memcached.createState(), 1024, [
    ['toServer', bytes('get a b\r\n')],
    ['toClient', reply.subarray(0, 2048)],
    ['toClient', reply.subarray(2048)],
    ['toServer', bytes('version\r\n')],
    ['toClient', bytes('VERSION 1.6.18\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => [m.request_type ?? m.response_result, m.size, m.captured]),
    [
      ['get', 9, undefined],
      [`VALUE a 0 ${value.length}`, reply.length, 2048],
      ['version', 9, undefined],
      ['VERSION 1.6.18', 16, undefined],
    ],
  );
});
