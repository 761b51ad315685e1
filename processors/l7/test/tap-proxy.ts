// A TCP proxy that records what passes each way, in order: real clients and servers talk
// through it, and the recording is what a capture of that connection would hold.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Direction } from '../src/parser.ts';

export interface TapProxy {
  port: number;
  /** Everything, all connections interleaved in arrival order. */
  chunks: Array<[Direction, Uint8Array]>;
  /** The same, one list per connection in the order they were accepted. */
  connections: Array<Array<[Direction, Uint8Array]>>;
  close(): Promise<void>;
}

export async function tapProxy(targetPort: number): Promise<TapProxy> {
  const chunks: Array<[Direction, Uint8Array]> = [];
  const connections: Array<Array<[Direction, Uint8Array]>> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const mine: Array<[Direction, Uint8Array]> = [];
    connections.push(mine);
    const record = (direction: Direction, d: Buffer) => {
      const chunk: [Direction, Uint8Array] = [direction, Uint8Array.from(d)];
      chunks.push(chunk);
      mine.push(chunk);
    };
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => {
      record('toServer', d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      record('toClient', d);
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    chunks,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
