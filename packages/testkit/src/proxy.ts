// An HTTP proxy for tests, as squid or a corporate proxy behaves: CONNECT tunnels for https
// targets and absolute-form forwarding for http ones. Every target name is reached at 127.0.0.1
// (names such as backend.flowtel.test need no DNS), and everything it carried is recorded, so a
// test can tell a request went through it.
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface TestProxy {
  /** http://127.0.0.1:port */
  url: string;
  /** host:port of every CONNECT it was asked for */
  tunnels: string[];
  /** the absolute URL of every request it forwarded */
  forwarded: string[];
  /** the Proxy-Authorization header of each CONNECT or forwarded request, in order */
  authorizations: Array<string | undefined>;
  stop(): Promise<void>;
}

export async function startTestProxy(): Promise<TestProxy> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    authorizations.push(req.headers['proxy-authorization']);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form request target expected');
      return;
    }
    forwarded.push(target.href);
    const headers: IncomingHttpHeaders = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port || 80,
        method: req.method,
        path: target.pathname + target.search,
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => res.writeHead(502).end(err.message));
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    authorizations.push(req.headers['proxy-authorization']);
    tunnels.push(req.url ?? '');
    const port = Number(/:(\d+)$/.exec(req.url ?? '')?.[1] ?? 443);
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    forwarded,
    authorizations,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
