import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nats } from '../src/protocols/nats.ts';
import { bytes, feed, pieces } from './helpers.ts';

test('nats: infers INFO and CONNECT', () => {
  assert.equal(nats.infer(bytes('INFO {"server_id":"x"}\r\n'), 'toClient'), true);
  assert.equal(nats.infer(bytes('CONNECT {"verbose":false}\r\n'), 'toServer'), true);
  assert.equal(nats.infer(bytes('GET / HTTP/1.1\r\n'), 'toServer'), false);
});

test('nats: handshake, ping, request-reply by reply subject, headers with trace context, split at every byte', () => {
  const headers = 'NATS/1.0\r\ntraceparent: 00-aa-bb-01\r\nX: y\r\n\r\n';
  const client = bytes(
    'CONNECT {"verbose":false}\r\nPING\r\nSUB _INBOX.abc.* 1\r\n' +
      `HPUB Greeter.SayHello _INBOX.abc.1 ${headers.length} ${headers.length + 5}\r\n${headers}hello\r\n` +
      'PUB logs.app 3\r\nabc\r\n',
  );
  const server = bytes(
    'INFO {"server_id":"s"}\r\nPONG\r\nMSG _INBOX.abc.1 1 5\r\nworld\r\n-ERR \'Unknown Protocol Operation\'\r\n',
  );
  for (const size of [1, 6, 1000]) {
    const out = feed(nats, nats.createState(), [
      ...pieces(server.subarray(0, 24), size).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
      ...pieces(client, size).map((c) => ['toServer', c] as ['toServer', Uint8Array]),
      ...pieces(server.subarray(24), size).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
    ]);
    assert.deepEqual(
      out.map((m) => [m.kind, m.request_type, m.request_resource, m.pair_key]),
      [
        ['request', 'INFO', undefined, 'handshake'],
        ['response', 'CONNECT', undefined, 'handshake'],
        ['request', 'PING', undefined, 'ping:toServer'],
        ['session', 'SUB', '_INBOX.abc.*', undefined],
        ['request', 'HPUB', 'Greeter.SayHello', 'reply:_INBOX.abc.1'],
        ['session', 'PUB', 'logs.app', undefined],
        ['response', 'PONG', undefined, 'ping:toServer'],
        ['response', 'MSG', '_INBOX.abc.1', 'reply:_INBOX.abc.1'],
        ['session', '-ERR', undefined, undefined],
      ],
      `piece size ${size}`,
    );
    assert.equal(out[4].trace_context?.traceparent, '00-aa-bb-01');
    assert.equal(out[4].endpoint, 'Greeter');
    assert.equal(out[4].attributes['messaging.message.body.size'], 5);
    assert.equal(out[8].response_exception, "'Unknown Protocol Operation'");
  }
});
