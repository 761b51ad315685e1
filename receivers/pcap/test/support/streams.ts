// What the socket events say each direction of each connection carried.

import { Direction, SocketEventKind, type SocketEvent } from '@flowtel/pdata';
import { endpointText } from './tshark.ts';

/** `sender>receiver` (tshark's endpoint notation) → the bytes, from the senders' EGRESS DATA events */
export function sentBytes(events: Iterable<SocketEvent>, l4Protocol = 6): Map<string, Buffer> {
  const parts = new Map<string, Buffer[]>();
  for (const e of events) {
    if (e.kind !== SocketEventKind.DATA || e.direction !== Direction.EGRESS || e.l4Protocol !== l4Protocol) continue;
    const key = `${endpointText(e.localAddr, e.localPort)}>${endpointText(e.remoteAddr, e.remotePort)}`;
    if (!parts.has(key)) parts.set(key, []);
    parts.get(key)!.push(Buffer.from(e.payload));
  }
  return new Map([...parts].map(([key, list]) => [key, Buffer.concat(list)]));
}
