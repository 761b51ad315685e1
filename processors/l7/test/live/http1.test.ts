// HTTP/1 on live traffic: curl against nginx, captured by the ebpf receiver in the real
// collector. Both ends become spans (curl's client span is the parent of nginx's server span),
// keep-alive requests are told apart, and the Authorization header is redacted.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startNginx } from '@flowtel/testkit';
import { SpanKind, parentOf, runClient, skipUnlessLive, spansOf, startCapture } from './capture.ts';

const TOKEN = 'Bearer live-secret-7f3a9c';

test('nginx and curl: method, path and status of each request on both ends, parent links, Authorization redacted', async (t) => {
  if (skipUnlessLive(t, ['nginx', 'curl'])) return;
  const nginx = await startNginx({
    files: { 'index.html': '<html>flowtel live test page</html>\n' },
    serverBlock: '    location = /submit { return 201 "created\\n"; }',
  });
  t.after(() => nginx.stop());
  const capture = await startCapture(t, [nginx.port], { l7: '    capture_headers: [authorization, user-agent]' });

  const base = `http://127.0.0.1:${nginx.port}`;
  // one connection for both GETs (keep-alive), another for the POST
  const gets = await runClient('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-H',
    `Authorization: ${TOKEN}`,
    `${base}/index.html?lang=en`,
    `${base}/missing.html`,
  ]);
  assert.equal(gets.code, 0, gets.stderr);
  const post = await runClient('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-X',
    'POST',
    '-d',
    'name=flowtel',
    `${base}/submit`,
  ]);
  assert.equal(post.code, 0, post.stderr);

  const expected = [
    { method: 'GET', path: '/index.html', status: 200 },
    { method: 'GET', path: '/missing.html', status: 404 },
    { method: 'POST', path: '/submit', status: 201 },
  ];
  const spans = await capture.waitForSpans('three client and three server spans', (all) => {
    const servers = spansOf(all, 'nginx', SpanKind.SERVER);
    const clients = spansOf(all, 'curl', SpanKind.CLIENT);
    return servers.length >= 3 && clients.length >= 3 && all;
  });

  for (const kind of [SpanKind.SERVER, SpanKind.CLIENT]) {
    const side = spansOf(spans, kind === SpanKind.SERVER ? 'nginx' : 'curl', kind);
    assert.equal(
      side.length,
      3,
      `exactly one span per request on the ${kind === SpanKind.SERVER ? 'server' : 'client'} side`,
    );
    for (const want of expected) {
      const span = side.find((s) => s.attributes['url.path'] === want.path);
      assert.ok(span, `a span for ${want.path}`);
      assert.equal(span.name, `${want.method} ${want.path}`);
      assert.equal(span.attributes['http.request.method'], want.method);
      assert.equal(span.attributes['http.response.status_code'], want.status);
      assert.equal(span.attributes['server.port'], nginx.port);
      assert.equal(span.attributes['network.transport'], 'tcp');
    }
  }

  const indexServer = spansOf(spans, 'nginx', SpanKind.SERVER).find((s) => s.attributes['url.path'] === '/index.html')!;
  assert.equal(indexServer.attributes['url.query'], 'lang=en');
  assert.equal(indexServer.attributes['http.request.header.authorization'], '<redacted>');
  assert.match(String(indexServer.attributes['http.request.header.user-agent']), /^curl\//);
  // 404 is the client's error: an error on the client span, not on the server's
  const missingClient = spansOf(spans, 'curl', SpanKind.CLIENT).find(
    (s) => s.attributes['url.path'] === '/missing.html',
  )!;
  assert.equal(missingClient.status.code, 2);
  assert.equal(missingClient.attributes['error.type'], '404');

  for (const server of spansOf(spans, 'nginx', SpanKind.SERVER)) {
    const client = parentOf(server, spans);
    assert.ok(client, `the server span ${server.name} has curl's span as parent`);
    assert.equal(client.service, 'curl');
    assert.equal(client.attributes['url.path'], server.attributes['url.path']);
  }
  const traces = new Set(spansOf(spans, 'nginx', SpanKind.SERVER).map((s) => s.traceId));
  assert.equal(traces.size, 3, 'each request is its own trace');

  assert.doesNotMatch(readFileSync(capture.path, 'utf8'), /live-secret-7f3a9c/, 'the token never reaches the exporter');
  assert.equal(await capture.collector.stop(), 0);
});
