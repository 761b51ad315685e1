// What a stream server (TCP, TLS, a Unix socket) does with its connections, and how a UDP
// socket is bound: one place for the receivers that read sockets themselves (stanza's tcp_input,
// fluentforward, jaeger's agent, stanza's udp_input) instead of a copy each.
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';

/**
 * The open connections of a server, each read to its end by one reader. `close` stops the
 * server accepting, cuts every connection off and resolves once every reader has returned, so
 * what a reader took off its socket is handed on before its receiver says it stopped.
 */
export class Connections {
  private readonly sockets = new Set<Socket>();
  private readonly reading = new Set<Promise<void>>();
  private readonly read: (socket: Socket) => Promise<void>;

  /** `read` reads one connection; it is not expected to throw (a rejection ends only that connection). */
  constructor(read: (socket: Socket) => Promise<void>) {
    this.read = read;
  }

  /** The server's connection listener. */
  readonly accept = (socket: Socket): void => {
    this.sockets.add(socket);
    const done = this.read(socket)
      .catch(() => undefined)
      .finally(() => {
        socket.destroy();
        this.sockets.delete(socket);
        this.reading.delete(done);
      });
    this.reading.add(done);
  };

  async close(server: Server | undefined): Promise<void> {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.reading]);
    await closed;
  }
}

/** Binds a UDP socket; rejects with the system's error when the address cannot be bound. */
export function bindUdp(socket: UdpSocket, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
