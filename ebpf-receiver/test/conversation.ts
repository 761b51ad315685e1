// Assertions over captured events: one connection seen from both of its ends.
import assert from 'node:assert/strict';
import { Direction, L4Protocol, SocketEventKind, type SocketEvent } from '@flowtel/pdata';

export interface Side {
  pids: number[];
  comm: string;
  role: number;
  /** the port of this end */
  port: number;
}

const concat = (events: SocketEvent[]) => Buffer.concat(events.map((e) => e.payload));
const total = (events: SocketEvent[]) => events.reduce((n, e) => n + e.byteCount, 0);

/** The events of one end of one TCP connection, but the kernel's TCP reports (tcp-metrics.test.ts). */
export function endOf(events: SocketEvent[], side: Side, peerPort: number): SocketEvent[] {
  return events.filter(
    (e) =>
      e.kind !== SocketEventKind.TCP &&
      side.pids.includes(e.pid) &&
      e.localPort === side.port &&
      e.remotePort === peerPort,
  );
}

/**
 * Asserts one TCP connection on loopback as both ends saw it: what the client sent is what the
 * server read, byte for byte and in byte counts, and the other way round; pids, names, roles,
 * ports, one socket id per end, connect/accept first and close last. Returns the request and
 * response bytes for the caller to check against what it knows.
 */
export function assertTcpConversation(
  events: SocketEvent[],
  client: Side,
  server: Side,
): { request: Buffer; response: Buffer } {
  const clientEnd = endOf(events, client, server.port);
  const serverEnd = endOf(events, server, client.port);
  for (const [end, side, opening] of [
    [clientEnd, client, SocketEventKind.CONNECT],
    [serverEnd, server, SocketEventKind.ACCEPT],
  ] as const) {
    assert.ok(end.length >= 3, `${side.comm}: expected open, data and close events, got ${end.length}`);
    assert.equal(end[0].kind, opening, `${side.comm}: the first event opens the connection`);
    assert.equal(end.at(-1)!.kind, SocketEventKind.CLOSE, `${side.comm}: the last event closes it`);
    assert.equal(new Set(end.map((e) => e.socketId)).size, 1, `${side.comm}: one socket id for the connection`);
    for (const e of end) {
      assert.equal(e.comm, side.comm);
      assert.equal(e.role, side.role, `${side.comm}: role`);
      assert.equal(e.l4Protocol, L4Protocol.TCP);
      assert.equal(e.localAddr, '127.0.0.1');
      assert.equal(e.remoteAddr, '127.0.0.1');
    }
  }
  assert.notEqual(clientEnd[0].socketId, serverEnd[0].socketId, 'each end has its own socket id');

  const data = (end: SocketEvent[], direction: number) =>
    end.filter((e) => e.kind === SocketEventKind.DATA && e.direction === direction);
  const sent = data(clientEnd, Direction.EGRESS);
  const received = data(clientEnd, Direction.INGRESS);
  const served = data(serverEnd, Direction.INGRESS);
  const answered = data(serverEnd, Direction.EGRESS);
  const request = concat(sent);
  const response = concat(received);
  assert.equal(total(sent), request.length, "the client's payloads hold every byte it sent");
  assert.equal(total(received), response.length, "the client's payloads hold every byte it read");
  assert.equal(total(served), request.length, 'the server read what the client sent');
  assert.equal(total(answered), response.length, 'the server sent what the client read');
  assert.deepEqual(concat(served), request);
  assert.deepEqual(concat(answered), response);
  return { request, response };
}

export { concat, total };
