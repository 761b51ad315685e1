// Compressed requests as otelcol's receivers take them, made by other people's encoders: over
// HTTP every Content-Encoding confighttp decodes (lz4 from the lz4 tool, x-snappy-framed from
// python-snappy), over gRPC the snappy (framing format) and zstd message encodings that
// otelcol's configgrpc registers, sent as raw HTTP/2 gRPC frames so no gRPC library of ours
// stands between the encoder and the receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { encodeTraces } from '@flowtel/pdata';
import { GrpcCode, codecFor } from '@flowtel/otlp';
import { lz4Tool, codecToolsOr, pythonSnappy, zstdTool } from '@flowtel/testkit';
import { firstSpanNames, sampleTraces, startReceiver } from './helpers.ts';

const PROTO = { 'content-type': 'application/x-protobuf' };

test('HTTP: lz4 (lz4 tool), x-snappy-framed and framed snappy (python-snappy), zlib and zstd (zstd tool) bodies are decoded', async (t) => {
  if (!codecToolsOr(t)) return;
  const r = await startReceiver();
  try {
    const body = encodeTraces(sampleTraces(2));
    const { deflateSync } = await import('node:zlib');
    const bodies: [string, Uint8Array][] = [
      ['lz4', lz4Tool(['-c'], body)],
      ['x-snappy-framed', pythonSnappy('frame', body)],
      ['snappy', pythonSnappy('frame', body)],
      ['snappy', pythonSnappy('block', body)],
      ['zstd', zstdTool(['-c', '-q'], body)],
      ['zlib', deflateSync(body)],
    ];
    for (const [encoding, compressed] of bodies) {
      const res = await fetch(r.url('/v1/traces'), {
        method: 'POST',
        headers: { ...PROTO, 'content-encoding': encoding },
        body: new Uint8Array(compressed),
      });
      assert.equal(res.status, 200, encoding);
    }
    assert.equal(r.consumer.received.length, bodies.length);
    for (const b of r.consumer.received) assert.deepEqual(firstSpanNames(b), ['span-0', 'span-1']);
    const bomb = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { ...PROTO, 'content-encoding': 'lz4' },
      body: new Uint8Array(lz4Tool(['-c'], Buffer.alloc(64 << 20))),
    });
    assert.equal(bomb.status, 413);
  } finally {
    await r.stop();
  }
});

test('HTTP: a body that inflates past max_request_body_size is 413 in every encoding, checked before it is inflated whole', async (t) => {
  if (!codecToolsOr(t)) return;
  const limit = 64 * 1024;
  const r = await startReceiver({ http: { max_request_body_size: limit } });
  try {
    const { deflateSync, gzipSync } = await import('node:zlib');
    const zeros = Buffer.alloc(16 << 20);
    // snappy inflates at most ~21x: 1 MiB of zeros is what fits under the limit on the wire
    const snappyZeros = Buffer.alloc(1 << 20);
    const bombs: [string, string, Uint8Array][] = [
      ['gzip', 'node zlib', gzipSync(zeros)],
      ['deflate', 'node zlib', deflateSync(zeros)],
      ['zlib', 'node zlib', deflateSync(zeros)],
      // a frame whose header declares 16 MiB: refused from the header, nothing inflated
      ['zstd', 'declared size', zstdTool(['-c', '-q', `--stream-size=${zeros.length}`], zeros)],
      // a streamed frame without a declared size: inflated as a stream, stopped at the limit
      ['zstd', 'no declared size', zstdTool(['-c', '-q'], zeros)],
      ['snappy', 'block', pythonSnappy('block', snappyZeros)],
      ['snappy', 'frame', pythonSnappy('frame', snappyZeros)],
      ['x-snappy-framed', 'frame', pythonSnappy('frame', snappyZeros)],
      ['lz4', 'lz4 tool', lz4Tool(['-c'], zeros.subarray(0, 8 << 20))],
    ];
    for (const [encoding, kind, compressed] of bombs) {
      assert.ok(compressed.length < limit, `${encoding} ${kind}: ${compressed.length} bytes on the wire`);
      const res = await fetch(r.url('/v1/traces'), {
        method: 'POST',
        headers: { ...PROTO, 'content-encoding': encoding },
        body: new Uint8Array(compressed),
      });
      assert.equal(res.status, 413, `${encoding} (${kind})`);
    }
    assert.equal(r.consumer.received.length, 0);
  } finally {
    await r.stop();
  }
});

