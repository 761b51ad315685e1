// Our codecs against encoders and decoders written by others: the reference lz4 and zstd
// tools, python-snappy's framing-format streams over the snappy C++ library, and the format
// spec's check value for CRC-32C (xxHash32 is @flowtel/compression's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, inflateSync } from 'node:zlib';
import { lz4Tool, codecToolsOr, pythonSnappy, zstdTool } from '@flowtel/testkit';
import {
  BodyTooLargeError,
  ContentEncodingError,
  compress,
  compressionLevelProblem,
  decompress,
  grpcCompress,
  grpcDecompress,
} from '../src/index.ts';
import { crc32c } from '../src/snappy-framed.ts';
import { zstdDeclaredSize } from '../src/zstd-frame.ts';

// an OTLP-like body: repetitive, with some variety, ~1.3 MB (several LZ4 blocks and snappy chunks)
const body = Buffer.from(
  Array.from({ length: 40_000 }, (_, i) => `{"key":"http.route","value":"/api/v${i % 7}/items/${i % 313}"}`).join(','),
);
const MB = 1 << 20;

test('checksums: CRC-32C gives the check value its spec publishes', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283); // RFC 3720 / iSCSI check value
});

test('lz4: frames written by the lz4 tool in its variants decode; ours decode with the tool', async (t) => {
  if (!codecToolsOr(t)) return;
  const variants = [
    ['-c'],
    ['-c', '-BD'],
    ['-c', '--content-size', '-BX'],
    ['-c', '-9', '-B4'],
    ['-c', '--no-frame-crc', '-B7'],
    ['-c', '-1', '--favor-decSpeed'],
  ];
  for (const args of variants)
    assert.ok((await decompress('lz4', lz4Tool(args, body), 4 * MB)).equals(body), args.join(' '));
  // two frames one after the other, as a stream writer may produce
  const two = Buffer.concat([lz4Tool(['-c'], body.subarray(0, 1000)), lz4Tool(['-c'], body.subarray(1000))]);
  assert.ok((await decompress('lz4', two, 4 * MB)).equals(body));
  assert.ok((await decompress('lz4', lz4Tool(['-c'], Buffer.alloc(0)), MB)).equals(Buffer.alloc(0)));
  const ours = await compress('lz4', body);
  assert.ok(ours.length < body.length / 4, `${ours.length} bytes`);
  assert.ok(lz4Tool(['-d', '-c'], ours).equals(body));
});

test('lz4: an inflating body stops at the limit; corrupt frames are encoding errors', async (t) => {
  if (!codecToolsOr(t)) return;
  const bomb = lz4Tool(['-c'], Buffer.alloc(64 * MB));
  assert.ok(bomb.length < 300 * 1024, `${bomb.length} bytes`);
  await assert.rejects(decompress('lz4', bomb, MB), BodyTooLargeError);
  await assert.rejects(
    decompress('lz4', lz4Tool(['-c', '--content-size'], Buffer.alloc(2 * MB)), MB),
    BodyTooLargeError,
  );
  const frame = lz4Tool(['-c', '-BX'], body);
  const flipped = Buffer.from(frame);
  flipped[frame.length >> 1] ^= 0xff;
  await assert.rejects(
    decompress('lz4', flipped, 4 * MB),
    (e: Error) => e instanceof ContentEncodingError && /lz4: corrupt input/.test(e.message),
  );
  await assert.rejects(decompress('lz4', frame.subarray(0, frame.length - 9), 4 * MB), ContentEncodingError);
  await assert.rejects(decompress('lz4', Buffer.from('not lz4 at all'), MB), /not an LZ4 frame/);
});

test('snappy framing format: python-snappy streams decode as x-snappy-framed and as snappy; ours decode with python-snappy', async (t) => {
  if (!codecToolsOr(t)) return;
  const theirs = pythonSnappy('frame', body);
  assert.ok((await decompress('x-snappy-framed', theirs, 4 * MB)).equals(body));
  // confighttp reads a framed body sent as `snappy` (senders from before x-snappy-framed)
  assert.ok((await decompress('snappy', theirs, 4 * MB)).equals(body));
  assert.ok((await decompress('snappy', pythonSnappy('block', body), 4 * MB)).equals(body));
  const ours = await compress('x-snappy-framed', body);
  assert.ok(pythonSnappy('unframe', ours).equals(body));
  assert.ok(pythonSnappy('unblock', await compress('snappy', body)).equals(body));
  // incompressible input is stored in uncompressed chunks, which python-snappy reads too
  const random = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 2654435761) >>> 24));
  assert.ok(pythonSnappy('unframe', await compress('x-snappy-framed', random)).equals(random));
  await assert.rejects(decompress('x-snappy-framed', theirs, 100_000), BodyTooLargeError);
  const bad = Buffer.from(theirs);
  bad[14] ^= 1; // inside the first chunk's checksum
  await assert.rejects(decompress('x-snappy-framed', bad, 4 * MB), /checksum mismatch/);
  await assert.rejects(decompress('x-snappy-framed', pythonSnappy('block', body), 4 * MB), /stream identifier/);
});

