import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dubbo } from '../src/protocols/dubbo.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

const hs = (s: string) => [s.length, ...bytes(s)];
function packet(flags: number, status: number, id: number, body: number[]): Uint8Array {
  const len = body.length;
  return Uint8Array.from([
    0xda,
    0xbb,
    flags,
    status,
    0,
    0,
    0,
    0,
    id >>> 24,
    (id >> 16) & 255,
    (id >> 8) & 255,
    id & 255,
    len >>> 24,
    (len >> 16) & 255,
    (len >> 8) & 255,
    len & 255,
    ...body,
  ]);
}

test('dubbo: hessian2 request with trace attachment, responses pair by id with their status', () => {
  const body = [
    ...hs('2.0.2'),
    ...hs('demo.ItemService'),
    ...hs('1.0.0'),
    ...hs('findItem'),
    ...hs('J'),
    0x90,
    0x48,
    ...hs('sw8'),
    ...hs('1-abc-def'),
    0x5a,
  ];
  const request = packet(0xc2, 0, 7, body);
  const other = packet(0xc2, 0, 8, [...hs('2.0.2'), ...hs('demo.ItemService'), ...hs('1.0.0'), ...hs('save')]);
  assert.equal(dubbo.infer(request, 'toServer'), true);
  assert.equal(dubbo.infer(bytes('GET / HTTP/1.1\r\n\r\n'), 'toServer'), false);
  const out = feed(dubbo, dubbo.createState(), [
    ...pieces(Uint8Array.from([...request, ...other]), 5).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
    ['toClient', packet(0x02, 70, 8, [0x91])],
    ['toClient', packet(0x02, 20, 7, [0x91])],
    ['toServer', packet(0xe2, 0, 9, [0x4e])],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.endpoint, m.pair_key, m.response_code, m.response_status]),
    [
      ['request', 'findItem', 'demo.ItemService/findItem', '7', undefined, undefined],
      ['request', 'save', 'demo.ItemService/save', '8', undefined, undefined],
      ['response', undefined, undefined, '8', 70, 'server_error'],
      ['response', undefined, undefined, '7', 20, 'ok'],
    ],
  );
  assert.equal(out[0].trace_context?.sw8, '1-abc-def');
  assert.equal(out[0].attributes['rpc.system'], 'apache_dubbo');
  assert.equal(out[0].attributes['rpc.service'], 'demo.ItemService');
  assert.equal(out[2].response_exception, 'SERVICE_ERROR');
});

test('dubbo: a packet without the magic is an error', () => {
  const result = dubbo.parse(Uint8Array.from(new Array(16).fill(1)), 'toServer', dubbo.createState());
  assert.ok(!Array.isArray(result) && result.kind === 'error');
});

test('dubbo: a request with a large argument cut by the capture is read from its head; the next request parses', () => {
  const big = packet(0xc2, 0, 11, [
    ...hs('2.0.2'),
    ...hs('demo.ItemService'),
    ...hs('1.0.0'),
    ...hs('bulkSave'),
    ...hs('[B'),
    0x42,
    0xff,
    0xff,
    ...new Array(65_535).fill(1),
    0x48,
    0x5a,
  ]);
  const out = feedHeads(dubbo, dubbo.createState(), 1024, [
    ['toServer', big],
    ['toServer', packet(0xc2, 0, 12, [...hs('2.0.2'), ...hs('demo.ItemService'), ...hs('1.0.0'), ...hs('ping')])],
    ['toClient', packet(0x02, 20, 12, [0x91])],
    ['toClient', packet(0x02, 20, 11, [0x91])],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.endpoint, m.pair_key, m.response_status]),
    [
      ['request', 'bulkSave', 'demo.ItemService/bulkSave', '11', undefined],
      ['request', 'ping', 'demo.ItemService/ping', '12', undefined],
      ['response', undefined, undefined, '12', 'ok'],
      ['response', undefined, undefined, '11', 'ok'],
    ],
  );
  assert.equal(out[0].captured, 1024);
  assert.equal(out[0].size, big.length);
});
