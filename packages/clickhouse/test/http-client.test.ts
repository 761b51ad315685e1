// The HTTP client against a server that resets a kept-alive connection as it is reused: the
// race between a server's idle timeout and the client's next request, made to happen every time.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { startTestProxy } from '@flowtel/testkit';
import { HttpClient } from '../src/index.ts';

test('a kept-alive connection reset by the server as the next request reuses it: the request is sent again on a new connection', async () => {
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    const first = connections.length === 1;
    let requests = 0;
    socket.on('data', () => {
      requests++;
      // the first connection answers once and resets on its second request, unread
      if (first && requests === 2) return void socket.resetAndDestroy();
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const client = new HttpClient({ url: `http://127.0.0.1:${port}` });
  try {
    assert.equal((await client.query('SELECT 1')).toString(), 'ok');
    assert.equal((await client.query('SELECT 2')).toString(), 'ok');
    assert.equal(connections.length, 2, 'the second query went out again on a second connection');
  } finally {
    await client.close();
    server.close();
  }
});

test('HTTP_PROXY: statements go through the forward proxy in absolute form', async () => {
  const queries: string[] = [];
  const server = createServer((socket) => {
    socket.on('data', (d: Buffer) => {
      queries.push(d.toString('latin1').split('\r\n')[0]!);
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const proxy = await startTestProxy();
  const saved = process.env.HTTP_PROXY;
  process.env.HTTP_PROXY = proxy.url;
  let client: HttpClient;
  try {
    client = new HttpClient({ url: `http://ch.flowtel.test:${port}`, database: 'otel' });
  } finally {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
  }
  try {
    assert.equal((await client.query('SELECT 1')).toString(), 'ok');
    assert.equal(proxy.forwarded.length, 1);
    const forwarded = new URL(proxy.forwarded[0]!);
    assert.equal(forwarded.host, `ch.flowtel.test:${port}`);
    assert.equal(forwarded.searchParams.get('database'), 'otel');
    assert.match(queries[0]!, /^POST \/\?/);
  } finally {
    await client.close();
    await proxy.stop();
    server.close();
  }
});
