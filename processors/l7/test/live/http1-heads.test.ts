// HTTP/1 requests larger than what eBPF keeps of a syscall (1 KiB by default), live: curl and a
// pipelining client against nginx, captured by the ebpf receiver in the real collector. Each
// request is read from the head the capture kept (method, path, status on both ends), marked with
// how many of its bytes were captured, and the connection's next request still parses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startNginx } from '@flowtel/testkit';
import { BIG_REQUESTS_NGINX, CAPTURED, HEAD, LONG_PATH, bigRequests } from './big-requests.ts';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

/** The span of `service` and `kind` for the request whose path starts with `path`. */
function spanFor(spans: LiveSpan[], service: string, kind: number, path: string): LiveSpan | undefined {
  return spansOf(spans, service, kind).find((s) => String(s.attributes['url.path']).startsWith(path));
}

test('nginx and curl on one keep-alive connection: 2 KiB and 8 KiB header blocks, a 4 KiB URL, a 16 KiB JSON body, each on both ends, and every next request', async (t) => {
  if (skipUnlessLive(t, ['nginx', 'curl'])) return;
  const nginx = await startNginx(BIG_REQUESTS_NGINX);
  t.after(() => nginx.stop());
  const capture = await startCapture(t, [nginx.port]);

  const { args, expected } = bigRequests(`http://127.0.0.1:${nginx.port}`);
  const curl = await runClient('curl', args);
  assert.equal(curl.code, 0, curl.stderr);

  const spans = await capture.waitForSpans(
    'eight client and eight server spans',
    (all) =>
      expected.every(
        (e) => spanFor(all, 'nginx', SpanKind.SERVER, e.path) && spanFor(all, 'curl', SpanKind.CLIENT, e.path),
      ) && all,
  );

  for (const [service, kind] of [
    ['nginx', SpanKind.SERVER],
    ['curl', SpanKind.CLIENT],
  ] as const) {
    assert.equal(spansOf(spans, service, kind).length, expected.length, `one ${service} span per request`);
    for (const want of expected) {
      const span = spanFor(spans, service, kind, want.path)!;
      assert.equal(span.attributes['http.request.method'], want.method, `${service} ${want.path}`);
      assert.equal(span.attributes['http.response.status_code'], want.status, `${service} ${want.path}`);
      if (!want.big) assert.equal(span.attributes[CAPTURED], undefined, `${service} ${want.path} was captured whole`);
    }
    const long = spanFor(spans, service, kind, '/long-url/')!;
    assert.ok(LONG_PATH.startsWith(String(long.attributes['url.path'])), 'the part of the URL seen, as sent');
  }
  // curl writes each request in one send: the capture kept its first KiB
  for (const path of ['/cookie-2k', '/headers-8k', '/long-url/']) {
    const client = spanFor(spans, 'curl', SpanKind.CLIENT, path)!;
    assert.equal(client.attributes[CAPTURED], HEAD, `${path}: bytes of the request captured`);
    assert.equal(client.attributes['flowtel.l7.protocol'], 'HTTP');
  }
  assert.equal(await capture.collector.stop(), 0);
});

test('a pipelining client: two small requests in one write, then an 8 KiB header block, then the next request, each on both ends', async (t) => {
  if (skipUnlessLive(t, ['nginx'])) return;
  const nginx = await startNginx({ serverBlock: '    location / { return 200 "ok\\n"; }' });
  t.after(() => nginx.stop());
  const capture = await startCapture(t, [nginx.port]);

  // a raw socket: writes the pipelined pair at once, the big request, then waits for the three
  // responses before the last request
  const script = `
const net = require('node:net');
const req = (path, extra = '') => 'GET ' + path + ' HTTP/1.1\\r\\nHost: pipelined\\r\\n' + extra + '\\r\\n';
const big = Array.from({ length: 4 }, (_, i) => 'X-Big-' + i + ': ' + 'z'.repeat(2048) + '\\r\\n').join('');
const s = net.connect(${nginx.port}, '127.0.0.1', () => {
  s.write(req('/pipe-1') + req('/pipe-2'));
  s.write(req('/pipe-big', big));
});
let seen = '';
let sentLast = false;
s.on('data', (d) => {
  seen += d;
  const answers = seen.split('HTTP/1.1 ').length - 1;
  if (answers === 3 && !sentLast) { sentLast = true; s.write(req('/pipe-after', 'Connection: close\\r\\n')); }
});
s.on('end', () => { process.stdout.write(String(seen.split('HTTP/1.1 200').length - 1)); });
`;
  const client = await runClient(process.execPath, ['-e', script]);
  assert.equal(client.code, 0, client.stderr);
  assert.equal(client.stdout.toString(), '4', 'nginx answered all four');

  const paths = ['/pipe-1', '/pipe-2', '/pipe-big', '/pipe-after'];
  const spans = await capture.waitForSpans(
    'four client and four server spans',
    (all) =>
      paths.every((p) => spanFor(all, 'nginx', SpanKind.SERVER, p) && spanFor(all, 'node', SpanKind.CLIENT, p)) && all,
  );
  for (const [service, kind] of [
    ['nginx', SpanKind.SERVER],
    ['node', SpanKind.CLIENT],
  ] as const) {
    for (const path of paths) {
      const span = spanFor(spans, service, kind, path)!;
      assert.equal(span.attributes['url.path'], path);
      assert.equal(span.attributes['http.request.method'], 'GET');
      assert.equal(span.attributes['http.response.status_code'], 200, `${service} ${path}`);
    }
  }
  assert.equal(spanFor(spans, 'node', SpanKind.CLIENT, '/pipe-big')!.attributes[CAPTURED], HEAD);
  assert.equal(await capture.collector.stop(), 0);
});
