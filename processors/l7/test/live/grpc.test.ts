// HTTP/2 and gRPC on live traffic: a Node http2 server (in its own process) answering gRPC
// calls from a @grpc/grpc-js client and plain HTTP/2 requests from a node http2 client.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { freePort, waitForPort } from '@flowtel/testkit';
import { SpanKind, runClient, skipUnlessLive, spansOf, startCapture, type LiveSpan } from './capture.ts';

/** gRPC by hand on node:http2: SayHello answers, Fail ends with grpc-status 5; other paths are plain HTTP/2. */
const SERVER = `
const http2 = require('node:http2');
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  stream.resume();
  stream.on('end', () => {
    if (!String(headers['content-type']).startsWith('application/grpc')) {
      stream.respond({ ':status': path === '/missing' ? 404 : 200, 'content-type': 'text/plain' });
      return stream.end('plain');
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(path.endsWith('/Fail') ? { 'grpc-status': '5', 'grpc-message': 'no such greeting' } : { 'grpc-status': '0' }));
    if (path.endsWith('/Fail')) return stream.end();
    const message = Buffer.from('hi');
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    stream.end(frame);
  });
});
server.listen(Number(process.argv[1]), '127.0.0.1');`;

/** The start of a client script: a generic gRPC client of these unary methods, to the port in argv. */
const greeterClient = (methods: string[]) => `
const grpc = require('@grpc/grpc-js');
const port = process.argv[1];
const same = (b) => b;
const method = (name) => ({ path: '/flowtel.live.Greeter/' + name, requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same });
const Greeter = grpc.makeGenericClientConstructor({ ${methods.map((m) => `${m}: method('${m}')`).join(', ')} }, 'Greeter');
const client = new Greeter('127.0.0.1:' + port, grpc.credentials.createInsecure());`;

/** SERVER in its own process, a collector capturing its port, then the client script run against it. */
async function callWhileCapturing(t: TestContext, clientScript: string) {
  const port = await freePort();
  const server = spawn(process.execPath, ['-e', SERVER, String(port)], { stdio: 'ignore' });
  t.after(() => server.kill());
  await waitForPort(port);
  const capture = await startCapture(t, [port]);
  const client = await runClient(process.execPath, ['-e', clientScript, String(port)]);
  return { capture, output: client.stdout.toString().trim(), stderr: client.stderr };
}

/** Two unary gRPC calls on one channel, then two plain HTTP/2 GETs on one session. */
const CLIENT = `${greeterClient(['SayHello', 'Fail'])}
const http2 = require('node:http2');
client.SayHello(Buffer.from('ada'), (err, reply) => {
  if (err) throw err;
  client.Fail(Buffer.from('bob'), (failed) => {
    client.close();
    const session = http2.connect('http://127.0.0.1:' + port);
    let done = 0;
    for (const path of ['/index.html', '/missing']) {
      const req = session.request({ ':path': path });
      req.resume();
      req.on('end', () => { if (++done === 2) { session.close(); console.log(String(reply.subarray(0)) + ' ' + failed.code); } });
    }
  });
});`;

