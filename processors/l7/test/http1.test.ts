import { test } from 'node:test';
import assert from 'node:assert/strict';
import { http1 } from '../src/protocols/http1.ts';
import { DEFAULT_SECRET_QUERY_PARAMETERS, REDACTED } from '../src/redact.ts';
import { bytes, feed, feedHeads, pieces } from './helpers.ts';

test('http1: infers requests and responses, rejects other protocols', () => {
  assert.equal(http1.infer(bytes('GET /a HTTP/1.1\r\nHost: x\r\n\r\n'), 'toServer'), true);
  assert.equal(http1.infer(bytes('HTTP/1.1 200 OK\r\n\r\n'), 'toClient'), true);
  assert.equal(http1.infer(bytes('*1\r\n$4\r\nPING\r\n'), 'toServer'), false);
  assert.equal(http1.infer(bytes('GETX / HTTP/1.1\r\n'), 'toServer'), false);
});

test('http1: request and response fields follow DeepFlow and the semantic conventions', () => {
  const state = http1.createState();
  const [req, resp] = feed(http1, state, [
    [
      'toServer',
      bytes(
        'POST /query?1590632942 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 4\r\nTraceparent: 00-abc-def-01\r\n\r\nbody',
      ),
    ],
    ['toClient', bytes('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop')],
  ]);
  assert.equal(req.kind, 'request');
  assert.equal(req.request_type, 'POST');
  assert.equal(req.request_resource, '/query?1590632942');
  assert.equal(req.endpoint, '/query');
  assert.equal(req.request_domain, 'example.com:8080');
  assert.equal(req.attributes['server.address'], 'example.com');
  assert.equal(req.attributes['server.port'], 8080);
  assert.equal(req.attributes['url.query'], '1590632942');
  assert.equal(req.trace_context?.traceparent, '00-abc-def-01');
  assert.equal(resp.response_code, 404);
  assert.equal(resp.response_status, 'client_error');
  assert.equal(resp.response_exception, 'Not Found');
  assert.equal(resp.attributes['http.response.status_code'], 404);
});