test('HTTP: compression_algorithms limits the Content-Encodings taken ("" is an uncompressed body), as confighttp', async (t) => {
  if (!codecToolsOr(t)) return;
  const body = encodeTraces(sampleTraces(1));
  const send = (url: string, encoding: string | undefined, payload: Uint8Array) =>
    fetch(url, {
      method: 'POST',
      headers: { ...PROTO, ...(encoding ? { 'content-encoding': encoding } : {}) },
      body: new Uint8Array(payload),
    });
  const gzipOnly = await startReceiver({ http: { compression_algorithms: ['gzip'] } });
  try {
    const { gzipSync } = await import('node:zlib');
    assert.equal((await send(gzipOnly.url('/v1/traces'), 'gzip', gzipSync(body))).status, 200);
    const plain = await send(gzipOnly.url('/v1/traces'), undefined, body);
    assert.equal(plain.status, 400);
    assert.equal((await send(gzipOnly.url('/v1/traces'), 'zstd', zstdTool(['-c', '-q'], body))).status, 400);
    assert.equal(gzipOnly.consumer.received.length, 1);
  } finally {
    await gzipOnly.stop();
  }
  const lz4AndPlain = await startReceiver({ http: { compression_algorithms: ['', 'lz4'] } });
  try {
    assert.equal((await send(lz4AndPlain.url('/v1/traces'), undefined, body)).status, 200);
    assert.equal((await send(lz4AndPlain.url('/v1/traces'), 'lz4', lz4Tool(['-c'], body))).status, 200);
    assert.equal((await send(lz4AndPlain.url('/v1/traces'), 'snappy', pythonSnappy('block', body))).status, 400);
  } finally {
    await lz4AndPlain.stop();
  }
});

interface RawAnswer {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
}

/** One unary gRPC call written frame by frame: `message` is sent as is, flagged compressed when `encoding` is set. */
function rawGrpc(port: number, path: string, message: Uint8Array, encoding?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(encoding ? { 'grpc-encoding': encoding } : {}),
    });
    let headers: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (trailers) => resolve({ headers, trailers }));
    stream.on('error', reject);
    stream.on('close', () => {
      session.close();
      // a status in the headers only (Trailers-Only), as grpc-js answers early failures
      if (headers['grpc-status'] !== undefined) resolve({ headers, trailers: headers });
    });
    stream.resume();
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(encoding ? 1 : 0, 0);
    prefix.writeUInt32BE(message.length, 1);
    stream.end(Buffer.concat([prefix, message]));
  });
}

test('gRPC: snappy (python-snappy framing) and zstd (zstd tool) messages are accepted, and the answer says they are', async (t) => {
  if (!codecToolsOr(t)) return;
  const r = await startReceiver();
  try {
    const body = encodeTraces(sampleTraces(3));
    const path = codecFor('traces').grpcPath;
    for (const [encoding, message] of [
      ['snappy', pythonSnappy('frame', body)],
      ['zstd', zstdTool(['-c', '-q'], body)],
    ] as const) {
      const answer = await rawGrpc(r.grpcPort, path, message, encoding);
      assert.equal(answer.trailers['grpc-status'], '0', `${encoding}: ${answer.trailers['grpc-message']}`);
      assert.match(String(answer.headers['grpc-accept-encoding']), /\bsnappy\b.*\bzstd\b|\bzstd\b.*\bsnappy\b/);
    }
    assert.equal(r.consumer.received.length, 2);
    for (const b of r.consumer.received) assert.deepEqual(firstSpanNames(b), ['span-0', 'span-1', 'span-2']);

    // a snappy block is not the framing format gRPC's snappy means: a clear INTERNAL, nothing consumed
    const block = await rawGrpc(r.grpcPort, path, pythonSnappy('block', body), 'snappy');
    assert.equal(block.trailers['grpc-status'], String(GrpcCode.INTERNAL));
    assert.match(
      decodeURIComponent(String(block.trailers['grpc-message'])),
      /Failed to decompress snappy-encoded message: x-snappy-framed: corrupt input: missing the stream identifier/,
    );
    // an encoding nobody registered stays UNIMPLEMENTED, as grpc-go answers it
    assert.equal(
      (await rawGrpc(r.grpcPort, path, lz4Tool(['-c'], body), 'lz4')).trailers['grpc-status'],
      String(GrpcCode.UNIMPLEMENTED),
    );
    assert.equal(r.consumer.received.length, 2);
  } finally {
    await r.stop();
  }
});

test('gRPC: a zstd or snappy message that inflates past max_recv_msg_size_mib is RESOURCE_EXHAUSTED', async (t) => {
  if (!codecToolsOr(t)) return;
  const r = await startReceiver({ grpc: { max_recv_msg_size_mib: 1 } });
  try {
    const path = codecFor('traces').grpcPath;
    const big = Buffer.alloc(3 << 20);
    for (const [encoding, message] of [
      ['zstd', zstdTool(['-c', '-q'], big)],
      ['snappy', pythonSnappy('frame', big)],
    ] as const) {
      assert.ok(message.length < 1 << 20, `${encoding}: ${message.length} bytes compressed`);
      const answer = await rawGrpc(r.grpcPort, path, message, encoding);
      assert.equal(answer.trailers['grpc-status'], String(GrpcCode.RESOURCE_EXHAUSTED), encoding);
    }
    assert.equal(r.consumer.received.length, 0);
  } finally {
    await r.stop();
  }
});
