// TLS plaintext in the engine: the ebpf receiver marks the events its OpenSSL uprobes report
// (SocketEvent.tls). They are a stream of their own on their socket, so ciphertext the capture
// reported before it knew the socket was TLS (a Node.js handshake) does not disturb them, and
// their records say the connection was encrypted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Direction, SocketEventBatch, SocketEventKind, SocketRole, type SocketEvent } from '@flowtel/pdata';
import { spanAttributes } from '../src/output/describe.ts';
import { bytes, hex, recordingEngine } from './helpers.ts';

let clock = 1_000_000n;
function event(kind: number, direction: number, payload: Uint8Array, tls: boolean): SocketEvent {
  clock += 1000n;
  return {
    kind,
    timestampNs: clock,
    pid: 42,
    tid: 42,
    comm: 'node',
    fd: 7,
    socketId: 9n,
    l4Protocol: 6,
    role: SocketRole.CLIENT,
    direction,
    localAddr: '127.0.0.1',
    localPort: 50000,
    remoteAddr: '127.0.0.1',
    remotePort: 8443,
    byteCount: payload.length,
    payload,
    tls,
  };
}

// the head of a TLS 1.3 ClientHello and ServerHello, as a client's write and read carry them (client
// records go out at once; a server's wait for their caller)
const clientHello = hex('16030100f4010000f00303');
const serverHello = hex('160303007a020000760303');
const finished = hex('14030300010117030300451f9c2a');
const ticket = hex('17030300da8be1c07a11');
const request = bytes('GET /secret HTTP/1.1\r\nHost: example\r\n\r\n');
const response = bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');

test('plaintext after ciphertext on one socket: one HTTP record marked TLS, the ciphertext never parsed as it', () => {
  const { engine: e, records } = recordingEngine();
  e.ingest(
    SocketEventBatch.from('ebpf', [
      event(SocketEventKind.CONNECT, Direction.EGRESS, new Uint8Array(), false),
      event(SocketEventKind.DATA, Direction.EGRESS, clientHello, false),
      event(SocketEventKind.DATA, Direction.INGRESS, serverHello, false),
      // the client's Finished and the server's session tickets: four payloads no parser knows,
      // as many as the engine tries before it gives a connection up
      event(SocketEventKind.DATA, Direction.EGRESS, finished, false),
      event(SocketEventKind.DATA, Direction.INGRESS, ticket, false),
      event(SocketEventKind.DATA, Direction.EGRESS, request, true),
      event(SocketEventKind.DATA, Direction.INGRESS, response, true),
    ]),
  );
  assert.equal(records.length, 1);
  const [r] = records;
  assert.equal(r.protocol, 'HTTP');
  assert.equal(r.conn.tls, true);
  assert.equal(r.request?.attributes['url.path'], '/secret');
  const attributes = Object.fromEntries(spanAttributes(r).map((kv) => [kv.key, kv.value]));
  assert.deepEqual(attributes['url.scheme'], { stringValue: 'https' });
  assert.deepEqual(attributes['tls.established'], { boolValue: true });
});

test("the socket's close ends its plaintext stream: a request left unanswered is reported then", () => {
  const { engine: e, records } = recordingEngine();
  e.ingest(
    SocketEventBatch.from('ebpf', [
      event(SocketEventKind.DATA, Direction.EGRESS, request, true),
      // close() is a syscall: the capture reports it unmarked
      event(SocketEventKind.CLOSE, Direction.EGRESS, new Uint8Array(), false),
    ]),
  );
  assert.equal(records.length, 1);
  assert.equal(records[0].unanswered, true);
  assert.equal(records[0].conn.tls, true);
  assert.equal(e.sessionCount, 0);
});

test('plain HTTP is not marked TLS', () => {
  const { engine: e, records } = recordingEngine();
  e.ingest(
    SocketEventBatch.from('ebpf', [
      event(SocketEventKind.DATA, Direction.EGRESS, request, false),
      event(SocketEventKind.DATA, Direction.INGRESS, response, false),
    ]),
  );
  assert.equal(records.length, 1);
  assert.equal(records[0].conn.tls, false);
  const keys = spanAttributes(records[0]).map((kv) => kv.key);
  assert.ok(!keys.includes('url.scheme') && !keys.includes('tls.established'));
});
