// TLS on live traffic: the ebpf receiver's uprobes on OpenSSL hand the l7 processor the
// plaintext of HTTPS connections, which become spans like plain HTTP's, marked as TLS. Real
// peers: nginx (libssl), curl (libssl through libcurl), Node.js (OpenSSL linked into node),
// Python's ssl module (libssl) and stunnel (libssl), with a certificate made by openssl.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, makeTestCerts, startNginx, waitForPort, type TestCerts } from '@flowtel/testkit';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

interface Expected {
  method: string;
  path: string;
  status: number;
}

/** One span per request on this side, each with its path, status and the TLS marks. */
function assertTlsSpans(spans: LiveSpan[], service: string, kind: number, expected: Expected[], port: number): void {
  const side = spansOf(spans, service, kind);
  assert.equal(side.length, expected.length, `one ${service} span per request, kind ${kind}`);
  for (const want of expected) {
    const span = side.find((s) => s.attributes['url.path'] === want.path);
    assert.ok(span, `a ${service} span for ${want.path}`);
    assert.equal(span.name, `${want.method} ${want.path}`);
    assert.equal(span.attributes['http.response.status_code'], want.status);
    assert.equal(span.attributes['server.port'], port);
    assert.equal(span.attributes['url.scheme'], 'https');
    assert.equal(span.attributes['tls.established'], true);
  }
}

function certs(): TestCerts {
  const made = makeTestCerts();
  assert.ok(made, 'openssl makes the certificates');
  return made;
}

async function httpsNginx(t: { after(fn: () => unknown): void }, pki: TestCerts) {
  const nginx = await startNginx({
    files: { 'index.html': '<html>flowtel over TLS</html>\n' },
    serverBlock: '    location = /submit { return 201 "created\\n"; }',
    tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile },
  });
  t.after(() => nginx.stop());
  return nginx;
}

