// The batch processor's bound on what it holds in flight, in a running collector: an HTTP
// client (Node's fetch) sends OTLP/JSON through `otlp -> batch -> otlp_http` to an HTTP server
// (Node's) that takes the exports and does not answer, with no sending queue in between. The
// batch processor answers clients while the items it accepted and has not delivered stay within
// two batches (send_batch_size 100: 200 items), then refuses on accept as retryable (HTTP 503),
// so clients keep their data; once the backend answers, it takes data again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, startCollector, tracesRequestJson, waitFor, waitForOutput } from '@flowtel/testkit';

test(
  'beyond two batches accepted and not delivered, a stalled exporter makes clients see 503 on accept, and they are taken again once it answers',
  { timeout: 180_000 },
  async (t) => {
    const held: ServerResponse[] = [];
    let answering = false;
    let exportedBytes = 0;
    const backend = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => (exportedBytes += chunk.length));
      req.on('end', () => {
        if (answering) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        else held.push(res);
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const res of held) res.destroy();
      backend.close();
    });
    const http = await freePort();
    const collector = startCollector(`
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
processors:
  batch: {send_batch_size: 100, timeout: 10m}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${(backend.address() as AddressInfo).port}
    timeout: 120s
    sending_queue: {enabled: false}
    retry_on_failure: {enabled: false}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlp_http]}
`);
    t.after(() => collector.stop());
    await waitForOutput(collector, 'Everything is ready', 90_000);

    const post = (request: number) =>
      fetch(`http://127.0.0.1:${http}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: tracesRequestJson(request, 50),
      });
    // four requests of 50 spans: two batches of 100 (by size: the timeout never comes), both held by the backend
    for (let r = 1; r <= 4; r++) assert.equal((await post(r)).status, 200, `request ${r} is accepted`);
    await waitFor('both batches reached the backend', async () => held.length === 2, 60_000);
    const refused = await post(5);
    assert.equal(refused.status, 503);
    assert.match(await refused.text(), /holds 200 items not yet delivered downstream \(at most 200\)/);
    assert.equal(held.length, 2, 'the refused request did not reach the backend');

    answering = true;
    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    await waitFor(
      'a client is answered again once the backend answers',
      async () => (await post(6)).status === 200,
      60_000,
    );
    assert.ok(exportedBytes > 0);
  },
);
