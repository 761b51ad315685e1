// The HTTP client against a server that resets a kept-alive connection as it is reused: the
// race between a server's idle timeout and the client's next request, made to happen every time.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
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
