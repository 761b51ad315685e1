// A TCP proxy that records what passes each way, in order: real clients and servers talk
// through it, and the recording is what a capture of that connection would hold.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Direction } from '../src/parser.ts';

export interface TapProxy {
  port: number;
  chunks: Array<[Direction, Uint8Array]>;
  close(): Promise<void>;
}

export async function tapProxy(targetPort: number): Promise<TapProxy> {
  const chunks: Array<[Direction, Uint8Array]> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => {
      chunks.push(['toServer', Uint8Array.from(d)]);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      chunks.push(['toClient', Uint8Array.from(d)]);
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    chunks,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