test('http1: on a keep-alive connection each request has its own target, Host and User-Agent, repeated or changed', () => {
  const state = http1.createState();
  const request = (target: string, host: string, agent: string) =>
    bytes(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${agent}\r\n\r\n`);
  const out = feed(http1, state, [
    ['toServer', request('/a?x=1', 'one:80', 'curl/8')],
    ['toServer', request('/a?x=1', 'one:80', 'curl/8')],
    ['toServer', request('/a?x=2', 'two', 'curl/9')],
    ['toServer', request('/b', 'one:81', 'curl/9')],
    ['toClient', bytes('HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n')],
  ]);
  const seen = out
    .filter((m) => m.kind === 'request')
    .map((m) => [
      m.endpoint,
      m.attributes['url.query'],
      m.attributes['server.address'],
      m.attributes['server.port'],
      m.attributes['user_agent.original'],
    ]);
  assert.deepEqual(seen, [
    ['/a', 'x=1', 'one', 80, 'curl/8'],
    ['/a', 'x=1', 'one', 80, 'curl/8'],
    ['/a', 'x=2', 'two', undefined, 'curl/9'],
    ['/b', undefined, 'one', 81, 'curl/9'],
  ]);
  const response = out.find((m) => m.kind === 'response')!;
  assert.equal(
    response.attributes['http.response.body.size'],
    undefined,
    'a Content-Length that is not a number is no length',
  );
});

test('http1: keep-alive and pipelining with bodies split at every byte', () => {
  const requests = bytes(
    'POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\nHEAD /c HTTP/1.1\r\n\r\n' +
      'PUT /d HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  );
  const responses = bytes(
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '4;x=y\r\nGET \r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
  );
  for (const size of [1, 3, 7, 1000]) {
    const state = http1.createState();
    const out = feed(http1, state, [
      ...pieces(requests, size).map((c) => ['toServer', c] as const),
      ...pieces(responses, size).map((c) => ['toClient', c] as const),
    ] as Array<['toServer' | 'toClient', Uint8Array]>);
    assert.deepEqual(
      out.filter((m) => m.kind === 'request').map((m) => `${m.request_type} ${m.request_resource}`),
      ['POST /a', 'GET /b', 'HEAD /c', 'PUT /d'],
      `piece size ${size}`,
    );
    assert.deepEqual(
      out.filter((m) => m.kind === 'response').map((m) => m.response_code),
      [200, 500, 200, 201],
      `piece size ${size}: the HEAD response has no body even with Content-Length, 100 Continue is not a response`,
    );
  }
});

test('http1: a response without length is read until close, a bad status line is an error', () => {
  const state = http1.createState();
  const out = feed(http1, state, [
    ['toServer', bytes('GET / HTTP/1.0\r\n\r\n')],
    ['toClient', bytes('HTTP/1.0 200 OK\r\n\r\n<html>')],
    ['toClient', bytes('more body HTTP/1.1 not a response start')],
  ]);
  assert.equal(out.length, 2);
  const bad = http1.parse(bytes('HTTP/1.1 2000 ???\r\n\r\n'), 'toClient', http1.createState());
  assert.ok(!Array.isArray(bad) && bad.kind === 'error');
});

test('http1: captured secret headers are redacted by default, kept when redaction is off', () => {
  const request = bytes('GET / HTTP/1.1\r\nAuthorization: Bearer s3cret\r\nCookie: sid=1\r\nUser-Agent: curl\r\n\r\n');
  const captureHeaders = ['authorization', 'cookie', 'user-agent'];
  const [redacted] = feed(http1, http1.createState({ captureHeaders }), [['toServer', request]]);
  assert.equal(redacted.attributes['http.request.header.authorization'], REDACTED);
  assert.equal(redacted.attributes['http.request.header.cookie'], REDACTED);
  assert.equal(redacted.attributes['http.request.header.user-agent'], 'curl');
  const [plain] = feed(http1, http1.createState({ captureHeaders, redact: false }), [['toServer', request]]);
  assert.equal(plain.attributes['http.request.header.authorization'], 'Bearer s3cret');
  const [setCookie] = feed(http1, http1.createState({ captureHeaders: ['set-cookie'] }), [
    ['toClient', bytes('HTTP/1.1 204 No Content\r\nSet-Cookie: a=1\r\n\r\n')],
  ]);
  assert.equal(setCookie.attributes['http.response.header.set-cookie'], REDACTED);
});

test('http1: bytes lost inside a skipped body (eBPF keeps only the head of a payload) keep the framing', () => {
  const state = http1.createState();
  const head = bytes(`HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${'b'.repeat(60)}`);
  const out = feed(http1, state, [
    ['toServer', bytes('GET /big HTTP/1.1\r\n\r\n')],
    ['toServer', bytes('GET /next HTTP/1.1\r\n\r\n')],
    ['toClient', head],
  ]);
  http1.gap!(state, 'toClient', 5000 - 60);
  out.push(...feed(http1, state, [['toClient', bytes('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')]]));
  assert.deepEqual(
    out.map((m) => m.request_resource ?? m.response_code),
    ['/big', '/next', 200, 404],
  );
  // A gap where the parser expected a message start: it drops the partial header and resynchronises.
  feed(http1, state, [['toClient', bytes('HTTP/1.1 200 OK\r\nContent-')]]);
  http1.gap!(state, 'toClient', 100);
  const after = feed(http1, state, [['toClient', bytes('HTTP/1.1 204 No Content\r\n\r\n')]]);
  assert.deepEqual(
    after.map((m) => m.response_code),
    [204],
  );
});

test('http1: after 101 Switching Protocols the connection carries another protocol, quietly', () => {
  const state = http1.createState();
  const out = feed(http1, state, [
    ['toServer', bytes('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')],
    ['toClient', bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello')],
    ['toServer', Uint8Array.from([0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ['toClient', bytes('HTTP/1.1 200 looks like http but is websocket payload\r\n\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_resource ?? m.response_code),
    ['/ws', 101],
  );
});

// What eBPF keeps of each syscall by default: the first 1 KiB.
const HEAD = 1024;
const CAPTURED = 'flowtel.l7.request.captured_bytes';

test('http1: a request whose header block outgrew the captured head is read from the head, and the connection stays in step', () => {
  const state = http1.createState({ captureHeaders: ['user-agent', 'x-tail'] });
  const cookie = `Cookie: session=${'c'.repeat(2048)}\r\n`;
  const big = bytes(
    `GET /bigheader?x=1 HTTP/1.1\r\nHost: shop.local:8080\r\nUser-Agent: curl/8.5.0\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n${cookie}X-Tail: after-the-cut\r\n\r\n`,
  );
  const out = feedHeads(http1, state, HEAD, [
    ['toServer', bytes('GET /small HTTP/1.1\r\nHost: shop.local:8080\r\n\r\n')],
    ['toClient', bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')],
    ['toServer', big],
    ['toClient', bytes('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')],
    ['toServer', bytes('GET /next HTTP/1.1\r\nHost: shop.local:8080\r\n\r\n')],
    ['toClient', bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_resource ?? m.response_code),
    ['/small', 200, '/bigheader?x=1', 404, '/next', 200],
  );
  const cut = out[2];
  assert.equal(cut.request_type, 'GET');
  assert.equal(cut.endpoint, '/bigheader');
  assert.equal(cut.attributes['url.query'], 'x=1');
  assert.equal(cut.attributes['network.protocol.version'], '1.1');
  assert.equal(cut.attributes['server.address'], 'shop.local');
  assert.equal(cut.attributes['http.request.header.user-agent'], 'curl/8.5.0', 'a header before the cut is kept');
  assert.equal(cut.attributes['http.request.header.x-tail'], undefined, 'a header after the cut was never seen');
  assert.equal(cut.trace_context?.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.equal(cut.captured, HEAD);
  assert.equal(cut.attributes[CAPTURED], HEAD);
  assert.equal(cut.size, big.length, 'the syscall byte count gives the whole length');
  for (const whole of [out[0], out[4]]) {
    assert.equal(whole.captured, undefined);
    assert.equal(whole.attributes[CAPTURED], undefined);
  }
});

test('http1: a header cut inside its value is left out, and a cut secret header is still redacted', () => {
  const token = `Bearer ${'t'.repeat(3000)}`;
  const request = bytes(
    `GET /auth HTTP/1.1\r\nHost: a\r\nUser-Agent: ${'u'.repeat(900)}\r\nAuthorization: ${token}\r\n\r\n`,
  );
  const cutAt = Buffer.from(request).indexOf('Bearer ') + 20; // inside the token
  for (const redact of [true, false]) {
    const state = http1.createState({ redact, captureHeaders: ['authorization', 'user-agent'] });
    const out = feedHeads(http1, state, cutAt, [
      ['toServer', request],
      ['toClient', bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
    ]);
    assert.equal(out.length, 2);
    const [req] = out;
    assert.equal(req.attributes['http.request.header.user-agent'], 'u'.repeat(900));
    // redaction on: shown redacted whatever the cut left of it; off: a partial value would be a lie
    assert.equal(req.attributes['http.request.header.authorization'], redact ? REDACTED : undefined);
    assert.ok(!JSON.stringify(req).includes('tttttttttt'), 'no part of the token is kept');
    assert.equal(req.captured, cutAt);
  }
});

test('http1: a request line cut inside a long URL gives the method and the part of the target seen', () => {
  const url = `/search?q=${'x'.repeat(4096)}`;
  const request = bytes(`GET ${url} HTTP/1.1\r\nHost: a\r\n\r\n`);
  const state = http1.createState();
  const out = feedHeads(http1, state, HEAD, [
    ['toServer', request],
    ['toClient', bytes('HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\n\r\n')],
    ['toServer', bytes('GET /after HTTP/1.1\r\n\r\n')],
    ['toClient', bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_type ?? m.response_code),
    ['GET', 414, 'GET', 200],
  );
  const [cut] = out;
  assert.equal(cut.endpoint, '/search');
  assert.equal(cut.request_resource, url.slice(0, HEAD - 4));
  assert.equal(cut.attributes['network.protocol.version'], undefined, 'the version was past the cut');
  assert.equal(cut.captured, HEAD);
  assert.equal(cut.size, request.length);
  assert.equal(out[2].request_resource, '/after');
});

test('http1: a large body past the head is skipped by its length; a response whose headers were cut is read from its head', () => {
  const json = JSON.stringify({ items: Array.from({ length: 800 }, (_, i) => ({ id: i, name: `item-${i}` })) });
  assert.ok(json.length > 16 * 1024);
  const state = http1.createState();
  const setCookie = `Set-Cookie: s=${'v'.repeat(3000)}\r\n`;
  const out = feedHeads(http1, state, HEAD, [
    [
      'toServer',
      bytes(
        `POST /orders HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
      ),
    ],
    ['toClient', bytes(`HTTP/1.1 201 Created\r\n${setCookie}Content-Length: 2\r\n\r\nok`)],
    ['toServer', bytes('GET /after HTTP/1.1\r\n\r\n')],
    ['toClient', bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_resource ?? m.response_code),
    ['/orders', 201, '/after', 200],
  );
  assert.equal(out[0].captured, undefined, 'the header block was whole: the body is never read anyway');
  assert.equal(out[0].attributes['http.request.body.size'], json.length);
  assert.equal(out[1].captured, HEAD);
  assert.equal(out[1].attributes['flowtel.l7.response.captured_bytes'], HEAD);
  assert.equal(out[1].response_status, 'ok');
});