test('gRPC and HTTP/2: service, method and grpc-status, method/path/status, on both ends and linked', async (t) => {
  if (skipUnlessLive(t, [])) return;
  const { capture, output, stderr } = await callWhileCapturing(t, CLIENT);
  assert.equal(output, 'hi 5', stderr);

  const bothEnds = (all: LiveSpan[]) => all.filter((s) => s.service === 'node');
  const spans = await capture.waitForSpans('four client and four server spans', (all) => {
    const node = bothEnds(all);
    return node.filter((s) => s.kind === SpanKind.CLIENT).length >= 4 &&
      node.filter((s) => s.kind === SpanKind.SERVER).length >= 4
      ? all
      : undefined;
  });
  for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
    const side = spansOf(spans, 'node', kind);
    const hello = side.find((s) => s.attributes['rpc.method'] === 'SayHello');
    assert.ok(hello, 'the SayHello call');
    assert.equal(hello.name, 'flowtel.live.Greeter/SayHello');
    assert.equal(hello.attributes['rpc.system'], 'grpc');
    assert.equal(hello.attributes['rpc.service'], 'flowtel.live.Greeter');
    assert.equal(hello.attributes['rpc.grpc.status_code'], 0);
    const fail = side.find((s) => s.attributes['rpc.method'] === 'Fail');
    assert.ok(fail, 'the Fail call');
    assert.equal(fail.attributes['rpc.grpc.status_code'], 5);
    // NOT_FOUND is the caller's error: an error on the client span only, as the conventions say
    assert.equal(fail.status.code, kind === SpanKind.CLIENT ? 2 : undefined);
    for (const [path, status] of [
      ['/index.html', 200],
      ['/missing', 404],
    ] as const) {
      const plain = side.find((s) => s.attributes['url.path'] === path);
      assert.ok(plain, `the HTTP/2 GET ${path}`);
      assert.equal(plain.name, `GET ${path}`);
      assert.equal(plain.attributes['http.request.method'], 'GET');
      assert.equal(plain.attributes['http.response.status_code'], status);
      assert.equal(plain.attributes['rpc.system'], undefined);
    }
  }
  for (const server of spansOf(spans, 'node', SpanKind.SERVER)) {
    const caller = spans.find((s) => s.spanId === server.parentSpanId);
    assert.ok(caller, `the server span ${server.name} has the client's as parent`);
    assert.equal(caller.name, server.name);
    assert.equal(caller.kind, SpanKind.CLIENT);
  }
  assert.equal(await capture.collector.stop(), 0);
});

/** Unary calls on one channel: small metadata, 8 KiB of metadata, then two more calls. */
const BIG_METADATA_CLIENT = `${greeterClient(['SayHello', 'SayBig', 'SayAfter', 'Fail'])}
const meta = (size) => { const m = new grpc.Metadata(); m.set('x-tenant', 'acme'); if (size) m.set('x-baggage', 'b'.repeat(size)); return m; };
client.SayHello(Buffer.from('a'), meta(0), (e1) => {
  client.SayBig(Buffer.from('b'), meta(8192), (e2) => {
    client.SayAfter(Buffer.from('c'), meta(0), (e3) => {
      client.Fail(Buffer.from('d'), meta(0), (e4) => {
        client.close();
        console.log([e1, e2, e3].map((e) => (e ? e.code : 0)).join(',') + ',' + e4.code);
      });
    });
  });
});`;

test('gRPC with 8 KiB of metadata: the call read from the head of its HEADERS on both ends, the calls after it keep service, method and status', async (t) => {
  if (skipUnlessLive(t, [])) return;
  const { capture, output, stderr } = await callWhileCapturing(t, BIG_METADATA_CLIENT);
  assert.equal(output, '0,0,0,5', stderr);

  const methods = ['SayHello', 'SayBig', 'SayAfter', 'Fail'];
  const has = (all: LiveSpan[], kind: number) =>
    methods.every((m) => spansOf(all, 'node', kind).some((s) => s.attributes['rpc.method'] === m));
  const spans = await capture.waitForSpans(
    'the four calls on both ends',
    (all) => has(all, SpanKind.CLIENT) && has(all, SpanKind.SERVER) && all,
  );
  for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
    const call = (m: string) => spansOf(spans, 'node', kind).find((s) => s.attributes['rpc.method'] === m)!;
    for (const m of methods) {
      assert.equal(call(m).attributes['rpc.system'], 'grpc', `${kind} ${m}`);
      assert.equal(call(m).attributes['rpc.service'], 'flowtel.live.Greeter');
      assert.equal(call(m).attributes['rpc.grpc.status_code'], m === 'Fail' ? 5 : 0, `${kind} ${m}`);
    }
    assert.ok(
      Number(call('SayBig').attributes['flowtel.l7.request.captured_bytes']) > 0,
      `${kind}: SayBig read from its head`,
    );
    assert.equal(call('SayHello').attributes['flowtel.l7.request.captured_bytes'], undefined);
    // the client's HPACK insertions in the lost bytes are unknown: later calls say their fields may be missing
    assert.equal(call('SayAfter').attributes['flowtel.l7.request.partial'], true);
    assert.equal(call('SayHello').attributes['flowtel.l7.request.partial'], undefined);
  }
  assert.equal(await capture.collector.stop(), 0);
});
