import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amqp } from '../src/protocols/amqp.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

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

const u32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
/** A content header frame (class Basic, no properties) and the body in frames of at most `frameMax` bytes. */
function content(channel: number, body: number, frameMax = 131_072): number[] {
  const header = [0, 60, 0, 0, ...u32(0), ...u32(body), 0, 0];
  const out = [2, ...u16(channel), ...u32(header.length), ...header, 0xce];
  for (let left = body; left > 0; left -= frameMax - 8) {
    const n = Math.min(left, frameMax - 8);
    out.push(3, ...u16(channel), ...u32(n));
    for (let i = 0; i < n; i++) out.push(0x61);
    out.push(0xce);
  }
  return out;
}

test('amqp: a publish of a 70,000-byte body and the GetOk that carries it, read from what a 1 KiB capture kept; the Close after parses', () => {
  const publish = method(1, 60, 40, [0, 0, ...short(''), ...short('big'), 0]);
  const published = content(1, 70_000);
  const getOk = method(1, 60, 71, [0, 0, 0, 0, 0, 0, 0, 1, 0, ...short(''), ...short('big'), 0, 0, 0, 0]);
  const get = method(1, 60, 70, [0, 0, ...short('big'), 0]);
  const close = method(1, 20, 40, [0, 200, ...short('bye'), 0, 0, 0, 0]);
  const out = feedHeads(amqp, amqp.createState(), 1024, [
    // librabbitmq sends the method, the header and the body frame one by one
    ['toServer', Uint8Array.from(publish)],
    ['toServer', Uint8Array.from(published.slice(0, 20))],
    ['toServer', Uint8Array.from(published.slice(20))],
    ['toServer', Uint8Array.from(get)],
    // the broker writes the GetOk with its content at once
    ['toClient', Uint8Array.from([...getOk, ...content(1, 70_000)])],
    ['toServer', Uint8Array.from(close)],
    ['toClient', Uint8Array.from(method(1, 20, 41))],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.size, m.captured]),
    [
      ['session', 'Basic.Publish', publish.length + published.length, publish.length + 20 + 1024],
      ['request', 'Basic.Get', get.length, undefined],
      ['response', 'Basic.GetOk', getOk.length + published.length, 1024],
      ['request', 'Channel.Close', close.length, undefined],
      ['response', 'Channel.CloseOk', 12, undefined],
    ],
  );
  assert.equal(out[0].attributes['messaging.rabbitmq.destination.routing_key'], 'big');
});

test('amqp: a body in two frames written at once: the loss runs past the first, the message ends there', () => {
  const publish = method(1, 60, 40, [0, 0, ...short('ex'), ...short('rk'), 0]);
  const body = content(1, 200_000);
  const out = feedHeads(amqp, amqp.createState(), 1024, [
    ['toServer', Uint8Array.from([...publish, ...body])],
    ['toServer', Uint8Array.from(method(1, 20, 40, [0, 200, ...short('bye'), 0, 0, 0, 0]))],
  ]);
  assert.deepEqual(
    out.map((m) => [m.request_type, m.size, m.captured]),
    [
      ['Basic.Publish', publish.length + body.length, 1024],
      ['Channel.Close', 22, undefined],
    ],
  );
});
