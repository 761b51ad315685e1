import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nats } from '../src/protocols/nats.ts';
import { CAPTURED_BYTES_ATTRIBUTE } from '../src/message.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

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

test('nats: a PUB of 64 KiB and an HPUB whose headers pass the head, read from what a 1 KiB capture kept; the next operations parse', () => {
  const payload = 'p'.repeat(64 * 1024);
  const big = `PUB big.subject ${payload.length}\r\n${payload}\r\n`;
  const headers = `NATS/1.0\r\ntraceparent: 00-aa-bb-01\r\nX-Long: ${'x'.repeat(2000)}\r\nAuthorization: cut\r\n\r\n`;
  const hpub = `HPUB traced _INBOX.r ${headers.length} ${headers.length + 2}\r\n${headers}hi\r\n`;
  const out = feedHeads(nats, nats.createState(), 1024, [
    ['toServer', bytes('CONNECT {"verbose":false}\r\n')],
    ['toServer', bytes(big)],
    ['toServer', bytes('PUB small 5\r\nafter\r\n')],
    ['toServer', bytes(hpub)],
    ['toServer', bytes('PING\r\n')],
    ['toClient', bytes('PONG\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => [m.kind, m.request_type, m.request_resource, m.captured]),
    [
      ['response', 'CONNECT', undefined, undefined],
      ['session', 'PUB', 'big.subject', 1024],
      ['session', 'PUB', 'small', undefined],
      ['request', 'HPUB', 'traced', 1024],
      ['request', 'PING', undefined, undefined],
      ['response', 'PONG', undefined, undefined],
    ],
  );
  assert.equal(out[1].size, big.length);
  assert.equal(out[1].attributes['messaging.message.body.size'], payload.length);
  assert.equal(out[1].attributes[CAPTURED_BYTES_ATTRIBUTE.session], 1024);
  assert.equal(out[3].size, hpub.length);
  assert.equal(out[3].trace_context?.traceparent, '00-aa-bb-01', 'the header lines inside the head');
});

test('nats: a delivery read in pieces, each cut by the capture, is marked once with what was seen', () => {
  const payload = 'd'.repeat(20_000);
  const msg = bytes(`MSG big 1 ${payload.length}\r\n${payload}\r\n`);
  const out = feedHeads(nats, nats.createState(), 1024, [
    ...pieces(msg, 8192).map((c) => ['toClient', c] as ['toClient', Uint8Array]),
    ['toClient', bytes('PING\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => [m.request_type, m.captured]),
    [
      ['MSG', 3 * 1024],
      ['PING', undefined],
    ],
  );
  assert.equal(out[0].size, msg.length);
});