test('http1: a gap that cuts the framing of a chunked body resynchronises at the next message', () => {
  const state = http1.createState();
  const chunks = Array.from({ length: 40 }, () => `40\r\n${'d'.repeat(64)}\r\n`).join('');
  const out = feedHeads(http1, state, HEAD, [
    ['toServer', bytes('GET /stream HTTP/1.1\r\n\r\n')],
    ['toClient', bytes(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`)],
    ['toClient', bytes(`${chunks}0\r\n\r\n`)],
    ['toServer', bytes('GET /after HTTP/1.1\r\n\r\n')],
    ['toClient', bytes('HTTP/1.1 304 Not Modified\r\n\r\n')],
  ]);
  assert.deepEqual(
    out.map((m) => m.request_resource ?? m.response_code),
    ['/stream', 200, '/after', 304],
  );
});

test('http1: secret query values are redacted wherever the target is kept, configured names too', () => {
  const request = 'GET /login?password=hunter2&user=bob&My_Token=t0k&key=k3y HTTP/1.1\r\nHost: x\r\n\r\n';
  const [req] = feed(http1, http1.createState(), [['toServer', bytes(request)]]);
  assert.equal(req.request_resource, '/login?password=REDACTED&user=bob&My_Token=t0k&key=REDACTED');
  assert.equal(req.attributes['url.query'], 'password=REDACTED&user=bob&My_Token=t0k&key=REDACTED');
  assert.equal(req.attributes['url.path'], '/login');
  const configured = new Set([...DEFAULT_SECRET_QUERY_PARAMETERS, 'my_token']);
  const [mine] = feed(http1, http1.createState({ secretQueryParameters: configured }), [['toServer', bytes(request)]]);
  assert.equal(mine.request_resource, '/login?password=REDACTED&user=bob&My_Token=REDACTED&key=REDACTED');
  const [plain] = feed(http1, http1.createState({ redact: false }), [['toServer', bytes(request)]]);
  assert.equal(plain.request_resource, '/login?password=hunter2&user=bob&My_Token=t0k&key=k3y');
});