test('nginx over HTTPS and curl: both ends in plaintext, path and status of each request', async (t) => {
  if (skipUnlessLive(t, ['nginx', 'curl', 'openssl'])) return;
  const pki = certs();
  const nginx = await httpsNginx(t, pki);
  const capture = await startCapture(t, [nginx.port]);
  const base = `https://127.0.0.1:${nginx.port}`;
  const gets = await runClient('curl', [
    '-sS',
    '--http1.1',
    '--cacert',
    pki.caFile,
    '-o',
    '/dev/null',
    `${base}/index.html?lang=en`,
    `${base}/missing.html`,
  ]);
  assert.equal(gets.code, 0, gets.stderr);
  const post = await runClient('curl', [
    '-sS',
    '--http1.1',
    '--cacert',
    pki.caFile,
    '-o',
    '/dev/null',
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
  const spans = await capture.waitForSpans('three spans on each end', (all) => {
    return (
      spansOf(all, 'nginx', SpanKind.SERVER).length >= 3 && spansOf(all, 'curl', SpanKind.CLIENT).length >= 3 && all
    );
  });
  assertTlsSpans(spans, 'nginx', SpanKind.SERVER, expected, nginx.port);
  assertTlsSpans(spans, 'curl', SpanKind.CLIENT, expected, nginx.port);
  const server = spansOf(spans, 'nginx', SpanKind.SERVER).find((s) => s.attributes['url.path'] === '/index.html')!;
  assert.equal(server.attributes['url.query'], 'lang=en');
  // curl's span is the parent of nginx's: the two ends of one TLS connection are one flow
  const client = spans.find((s) => s.spanId === server.parentSpanId);
  assert.equal(client?.service, 'curl');
  assert.equal(await capture.collector.stop(), 0);
});

test('Node.js https server and client (OpenSSL linked into node, memory BIOs): both ends in plaintext', async (t) => {
  if (skipUnlessLive(t, ['openssl'])) return;
  const pki = certs();
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs');
require('node:https')
  .createServer({ cert: fs.readFileSync(${JSON.stringify(pki.serverCertFile)}), key: fs.readFileSync(${JSON.stringify(pki.serverKeyFile)}) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/hello') res.end('hello over tls\\n');
      else if (req.url === '/submit') { res.statusCode = 201; res.end('created\\n'); }
      else { res.statusCode = 404; res.end('no\\n'); }
    });
  })
  .listen(${port}, '127.0.0.1', () => console.log('listening'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => server.kill());
  await new Promise((resolve) => server.stdout!.once('data', resolve));
  const capture = await startCapture(t, [port]);
  // one kept-alive connection for the three requests, in turn
  const client = await runClient(process.execPath, [
    '-e',
    `const https = require('node:https');
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: require('node:fs').readFileSync(${JSON.stringify(pki.caFile)}) });
const call = (method, path, body) => new Promise((resolve, reject) => {
  const req = https.request({ host: '127.0.0.1', port: ${port}, method, path, agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
  req.on('error', reject);
  req.end(body);
});
(async () => {
  const codes = [await call('GET', '/hello'), await call('GET', '/missing'), await call('POST', '/submit', 'name=flowtel')];
  console.log(codes.join(','));
  agent.destroy();
})();`,
  ]);
  assert.equal(client.code, 0, client.stderr);
  assert.equal(client.stdout.toString().trim(), '200,404,201');

  const expected = [
    { method: 'GET', path: '/hello', status: 200 },
    { method: 'GET', path: '/missing', status: 404 },
    { method: 'POST', path: '/submit', status: 201 },
  ];
  const spans = await capture.waitForSpans('three spans on each end', (all) => {
    return (
      spansOf(all, 'node', SpanKind.SERVER).length >= 3 && spansOf(all, 'node', SpanKind.CLIENT).length >= 3 && all
    );
  });
  assertTlsSpans(spans, 'node', SpanKind.SERVER, expected, port);
  assertTlsSpans(spans, 'node', SpanKind.CLIENT, expected, port);
  assert.equal(await capture.collector.stop(), 0);
});

test("Python's ssl module (http.client over libssl) against nginx over HTTPS", async (t) => {
  if (skipUnlessLive(t, ['nginx', 'python3', 'openssl'])) return;
  const pki = certs();
  const nginx = await httpsNginx(t, pki);
  const capture = await startCapture(t, [nginx.port]);
  const python = await runClient('python3', [
    '-c',
    `import http.client, ssl
context = ssl.create_default_context(cafile=${JSON.stringify(pki.caFile)})
connection = http.client.HTTPSConnection('127.0.0.1', ${nginx.port}, context=context)
statuses = []
for method, path, body in (('GET', '/index.html', None), ('POST', '/submit', 'name=flowtel')):
    connection.request(method, path, body)
    response = connection.getresponse()
    response.read()
    statuses.append(response.status)
connection.close()
print(statuses)`,
  ]);
  assert.equal(python.code, 0, python.stderr);
  assert.equal(python.stdout.toString().trim(), '[200, 201]');
  const expected = [
    { method: 'GET', path: '/index.html', status: 200 },
    { method: 'POST', path: '/submit', status: 201 },
  ];
  const spans = await capture.waitForSpans('two spans on each end', (all) => {
    const clients = all.filter((s) => s.pid === python.pid && s.kind === SpanKind.CLIENT);
    return spansOf(all, 'nginx', SpanKind.SERVER).length >= 2 && clients.length >= 2 && all;
  });
  assertTlsSpans(spans, 'nginx', SpanKind.SERVER, expected, nginx.port);
  const pythonService = spans.find((s) => s.pid === python.pid)!.service;
  assertTlsSpans(spans, pythonService, SpanKind.CLIENT, expected, nginx.port);
  assert.equal(await capture.collector.stop(), 0);
});

test('stunnel terminating TLS in front of plain nginx: the TLS hop and the plain hop, each parsed', async (t) => {
  if (skipUnlessLive(t, ['nginx', 'curl', 'stunnel4', 'openssl'])) return;
  const pki = certs();
  const nginx = await startNginx({ files: { 'index.html': '<html>behind stunnel</html>\n' } });
  t.after(() => nginx.stop());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-stunnel-'));
  writeFileSync(
    join(dir, 'stunnel.conf'),
    `foreground = yes
pid =
[https]
accept = 127.0.0.1:${port}
connect = 127.0.0.1:${nginx.port}
cert = ${pki.serverCertFile}
key = ${pki.serverKeyFile}
`,
  );
  const stunnel = spawn('stunnel4', [join(dir, 'stunnel.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => stunnel.kill());
  await waitForPort(port);
  const capture = await startCapture(t, [port, nginx.port]);
  const curl = await runClient('curl', [
    '-sS',
    '--cacert',
    pki.caFile,
    '-w',
    '%{http_code}',
    '-o',
    '/dev/null',
    '-o',
    '/dev/null',
    `https://127.0.0.1:${port}/index.html`,
    `https://127.0.0.1:${port}/missing.html`,
  ]);
  assert.equal(curl.code, 0, curl.stderr);
  assert.equal(curl.stdout.toString(), '200404');
  const expected = [
    { method: 'GET', path: '/index.html', status: 200 },
    { method: 'GET', path: '/missing.html', status: 404 },
  ];
  const spans = await capture.waitForSpans("curl's, stunnel's and nginx's spans", (all) => {
    const done =
      spansOf(all, 'curl', SpanKind.CLIENT).length >= 2 &&
      spansOf(all, 'stunnel4', SpanKind.SERVER).length >= 2 &&
      spansOf(all, 'nginx', SpanKind.SERVER).length >= 2;
    return done && all;
  });
  assertTlsSpans(spans, 'curl', SpanKind.CLIENT, expected, port);
  assertTlsSpans(spans, 'stunnel4', SpanKind.SERVER, expected, port);
  // the hop behind stunnel is plain HTTP: parsed from the syscalls, not marked TLS
  const plain = spansOf(spans, 'nginx', SpanKind.SERVER);
  assert.equal(plain.length, 2);
  for (const span of plain) {
    assert.equal(span.attributes['tls.established'], undefined);
    assert.equal(span.attributes['url.scheme'], undefined);
  }
  assert.deepEqual(plain.map((s) => s.attributes['url.path']).sort(), ['/index.html', '/missing.html']);
  assert.equal(await capture.collector.stop(), 0);
});
