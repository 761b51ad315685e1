import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafka } from '../src/protocols/kafka.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

const i16 = (v: number) => [(v >> 8) & 255, v & 255];
const i32 = (v: number) => [(v >>> 24) & 255, (v >> 16) & 255, (v >> 8) & 255, v & 255];
const str = (s: string) => [...i16(s.length), ...bytes(s)];
const sized = (body: number[]) => Uint8Array.from([...i32(body.length), ...body]);

function produceV2(correlationId: number, topic: string, partition: number, acks: number): Uint8Array {
  return sized([
    ...i16(0),
    ...i16(2),
    ...i32(correlationId),
    ...str('app'),
    ...i16(acks),
    ...i32(1000),
    ...i32(1),
    ...str(topic),
    ...i32(1),
    ...i32(partition),
    ...i32(3),
    1,
    2,
    3,
  ]);
}

function produceResponseV2(correlationId: number, topic: string, errorCode: number): Uint8Array {
  return sized([
    ...i32(correlationId),
    ...i32(1),
    ...str(topic),
    ...i32(1),
    ...i32(0),
    ...i16(errorCode),
    ...i32(0),
    ...i32(7),
    ...i32(0),
    ...i32(0),
    ...i32(0),
  ]);
}

test('kafka: infers a request, not other bytes', () => {
  assert.equal(kafka.infer(produceV2(1, 'orders', 0, 1), 'toServer'), true);
  assert.equal(kafka.infer(bytes('GET / HTTP/1.1\r\n\r\n'), 'toServer'), false);
});

test('kafka: produce requests and responses pair by correlation id, out of order and split', () => {
  const requests = Uint8Array.from([
    ...produceV2(7, 'orders', 2, 1),
    ...produceV2(8, 'payments', 0, -1),
    ...produceV2(9, 'fire', 0, 0),
  ]);
  const responses = Uint8Array.from([...produceResponseV2(8, 'payments', 3), ...produceResponseV2(7, 'orders', 0)]);
  const out = feed(kafka, kafka.createState(), [
    ...pieces(requests, 5).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
    ...pieces(responses, 5).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.endpoint, m.pair_key]),
    [
      ['request', 'Produce', 'orders-2', '7'],
      ['request', 'Produce', 'payments-0', '8'],
      ['session', 'Produce', 'fire-0', '9'],
      ['response', 'Produce', 'payments-0', '8'],
      ['response', 'Produce', 'orders-2', '7'],
    ],
  );
  assert.equal(out[0].attributes['messaging.system'], 'kafka');
  assert.equal(out[0].attributes['messaging.destination.name'], 'orders');
  assert.equal(out[0].attributes['messaging.operation.type'], 'send');
  assert.deepEqual(
    out.slice(3).map((m) => [m.response_code, m.response_status]),
    [
      [3, 'server_error'],
      [0, 'ok'],
    ],
  );
});

test('kafka: a negative size is an error', () => {
  const result = kafka.parse(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0]), 'toServer', kafka.createState());
  assert.ok(!Array.isArray(result) && result.kind === 'error');
});

test('kafka: a produce request with a large batch cut by the capture is read from its head; the responses stay paired', () => {
  const batch = new Array(40_000).fill(7);
  const produce = sized([
    ...i16(0),
    ...i16(2),
    ...i32(41),
    ...str('loader'),
    ...i16(1),
    ...i32(1000),
    ...i32(1),
    ...str('events'),
    ...i32(1),
    ...i32(3),
    ...i32(batch.length),
    ...batch,
  ]);
  const out = feedHeads(kafka, kafka.createState(), 1024, [
    ['toServer', produce.subarray(0, 16_384)],
    ['toServer', produce.subarray(16_384)],
    ['toServer', produceV2(42, 'small', 0, 1)],
    ['toClient', produceResponseV2(42, 'small', 0)],
    ['toClient', produceResponseV2(41, 'events', 0)],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.endpoint, m.pair_key]),
    [
      ['request', 'Produce', 'events-3', '41'],
      ['request', 'Produce', 'small-0', '42'],
      ['response', 'Produce', 'small-0', '42'],
      ['response', 'Produce', 'events-3', '41'],
    ],
  );
  assert.equal(out[0].captured, 1024);
  assert.equal(out[0].size, produce.length);
  assert.equal(out[0].attributes['messaging.client.id'], 'loader');
  assert.equal(out[1].captured, undefined);
});
