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
import { H2_CLIENT, h2BigRequests, type H2Request } from './http2-exchanges.ts';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

function spanFor(spans: LiveSpan[], service: string, kind: number, path: string): LiveSpan | undefined {
  return spansOf(spans, service, kind).find((s) => String(s.attributes['url.path']).startsWith(path));
}

test('nginx (h2c) and node http2 on one connection: a 2 KiB cookie, an 8 KiB header block, a 4 KiB URL, a 16 KiB body, each on both ends', async (t) => {
  if (skipUnlessLive(t, ['nginx'])) return;
  const nginx = await startNginx({ ...BIG_REQUESTS_NGINX, http2: true });
  t.after(() => nginx.stop());
  const capture = await startCapture(t, [nginx.port]);

  const requests = h2BigRequests();
  const client = await runClient(process.execPath, [
    '-e',
    H2_CLIENT,
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
