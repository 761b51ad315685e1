import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { http2 as parser } from '../src/protocols/http2.ts';
import { HpackDecoder, huffmanDecode } from '../src/protocols/hpack.ts';
import { Correlator } from '../src/correlate.ts';
import type { ConnectionInfo, L7Record } from '../src/record.ts';
import { Session, type SessionCounters } from '../src/session.ts';
import { feed, feedHeads, hex, pieces } from './helpers.ts';
import { tapProxy } from './tap-proxy.ts';

test('hpack: RFC 7541 C.4 requests with Huffman coding and the dynamic table', () => {
  const decoder = new HpackDecoder();
  assert.deepEqual(decoder.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff')), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ]);
  assert.deepEqual(decoder.decode(hex('8286 84be 5886 a8eb 1064 9cbf')), [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ]);
  assert.deepEqual(decoder.decode(hex('8287 85bf 400a 6375 7374 6f6d 2d6b 6579 8925 a849 e95b b8e8 b4bf')), [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ]);
  assert.throws(() => huffmanDecode(hex('ff ff ff ff')), /EOS|padding|invalid/);
  assert.throws(() => new HpackDecoder().decode(hex('3fe1ffffff0f')), /dynamic table size|overflow/);
});

async function withTap<T>(targetPort: number, run: (port: number) => Promise<T>) {
  const tap = await tapProxy(targetPort);
  try {
    await run(tap.port);
  } finally {
    await tap.close();
  }
  return tap.chunks;
}

test('http2: node http2 client and server through a tap: requests, responses, HPACK state across streams', async () => {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const notFound = headers[':path']!.startsWith('/missing');
    stream.respond({ ':status': notFound ? 404 : 200, 'content-type': 'text/plain' });
    stream.end('x'.repeat(notFound ? 3 : 40_000));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const chunks = await withTap((server.address() as AddressInfo).port, async (port) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const get = (path: string, extra: Record<string, string> = {}) =>
      new Promise<void>((resolve, reject) => {
        const req = client.request({
          ':path': path,
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          ...extra,
        });
        req.on('error', reject);
        req.resume();
        req.on('end', () => resolve());
        req.end();
      });
    await get('/hello?x=1');
    await get('/missing/thing');
    await get('/hello?x=2');
    client.close();
  });
  server.close();
  const out = feed(parser, parser.createState(), chunks);
  const requests = out.filter((m) => m.kind === 'request');
  const responses = out.filter((m) => m.kind === 'response');
  assert.deepEqual(
    requests.map((m) => [m.protocol, m.request_type, m.request_resource]),
    [
      ['HTTP2', 'GET', '/hello?x=1'],
      ['HTTP2', 'GET', '/missing/thing'],
      ['HTTP2', 'GET', '/hello?x=2'],
    ],
  );
  assert.equal(requests[0].attributes['url.path'], '/hello');
  assert.equal(requests[0].attributes['server.address'], '127.0.0.1');
  assert.equal(requests[2].trace_context?.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.deepEqual(
    responses.map((m) => [m.response_code, m.response_status, m.pair_key]),
    [
      [200, 'ok', requests[0].pair_key],
      [404, 'client_error', requests[1].pair_key],
      [200, 'ok', requests[2].pair_key],
    ],
  );
  // Same bytes, cut into 7-byte pieces: reassembly gives the same result.
  const split = feed(
    parser,
    parser.createState(),
    chunks.flatMap(([d, c]) => pieces(c, 7).map((p) => [d, p] as [typeof d, Uint8Array])),
  );
  assert.deepEqual(
    split.map((m) => m.request_resource ?? m.response_code),
    out.map((m) => m.request_resource ?? m.response_code),
  );
});

const echoService: grpc.ServiceDefinition = {
  say: {
    path: '/demo.v1.Echo/Say',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
    originalName: 'say',
  },
};

test('grpc: grpc-js unary calls through a tap: service, method, grpc-status', async () => {
  const server = new grpc.Server();
  server.addService(echoService, {
    say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      if (call.request.toString() === 'fail') callback({ code: grpc.status.NOT_FOUND, details: 'no such greeting' });
      else if (call.request.toString() === 'crash') callback({ code: grpc.status.INTERNAL, details: 'boom' });
      else callback(null, call.request);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const chunks = await withTap(port, async (tapPort) => {
    const Client = grpc.makeGenericClientConstructor(echoService, 'Echo');
    const client = new Client(`127.0.0.1:${tapPort}`, grpc.credentials.createInsecure());
    const call = (text: string) => new Promise<void>((resolve) => client.say(Buffer.from(text), () => resolve()));
    await call('hello');
    await call('fail');
    await call('crash');
    client.close();
  });
  server.forceShutdown();
  const out = feed(parser, parser.createState(), chunks);
  const requests = out.filter((m) => m.kind === 'request');
  const responses = out.filter((m) => m.kind === 'response');
  assert.equal(requests.length, 3);
  for (const r of requests) {
    assert.equal(r.protocol, 'gRPC');
    assert.equal(r.request_resource, '/demo.v1.Echo/Say');
    assert.equal(r.attributes['rpc.system'], 'grpc');
    assert.equal(r.attributes['rpc.service'], 'demo.v1.Echo');
    assert.equal(r.attributes['rpc.method'], 'Say');
  }
  assert.deepEqual(
    responses.map((m) => [m.response_code, m.response_status, m.attributes['rpc.grpc.status_code']]),
    [
      [0, 'ok', 0],
      [5, 'client_error', 5],
      [13, 'server_error', 13],
    ],
  );
  assert.equal(responses[1].response_exception, 'no such greeting');

  // the internal metrics count them as gRPC, not as the HTTP/2 they ride on
  const counters: SessionCounters = { pendingOverflow: 0, parseErrors: 0, messages: new Map() };
  const conn: ConnectionInfo = {
    pid: 1,
    comm: 'grpc',
    role: 'client',
    l4: 'tcp',
    localAddr: '127.0.0.1',
    localPort: 40000,
    remoteAddr: '127.0.0.1',
    remotePort: 50051,
    source: 'test',
    flow: '127.0.0.1:40000>127.0.0.1:50051',
    tls: false,
  };
  const correlation = new Correlator({ syscall: false, request_id: false });
  const session = new Session(
    conn,
    parser,
    parser.createState(),
    correlation,
    { maxPending: 16, maxFailures: 8 },
    counters,
  );
  const records: L7Record[] = [];
  chunks.forEach(([direction, chunk], i) => session.feed(chunk, direction, BigInt(i), 1, records));
  assert.equal(records.length, 3);
  assert.deepEqual(counters.messages.get('gRPC'), { whole: 6, truncated: 0, unparseable: 0 });
  assert.deepEqual(counters.messages.get('HTTP2') ?? { whole: 0, truncated: 0, unparseable: 0 }, {
    whole: 0,
    truncated: 0,
    unparseable: 0,
  });
});

test('http2: a corrupt header block is dropped, an oversized header frame is an error', () => {
  const state = parser.createState();
  const corrupt = parser.parse(
    hex('505249202a20485454502f322e300d0a0d0a534d0d0a0d0a 000004 01 05 00000001 ffffffff'),
    'toServer',
    state,
  );
  assert.deepEqual(corrupt, []);
  const oversized = parser.parse(hex('ffffff 09 00 00000001'), 'toServer', state);
  assert.ok(!Array.isArray(oversized) && oversized.kind === 'error');
});

const streamService: grpc.ServiceDefinition = {
  watch: {
    path: '/demo.v1.Feed/Watch',
    requestStream: false,
    responseStream: true,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
    originalName: 'watch',
  },
};

test('grpc: a server stream is one request and one response, ended by the trailers; a cancelled call by RST_STREAM', async () => {
  const server = new grpc.Server();
  server.addService(streamService, {
    watch: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      if (call.request.toString() === 'forever') return; // never ends: the client cancels
      for (let i = 0; i < 5; i++) call.write(Buffer.from(`event ${i}`));
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const chunks = await withTap(port, async (tapPort) => {
    const Client = grpc.makeGenericClientConstructor(streamService, 'Feed');
    const client = new Client(`127.0.0.1:${tapPort}`, grpc.credentials.createInsecure());
    const events = await new Promise<number>((resolve, reject) => {
      let n = 0;
      const call = client.watch(Buffer.from('five'));
      call.on('data', () => n++);
      call.on('end', () => resolve(n));
      call.on('error', reject);
    });
    assert.equal(events, 5);
    await new Promise<void>((resolve) => {
      const call = client.watch(Buffer.from('forever'));
      call.on('error', () => resolve());
      setTimeout(() => call.cancel(), 50);
    });
    await new Promise((r) => setTimeout(r, 50));
    client.close();
  });
  server.forceShutdown();
  const out = feed(parser, parser.createState(), chunks);
  assert.deepEqual(
    out.map((m) => [m.kind, m.protocol, m.request_resource, m.response_code, m.response_status]),
    [
      ['request', 'gRPC', '/demo.v1.Feed/Watch', undefined, undefined],
      ['response', 'gRPC', undefined, 0, 'ok'],
      ['request', 'gRPC', '/demo.v1.Feed/Watch', undefined, undefined],
      ['response', 'gRPC', undefined, undefined, 'client_error'],
    ],
  );
  assert.equal(out[1].pair_key, out[0].pair_key);
  assert.ok((out[1].size ?? 0) > 5 * 5, 'the streamed messages count in the response size');
  assert.equal(out[3].response_exception, 'RST_STREAM CANCEL');
});

test('hpack: after lost header bytes, entries inserted since decode, older ones are unknown until the table is full or emptied', () => {
  // a literal with incremental indexing (name and value under 127 bytes, no Huffman)
  const literal = (name: string, value: string) =>
    Uint8Array.from([0x40, name.length, ...Buffer.from(name), value.length, ...Buffer.from(value)]);
  const decoder = new HpackDecoder();
  decoder.decode(literal('custom-key', 'custom-header'));
  decoder.lostSync();
  assert.equal(decoder.partial, true);
  // a new literal (inserted: index 62), then a reference to it and one to what came before the loss
  const fields = decoder.decode(Uint8Array.from([...literal('new', 'v'), 0xbe, 0xbf, 0x82]));
  assert.deepEqual(fields, [
    ['new', 'v'],
    ['new', 'v'],
    ['', ''],
    [':method', 'GET'],
  ]);
  assert.equal(decoder.unknownReferences, 1);
  assert.equal(decoder.partial, true);
  decoder.decode(hex('20')); // the encoder empties its table: nothing unknown can be referenced
  assert.equal(decoder.partial, false);
  const filling = new HpackDecoder();
  filling.lostSync();
  // 4 entries of 1,000 + 32 bytes: with the default 4,096-byte table nothing older fits beside them
  // value length 997 as an HPACK integer with a 7-bit prefix: 127, then 870 in 7-bit groups
  const entry = (i: number) =>
    Uint8Array.from([
      0x40,
      3,
      ...Buffer.from(`k-${i}`),
      0x7f,
      0x80 | (870 & 0x7f),
      870 >> 7,
      ...Buffer.alloc(997, 0x61),
    ]);
  for (let i = 0; i < 3; i++) filling.decode(entry(i));
  assert.equal(filling.partial, true);
  filling.decode(entry(3));
  assert.equal(filling.partial, false);
});

test('http2: a request whose header block outgrew the capture head is read from it; later requests keep :method and :path, marked partial', async () => {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const chunks = await withTap((server.address() as AddressInfo).port, async (port) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const get = (path: string, extra: Record<string, string> = {}) =>
      new Promise<void>((resolve, reject) => {
        const req = client.request({ ':path': path, 'x-tenant': 'acme-corp', ...extra });
        req.on('error', reject);
        req.resume();
        req.on('end', () => resolve());
        req.end();
      });
    await get('/first');
    await get('/big', { 'x-big': 'b'.repeat(8192) });
    await get('/after-1');
    await get('/after-2');
    client.close();
  });
  server.close();
  const out = feedHeads(parser, parser.createState({ captureHeaders: ['x-tenant'] }), 1024, chunks);
  const requests = out.filter((m) => m.kind === 'request');
  assert.deepEqual(
    requests.map((m) => [m.request_type, m.request_resource]),
    [
      ['GET', '/first'],
      ['GET', '/big'],
      ['GET', '/after-1'],
      ['GET', '/after-2'],
    ],
  );
  assert.deepEqual(
    out.filter((m) => m.kind === 'response').map((m) => m.response_code),
    [200, 200, 200, 200],
  );
  const [first, big, after1, after2] = requests;
  assert.equal(first.attributes['http.request.header.x-tenant'], 'acme-corp');
  assert.equal(first.attributes['flowtel.l7.request.partial'], undefined);
  assert.equal(big.attributes['flowtel.l7.request.captured_bytes'], big.captured);
  assert.ok(
    big.captured! < big.size && big.size > 4096,
    `read from the head of its HEADERS frame: ${big.captured} of ${big.size}`,
  );
  for (const after of [after1, after2]) {
    // x-tenant was in the table the lost bytes may have changed: unknown now, and said so
    assert.equal(after.attributes['http.request.header.x-tenant'], undefined);
    assert.equal(after.attributes['flowtel.l7.request.partial'], true);
    assert.equal(after.attributes['http.request.method'], 'GET');
  }
});

test('hpack: a :path literal the capture cut gives the part of it held (plain and Huffman), other cut values nothing', () => {
  // :method GET, then :path as a literal without indexing (name index 4), cut inside its value
  const huffmanPath = hex('82 04 8c f1e3c2e5f23a6ba0ab90f4ff');
  const cutHuffman = new HpackDecoder().decode(huffmanPath.subarray(0, 3 + 6), true);
  assert.deepEqual(cutHuffman[0], [':method', 'GET']);
  assert.equal(cutHuffman[1][0], ':path');
  assert.equal(cutHuffman[1][1], 'www.exa', 'the symbols whole in the 6 bytes held');
  const plain = Uint8Array.from([0x82, 0x04, 20, ...Buffer.from('/orders/12345/items?')]);
  assert.deepEqual(new HpackDecoder().decode(plain.subarray(0, 3 + 8), true), [
    [':method', 'GET'],
    [':path', '/orders/'],
  ]);
  // a cut value of another field is left out, and a whole block still has to be whole
  const authority = hex('82 01 8c f1e3c2e5f23a6ba0ab90f4ff');
  assert.deepEqual(new HpackDecoder().decode(authority.subarray(0, 9), true), [[':method', 'GET']]);
  assert.throws(() => new HpackDecoder().decode(plain.subarray(0, 11)));
});
