import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SocketEventBatch,
  SocketEventKind,
  SocketRole,
  Direction,
  L4Protocol,
  type SocketEvent,
} from '../src/index.ts';

function event(i: number, payload: string): SocketEvent {
  return {
    kind: SocketEventKind.DATA,
    timestampNs: 1_700_000_000_000_000_000n + BigInt(i),
    pid: 100 + i,
    tid: 200 + i,
    comm: `proc${i}`,
    fd: 3 + i,
    socketId: 2n ** 63n + BigInt(i),
    l4Protocol: L4Protocol.TCP,
    role: SocketRole.CLIENT,
    direction: i % 2 ? Direction.INGRESS : Direction.EGRESS,
    localAddr: '127.0.0.1',
    localPort: 40000 + i,
    remoteAddr: '::1',
    remotePort: 80,
    byteCount: payload.length + i,
    payload: new TextEncoder().encode(payload),
  };
}

test('a socket event batch grows past its capacity and returns every event intact', () => {
  const batch = new SocketEventBatch('test', 2, 4);
  const events = Array.from({ length: 37 }, (_, i) => event(i, 'x'.repeat(i * 3)));
  for (const e of events) batch.push(e);
  assert.equal(batch.count, 37);
  assert.deepEqual([...batch], events);
  assert.equal(batch.get(36).socketId, 2n ** 63n + 36n);
});
