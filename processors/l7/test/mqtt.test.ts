import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mqtt } from '../src/protocols/mqtt.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

const str = (s: string) => [s.length >> 8, s.length & 255, ...bytes(s)];
const packet = (first: number, body: number[]) => [first, body.length, ...body];

function connect(level: number, clientId: string): number[] {
  return packet(0x10, [
    ...str('MQTT'),
    level,
    0xc2,
    0,
    60,
    ...(level === 5 ? [0] : []),
    ...str(clientId),
    ...str('user'),
    ...str('secret'),
  ]);
}

test('mqtt: infers CONNECT, and a capture that starts with publishes', () => {
  assert.equal(mqtt.infer(Uint8Array.from(connect(4, 'c1')), 'toServer'), true);
  assert.equal(mqtt.infer(Uint8Array.from(packet(0x32, [...str('a/b'), 0, 1, 9, 9])), 'toServer'), true);
  assert.equal(mqtt.infer(bytes('GET / HTTP/1.1\r\n\r\n'), 'toServer'), false);
});

test('mqtt 3.1.1: connect, subscribe, publishes both ways, acks pair by sender and packet id', () => {
  const client = Uint8Array.from([
    ...connect(4, 'sensor-1'),
    ...packet(0x82, [0, 1, ...str('cmd/#'), 1]),
    ...packet(0x32, [...str('data/t'), 0, 1, 42]),
    ...packet(0x30, [...str('data/fire'), 7]),
    ...packet(0x40, [0, 1]), // PUBACK for the broker's publish with id 1
    ...packet(0xc0, []),
  ]);
  const server = Uint8Array.from([
    ...packet(0x20, [0, 0]),
    ...packet(0x90, [0, 1, 1]),
    ...packet(0x32, [...str('cmd/reboot'), 0, 1, 1]), // broker publishes id 1 too: a different pair
    ...packet(0x40, [0, 1]),
    ...packet(0xd0, []),
  ]);
  const out = feed(mqtt, mqtt.createState(), [
    ...pieces(client, 3).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
    ...pieces(server, 3).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.request_resource, m.pair_key]),
    [
      ['request', 'CONNECT', undefined, 'c:connect:0'],
      ['request', 'SUBSCRIBE', 'cmd/#', 'c:sub:1'],
      ['request', 'PUBLISH', 'data/t', 'c:pub:1'],
      ['session', 'PUBLISH', 'data/fire', undefined],
      ['response', 'PUBACK', undefined, 's:pub:1'],
      ['request', 'PINGREQ', undefined, 'c:ping:0'],
      ['response', 'CONNACK', undefined, 'c:connect:0'],
      ['response', 'SUBACK', undefined, 'c:sub:1'],
      ['request', 'PUBLISH', 'cmd/reboot', 's:pub:1'],
      ['response', 'PUBACK', undefined, 'c:pub:1'],
      ['response', 'PINGRESP', undefined, 'c:ping:0'],
    ],
  );
  assert.equal(out[0].attributes['messaging.client.id'], 'sensor-1');
  assert.ok(!JSON.stringify(out).includes('secret'), 'the CONNECT password never appears');
  assert.equal(out[2].attributes['messaging.operation.type'], 'send');
  assert.equal(out[8].attributes['messaging.operation.type'], 'receive');
});

test('mqtt 5: properties are skipped, refused CONNACK and failed SUBACK are errors', () => {
  const out = feed(mqtt, mqtt.createState(), [
    ['toServer', Uint8Array.from(connect(5, 'v5'))],
    ['toClient', Uint8Array.from(packet(0x20, [0, 0x87, 0]))],
    ['toServer', Uint8Array.from(packet(0x82, [0, 2, 0, ...str('x'), 0]))],
    ['toClient', Uint8Array.from(packet(0x90, [0, 2, 0, 0x80]))],
  ]);
  assert.deepEqual(
    out.map((m) => [m.request_type, m.response_code, m.response_status]),
    [
      ['CONNECT', undefined, undefined],
      ['CONNACK', 0x87, 'client_error'],
      ['SUBSCRIBE', undefined, undefined],
      ['SUBACK', 0x80, 'server_error'],
    ],
  );
  assert.equal(out[0].attributes['network.protocol.version'], '5');
});

test('mqtt: a PUBLISH with a large payload cut by the capture is read from its head (topic, packet id); its PUBACK pairs', () => {
  const body = [...str('sensors/big'), 0, 7, ...new Array(20_000).fill(0x61)];
  // the remaining length as MQTT's variable-length integer
  const remaining: number[] = [];
  for (let n = body.length; ;) {
    remaining.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>= 7;
    if (n === 0) break;
  }
  const publish = Uint8Array.from([0x32, ...remaining, ...body]);
  const out = feedHeads(mqtt, mqtt.createState(), 1024, [
    ['toServer', Uint8Array.from(connect(4, 'cam-1'))],
    ['toClient', Uint8Array.from(packet(0x20, [0, 0]))],
    ['toServer', publish],
    ['toClient', Uint8Array.from(packet(0x40, [0, 7]))],
    ['toServer', Uint8Array.from(packet(0x32, [...str('sensors/small'), 0, 8, 0x62]))],
    ['toClient', Uint8Array.from(packet(0x40, [0, 8]))],
  ]);
  const publishes = out.filter((m) => m.request_type === 'PUBLISH');
  assert.deepEqual(
    publishes.map((m) => [m.kind, m.pair_key, m.attributes['messaging.destination.name']]),
    [
      ['request', 'c:pub:7', 'sensors/big'],
      ['request', 'c:pub:8', 'sensors/small'],
    ],
  );
  assert.equal(publishes[0].captured, 1024);
  assert.equal(publishes[0].size, publish.length);
  assert.deepEqual(
    out.filter((m) => m.kind === 'response').map((m) => m.pair_key),
    ['c:connect:0', 'c:pub:7', 'c:pub:8'],
  );
});
