import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amqp } from '../src/protocols/amqp.ts';
import { bytes, feed, pieces } from './helpers.ts';

const u16 = (v: number) => [v >> 8, v & 255];
const short = (s: string) => [s.length, ...bytes(s)];
function method(channel: number, classId: number, methodId: number, args: number[] = []): number[] {
  const payload = [...u16(classId), ...u16(methodId), ...args];
  return [1, ...u16(channel), 0, 0, ...u16(payload.length), ...payload, 0xce];
}

test('amqp: handshake requests from the broker, declares, publishes, a refusal answered by Close', () => {
  const client = Uint8Array.from(
    [
      ...bytes('AMQP'),
      0,
      0,
      9,
      1,
      ...method(0, 10, 11, [0, 0, 0, 0]),
      ...method(1, 20, 10, [0]),
      ...method(1, 50, 10, [0, 0, ...short('jobs'), 0, 0, 0, 0, 0]),
      ...method(1, 60, 40, [0, 0, ...short('ex'), ...short('rk'), 0]),
      [2, ...u16(1), 0, 0, 0, 3, 0, 60, 0, 0xce].flat(),
      ...method(1, 40, 10, [0, 0, ...short('ex'), ...short('fanout'), 0, 0, 0, 0, 0]),
      ...method(1, 20, 41),
    ].flat(),
  );
  const server = Uint8Array.from([
    ...method(0, 10, 10, [0, 9, 0, 0, 0, 0, 0, 0, 0, 0]),
    ...method(1, 20, 11, [0, 0, 0, 0]),
    ...method(1, 50, 11, [...short('jobs'), 0, 0, 0, 0, 0, 0, 0, 0]),
    ...method(1, 20, 40, [...u16(406), ...short('PRECONDITION_FAILED - inequivalent arg'), ...u16(40), ...u16(10)]),
  ]);
  // In time order: the broker's Start first, each answer after its request.
  const c = (from: number, to: number) => ['toServer', client.subarray(from, to)] as ['toServer', Uint8Array];
  const s = (from: number, to: number) => ['toClient', server.subarray(from, to)] as ['toClient', Uint8Array];
  const startLen = method(0, 10, 10, [0, 9, 0, 0, 0, 0, 0, 0, 0, 0]).length;
  const openOkLen = method(1, 20, 11, [0, 0, 0, 0]).length;
  const declareOkLen = method(1, 50, 11, [...short('jobs'), 0, 0, 0, 0, 0, 0, 0, 0]).length;
  const startOkEnd = 8 + method(0, 10, 11, [0, 0, 0, 0]).length;
  const channelOpenEnd = startOkEnd + method(1, 20, 10, [0]).length;
  const declareEnd = channelOpenEnd + method(1, 50, 10, [0, 0, ...short('jobs'), 0, 0, 0, 0, 0]).length;
  const closeOkStart = client.length - method(1, 20, 41).length;
  const out = feed(amqp, amqp.createState(), [
    c(0, 8),
    s(0, startLen),
    c(8, startOkEnd),
    c(startOkEnd, channelOpenEnd),
    s(startLen, startLen + openOkLen),
    ...pieces(client.subarray(channelOpenEnd, declareEnd), 3).map((p) => ['toServer', p] as ['toServer', Uint8Array]),
    s(startLen + openOkLen, startLen + openOkLen + declareOkLen),
    c(declareEnd, closeOkStart),
    s(startLen + openOkLen + declareOkLen, server.length),
    c(closeOkStart, client.length),
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.endpoint, m.response_status]),
    [
      ['request', 'Connection.Start', undefined, undefined],
      ['response', 'Connection.StartOk', undefined, 'ok'],
      ['request', 'Channel.Open', undefined, undefined],
      ['response', 'Channel.OpenOk', undefined, 'ok'],
      ['request', 'Queue.Declare', 'jobs', undefined],
      ['response', 'Queue.DeclareOk', 'jobs', 'ok'],
      ['session', 'Basic.Publish', 'ex.rk', undefined],
      ['request', 'Exchange.Declare', 'ex.', undefined],
      ['response', 'Channel.Close', undefined, 'client_error'],
      ['request', 'Channel.Close', undefined, undefined],
      ['response', 'Channel.CloseOk', undefined, 'ok'],
    ],
  );
  assert.equal(out[6].attributes['messaging.destination.name'], 'ex');
  assert.equal(out[6].attributes['messaging.rabbitmq.destination.routing_key'], 'rk');
  assert.equal(out[8].response_code, 406);
  assert.equal(out[8].pair_key, out[7].pair_key);
});

test('amqp: a frame without frame-end is an error', () => {
  const bad = Uint8Array.from(method(0, 10, 10, [1, 2]));
  bad[bad.length - 1] = 0;
  const result = amqp.parse(bad, 'toClient', amqp.createState());
  assert.ok(!Array.isArray(result) && result.kind === 'error');
});
