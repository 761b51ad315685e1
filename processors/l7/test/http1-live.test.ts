// Node's own HTTP/1.1 client and server through a recording proxy: keep-alive, chunked
// responses, request bodies, 100-continue, HEAD, and a 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { http1 } from '../src/protocols/http1.ts';
import { feed } from './helpers.ts';
import { tapProxy } from './tap-proxy.ts';

test('http1 live: node http client and server over keep-alive connections', async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/chunked') {
        res.write('part one,');
        setImmediate(() => res.end('part two'));
      } else if (req.url === '/fail') {
        res.writeHead(500, 'Kaputt').end('no');
      } else {
        res.setHeader('Content-Type', 'text/plain');
        res.end('x'.repeat(3000));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tap = await tapProxy((server.address() as AddressInfo).port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: tap.port, method, path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      if (headers.Expect) req.on('continue', () => req.end(body));
      else req.end(body);
    });
  assert.equal(await call('GET', '/plain?q=1'), 200);
  assert.equal(await call('GET', '/chunked'), 200);
  assert.equal(await call('POST', '/upload', 'a'.repeat(5000), { 'Content-Type': 'text/plain' }), 200);
  assert.equal(await call('PUT', '/continue', 'payload', { Expect: '100-continue', 'Content-Length': '7' }), 200);
  assert.equal(await call('HEAD', '/plain'), 200);
  assert.equal(await call('DELETE', '/fail'), 500);
  agent.destroy();
  await tap.close();
  server.close();

  // The agent reuses its socket while the server keeps it open; calls run one after another,
  // so the connections' messages in order are the calls in order.
  assert.ok(tap.connections.length < 6, `${tap.connections.length} connections for 6 calls: keep-alive was used`);
  const out = tap.connections.flatMap((chunks) => feed(http1, http1.createState(), chunks));
  assert.deepEqual(
    out.filter((m) => m.kind === 'request').map((m) => `${m.request_type} ${m.request_resource}`),
    ['GET /plain?q=1', 'GET /chunked', 'POST /upload', 'PUT /continue', 'HEAD /plain', 'DELETE /fail'],
  );
  const responses = out.filter((m) => m.kind === 'response');
  assert.deepEqual(
    responses.map((m) => m.response_code),
    [200, 200, 200, 200, 200, 500],
  );
  assert.equal(responses[5].response_status, 'server_error');
  assert.equal(responses[5].response_exception, 'Kaputt');
  assert.equal(out[0].attributes['server.port'], tap.port);
});
