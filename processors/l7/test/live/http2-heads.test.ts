// Plain-text HTTP/2 (h2c, prior knowledge) requests larger than what eBPF keeps of a syscall,
// live: node's http2 client (nghttp2) against nginx with `http2` on its listener, on one
// connection: small requests between a 2 KiB cookie, an 8 KiB header block, a 4 KiB URL and a
// 16 KiB JSON body. Each HEADERS frame is read from the head the capture kept and every next
// request parses, on both ends, whatever the loss did to the HPACK dynamic table. (curl 7.88's
// --http2-prior-knowledge fails its second request on a reused connection: "Error in the HTTP2
// framing layer".)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startNginx } from '@flowtel/testkit';
import { BIG_REQUESTS_NGINX, CAPTURED, LONG_PATH } from './big-requests.ts';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

/** Sends each request in turn on one h2c session, waits for its response, prints the statuses. */
const CLIENT = `
const http2 = require('node:http2');
const session = http2.connect(process.argv[1]);
const requests = JSON.parse(process.argv[2]);
const statuses = [];
function next() {
  const r = requests.shift();
  if (r === undefined) { session.close(); console.log(JSON.stringify(statuses)); return; }
  const stream = session.request({ ':method': r.method, ':path': r.path, ...r.headers });
  stream.on('response', (h) => statuses.push(h[':status']));
  stream.resume();
  stream.on('end', next);
  stream.end(r.body);
}
next();`;

interface H2Request {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  big?: boolean;
}

function spanFor(spans: LiveSpan[], service: string, kind: number, path: string): LiveSpan | undefined {
  return spansOf(spans, service, kind).find((s) => String(s.attributes['url.path']).startsWith(path));
}

test('nginx (h2c) and node http2 on one connection: a 2 KiB cookie, an 8 KiB header block, a 4 KiB URL, a 16 KiB body, each on both ends', async (t) => {
  if (skipUnlessLive(t, ['nginx'])) return;
  const nginx = await startNginx({ ...BIG_REQUESTS_NGINX, http2: true });
  t.after(() => nginx.stop());
  const capture = await startCapture(t, [nginx.port]);

  // header values HPACK's Huffman code does not shrink much: 8 KiB of them on the wire
  const noise = (n: number, seed: number) =>
    Array.from(
      { length: n },
      (_, i) => '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[(i * 7 + seed) % 62],
    ).join('');
  const json = JSON.stringify({
    items: Array.from({ length: 700 }, (_, i) => ({ id: i, note: `item-${i}-xxxxxxxx` })),
  });
  assert.ok(json.length >= 16 * 1024);
  const requests: H2Request[] = [
    { method: 'GET', path: '/small-1', status: 200 },
    { method: 'GET', path: '/cookie-2k', headers: { cookie: `session=${noise(2048, 1)}` }, status: 200, big: true },
    { method: 'GET', path: '/small-2', status: 200 },
    {
      method: 'GET',
      path: '/headers-8k',
      headers: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x-baggage-${i}`, noise(2048, i + 2)])),
      status: 200,
      big: true,
    },
    { method: 'GET', path: LONG_PATH, status: 200, big: true },
    { method: 'GET', path: '/small-3', status: 200 },
    { method: 'POST', path: '/json', headers: { 'content-type': 'application/json' }, body: json, status: 201 },
    { method: 'GET', path: '/small-4', status: 200 },
  ];
  const client = await runClient(process.execPath, [
    '-e',
    CLIENT,
    `http://127.0.0.1:${nginx.port}`,
    JSON.stringify(requests),
  ]);
  assert.equal(client.code, 0, client.stderr.toString());
  assert.deepEqual(
    JSON.parse(client.stdout.toString()),
    requests.map((r) => r.status),
  );

  const pathOf = (r: H2Request) => r.path.slice(0, 64);
  const spans = await capture.waitForSpans(
    'every request on both ends',
    (all) =>
      requests.every(
        (r) => spanFor(all, 'nginx', SpanKind.SERVER, pathOf(r)) && spanFor(all, 'node', SpanKind.CLIENT, pathOf(r)),
      ) && all,
  );
  for (const [service, kind] of [
    ['nginx', SpanKind.SERVER],
    ['node', SpanKind.CLIENT],
  ] as const) {
    assert.equal(spansOf(spans, service, kind).length, requests.length, `one ${service} span per request`);
    for (const want of requests) {
      const span = spanFor(spans, service, kind, pathOf(want))!;
      assert.equal(span.attributes['flowtel.l7.protocol'], 'HTTP2');
      assert.equal(span.attributes['http.request.method'], want.method, `${service} ${want.path.slice(0, 20)}`);
      assert.equal(span.attributes['http.response.status_code'], want.status, `${service} ${want.path.slice(0, 20)}`);
      if (want.big) {
        const captured = Number(span.attributes[CAPTURED]);
        assert.ok(captured > 0, `${service} ${want.path.slice(0, 20)}: its HEADERS read from the head (${captured})`);
      }
    }
    // the capture cut the :path literal: the part of it seen, as HTTP/1's request line gives
    const long = spanFor(spans, service, kind, '/long-url/')!;
    assert.ok(LONG_PATH.startsWith(String(long.attributes['url.path'])), 'the part of the URL seen, as sent');
    assert.ok(String(long.attributes['url.path']).length > 500, `${service}: most of the head is the URL`);
  }
  assert.equal(await capture.collector.stop(), 0);
});
