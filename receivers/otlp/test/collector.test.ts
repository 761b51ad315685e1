// The real `flowtel` command on a YAML config: otlp receiver with bearertokenauth, otlphttp
// exporter with basicauth, forwarding to an HTTP server this test runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeTraces, encodeTraces } from '@flowtel/pdata';
import { freePort, startCollector, waitFor, waitForPort } from '@flowtel/testkit';
import { sampleTraces } from './helpers.ts';

test('flowtel --config: otlp (bearer auth) → otlphttp (basic auth, gzip) to a backend', async () => {
  const received: Array<{ url?: string; headers: IncomingHttpHeaders; body: Buffer }> = [];
  const backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const collector = startCollector(`
extensions:
  bearertokenauth: {token: "in-token"}
  basicauth/out: {client_auth: {username: flowtel, password: "out-pass"}}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
        auth: {authenticator: bearertokenauth}
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${(backend.address() as AddressInfo).port}
    auth: {authenticator: basicauth/out}
service:
  extensions: [bearertokenauth, basicauth/out]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp]}
`);
  try {
    await waitForPort(port, '127.0.0.1', 60_000);
    const url = `http://127.0.0.1:${port}/v1/traces`;
    const body = encodeTraces(sampleTraces(2));
    const headers = { 'content-type': 'application/x-protobuf' };
    assert.equal((await fetch(url, { method: 'POST', headers, body })).status, 401);
    assert.equal(
      (await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer in-token' }, body })).status,
      200,
    );
    const [req] = await waitFor('the backend to receive the spans', async () => received.length > 0 && received);
    assert.equal(req.url, '/v1/traces');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('flowtel:out-pass').toString('base64')}`);
    assert.equal(req.headers['content-encoding'], 'gzip');
    assert.deepEqual(decodeTraces(gunzipSync(req.body)), decodeTraces(body));
  } finally {
    const code = await collector.stop();
    backend.close();
    assert.equal(code, 0, collector.output());
  }
});