test('zstd: frames of the zstd tool decode; ours decode with it', async (t) => {
  if (!codecToolsOr(t)) return;
  assert.ok((await decompress('zstd', zstdTool(['-c', '-q', '-19'], body), 4 * MB)).equals(body));
  assert.ok(zstdTool(['-d', '-c', '-q'], await compress('zstd', body)).equals(body));
  await assert.rejects(decompress('zstd', zstdTool(['-c', '-q'], body), 1000), BodyTooLargeError);
});

test('zstd: output is bounded: a frame declaring its size goes to the native decoder only within the limit, any other body streams and stops at the limit', async (t) => {
  if (!codecToolsOr(t)) return;
  const declared = zstdTool(['-c', '-q', `--stream-size=${body.length}`], body);
  assert.equal(zstdDeclaredSize(declared), body.length);
  assert.ok((await decompress('zstd', declared, 4 * MB)).equals(body));
  await assert.rejects(decompress('zstd', declared, body.length - 1), BodyTooLargeError);
  // from a pipe the tool does not know the size: no declared size, the streaming decoder
  const undeclared = zstdTool(['-c', '-q'], body);
  assert.equal(zstdDeclaredSize(undeclared), undefined);
  // two frames one after the other decode as one body, through the streaming decoder
  const half = body.length >> 1;
  const two = Buffer.concat([
    zstdTool(['-c', '-q', `--stream-size=${half}`], body.subarray(0, half)),
    zstdTool(['-c', '-q', `--stream-size=${body.length - half}`], body.subarray(half)),
  ]);
  assert.equal(zstdDeclaredSize(two), undefined);
  assert.ok((await decompress('zstd', two, 4 * MB)).equals(body));
  // 256 MiB of zeros in ~8 KB: refused after the first MiB or so, not inflated whole
  const bomb = zstdTool(['-c', '-q'], Buffer.alloc(256 * MB));
  assert.ok(bomb.length < 64 * 1024, `${bomb.length} bytes`);
  await assert.rejects(decompress('zstd', bomb, MB), BodyTooLargeError);
  await assert.rejects(decompress('zstd', Buffer.from('not zstd at all'), MB), ContentEncodingError);
});

test('gRPC codecs: snappy is the framing format and zstd a zstd frame, both ways with the other implementations', async (t) => {
  if (!codecToolsOr(t)) return;
  assert.ok(pythonSnappy('unframe', await grpcCompress('snappy', body)).equals(body));
  assert.ok((await grpcDecompress('snappy', pythonSnappy('frame', body), -1)).equals(body));
  assert.ok(zstdTool(['-d', '-c', '-q'], await grpcCompress('zstd', body)).equals(body));
  assert.ok((await grpcDecompress('zstd', zstdTool(['-c', '-q'], body), body.length)).equals(body));
  await assert.rejects(grpcDecompress('zstd', zstdTool(['-c', '-q'], body), body.length - 1));
});

test('compression_params.level: honoured as configcompression validates it (zlib family -2..9, zstd any, others none)', async (t) => {
  if (!codecToolsOr(t)) return;
  const fast = await compress('gzip', body, 1);
  const best = await compress('gzip', body, 9);
  const huffman = await compress('gzip', body, -2);
  assert.ok(
    best.length < fast.length && fast.length < huffman.length,
    `${best.length} < ${fast.length} < ${huffman.length}`,
  );
  for (const b of [fast, best, huffman, await compress('gzip', body, 0)]) assert.ok(gunzipSync(b).equals(body));
  assert.ok(inflateSync(await compress('zlib', body, 9)).equals(body));
  const zstd19 = await compress('zstd', body, 19);
  assert.ok(zstd19.length < (await compress('zstd', body, 1)).length);
  assert.ok(zstdTool(['-d', '-c', '-q'], zstd19).equals(body));
  assert.equal(compressionLevelProblem('gzip', 9), undefined);
  assert.equal(compressionLevelProblem('zstd', 22), undefined);
  assert.equal(compressionLevelProblem('lz4', 0), undefined);
  assert.equal(compressionLevelProblem('gzip', 10), 'unsupported parameters {Level:10} for compression type "gzip"');
  assert.equal(compressionLevelProblem('snappy', 1), 'unsupported parameters {Level:1} for compression type "snappy"');
});
