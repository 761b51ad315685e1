import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dns } from '../src/protocols/dns.ts';
import { feed, feedHeads, pieces } from './helpers.ts';

function name(n: string): number[] {
  return [...n.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0];
}

function query(id: number, qname: string, qtype: number): Uint8Array {
  return Uint8Array.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name(qname), 0, qtype, 0, 1]);
}

function answer(id: number, qname: string, rcode: number, ip?: number[]): Uint8Array {
  const head = [id >> 8, id & 255, 0x81, 0x80 | rcode, 0, 1, 0, ip ? 1 : 0, 0, 0, 0, 0, ...name(qname), 0, 1, 0, 1];
  const rr = ip ? [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip] : [];
  return Uint8Array.from([...head, ...rr]);
}

test('dns: UDP query and answer pair by id, with the answer as response_result', () => {
  const state = dns.createState({ l4: 'udp' });
  assert.equal(dns.infer(query(7, 'example.com', 1), 'toServer'), true);
  const [q, a] = feed(dns, state, [
    ['toServer', query(7, 'example.com', 1)],
    ['toClient', answer(7, 'example.com', 0, [10, 0, 0, 1])],
  ]);
  assert.equal(q.kind, 'request');
  assert.equal(q.request_type, 'A');
  assert.equal(q.request_resource, 'example.com');
  assert.equal(q.attributes['dns.question.name'], 'example.com');
  assert.equal(q.pair_key, a.pair_key);
  assert.equal(a.response_status, 'ok');
  assert.equal(a.response_code, 0);
  assert.equal(a.response_result, 'A=10.0.0.1 TTL=60');
});

test('dns: NXDOMAIN is a client error, except while walking the cluster search path', () => {
  const [nx] = feed(dns, dns.createState({ l4: 'udp' }), [['toClient', answer(1, 'nope.example', 3)]]);
  assert.equal(nx.response_status, 'client_error');
  assert.equal(nx.response_code, 3);
  const [search] = feed(dns, dns.createState({ l4: 'udp' }), [
    ['toClient', answer(1, 'a.default.svc.cluster.local', 3)],
  ]);
  assert.equal(search.response_status, 'ok');
  const [fail] = feed(dns, dns.createState({ l4: 'udp' }), [['toClient', answer(1, 'x.example', 2)]]);
  assert.equal(fail.response_status, 'server_error');
});

test('dns: TCP frames reassemble across calls, two queries in one segment', () => {
  const framed = (m: Uint8Array) => Uint8Array.from([m.length >> 8, m.length & 255, ...m]);
  const stream = Uint8Array.from([...framed(query(1, 'a.example', 1)), ...framed(query(2, 'b.example', 28))]);
  assert.equal(dns.infer(stream.subarray(0, 2 + query(1, 'a.example', 1).length), 'toServer'), true);
  const out = feed(
    dns,
    dns.createState({ l4: 'tcp' }),
    pieces(stream, 5).map((c) => ['toServer', c]),
  );
  assert.deepEqual(
    out.map((m) => `${m.request_type} ${m.request_resource} ${m.request_id}`),
    ['A a.example 1', 'AAAA b.example 2'],
  );
});

test('dns: compression loops and truncated messages are errors, not hangs', () => {
  const loop = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  const result = dns.parse(loop, 'toServer', dns.createState({ l4: 'udp' }));
  assert.ok(!Array.isArray(result) && result.kind === 'error');
  const short = dns.parse(query(1, 'a.example', 1).subarray(0, 15), 'toServer', dns.createState({ l4: 'udp' }));
  assert.ok(!Array.isArray(short) && short.kind === 'error');
  assert.equal(dns.infer(Uint8Array.from([1, 2, 3]), 'toServer'), false);
});

test('dns: a TCP answer of 120 records read from what a 1 KiB capture kept, the records inside it listed; the next answer parses', () => {
  const records = Array.from({ length: 120 }, (_, i) => [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 1, 0, i + 1]);
  const big = [...answer(9, 'many.test', 0)];
  big[7] = 120;
  const message = [...big, ...records.flat()];
  const framed = (m: ArrayLike<number>) => Uint8Array.from([m.length >> 8, m.length & 255, ...Array.from(m)]);
  const out = feedHeads(dns, dns.createState({ l4: 'tcp' }), 1024, [
    ['toServer', framed(query(9, 'many.test', 1))],
    ['toClient', framed(message)],
    ['toServer', framed(query(10, 'one.test', 1))],
    ['toClient', framed(answer(10, 'one.test', 0, [127, 2, 0, 1]))],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_resource, m.captured]),
    [
      ['request', 'many.test', undefined],
      ['response', 'many.test', 1024],
      ['request', 'one.test', undefined],
      ['response', 'one.test', undefined],
    ],
  );
  assert.equal(out[1].size, message.length + 2);
  const seen = String(out[1].response_result).split('; ');
  // 12 header bytes and 15 of the question: 62 whole records of 16 bytes fit in the 1022 after the length prefix
  assert.equal(seen.length, Math.floor((1022 - 27) / 16));
  assert.equal(seen[0], 'A=127.1.0.1 TTL=60');
  assert.equal(out[3].response_result, 'A=127.2.0.1 TTL=60');
});
