import { test } from 'node:test';
import protobuf from 'protobufjs';
import assert from 'node:assert/strict';
import { permanent, retryable } from '@flowtel/core';
import {
  BodyTooLargeError,
  COMPRESSIONS,
  ContentEncodingError,
  GrpcCode,
  compress,
  decodeRpcStatus,
  decompress,
  encodeRpcStatus,
  grpcRefusal,
  httpRefusal,
  httpStatusFromGrpc,
  parseContentEncoding,
  parseRetryAfter,
  refusalStatus,
  rpcStatusFromJson,
  rpcStatusToJson,
  OtlpStatusError,
} from '../src/index.ts';

test('google.rpc.Status with RetryInfo round-trips in protobuf and JSON', () => {
  for (const s of [
    { code: 14, message: 'queue full', retryDelayMs: 1500 },
    { code: 3, message: 'bad' },
    { code: 8, message: '', retryDelayMs: 250 },
  ]) {
    assert.deepEqual(decodeRpcStatus(encodeRpcStatus(s)), s);
    assert.deepEqual(rpcStatusFromJson(rpcStatusToJson(s)), s);
  }
  assert.throws(() => decodeRpcStatus(Uint8Array.from([0x12, 0x05, 0x61])), /length 5 exceeds the 1 bytes that remain/);
});

test('google.rpc.Status bytes are the ones protobufjs writes for the same message, and protobufjs reads ours', () => {
  const root = protobuf.Root.fromJSON({
    nested: {
      Status: {
        fields: {
          code: { type: 'int32', id: 1 },
          message: { type: 'string', id: 2 },
          details: { rule: 'repeated', type: 'Any', id: 3 },
        },
      },
      Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
      RetryInfo: { fields: { retry_delay: { type: 'Duration', id: 1 } } },
      Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    },
  });
  const [Status, RetryInfo] = [root.lookupType('Status'), root.lookupType('RetryInfo')];
  const retryInfo = RetryInfo.encode({ retry_delay: { seconds: 2, nanos: 500_000_000 } }).finish();
  const peer = Status.encode({
    code: 14,
    message: 'queue full',
    details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo }],
  }).finish();
  const ours = encodeRpcStatus({ code: 14, message: 'queue full', retryDelayMs: 2500 });
  assert.deepEqual(Buffer.from(ours).toString('hex'), Buffer.from(peer).toString('hex'));
  assert.deepEqual(decodeRpcStatus(peer), { code: 14, message: 'queue full', retryDelayMs: 2500 });
});

test('receiver mapping: retryable → UNAVAILABLE/503, permanent → INTERNAL/500, a carried status wins', () => {
  assert.deepEqual(refusalStatus(retryable('full', { retryAfterMs: 10 })), {
    code: GrpcCode.UNAVAILABLE,
    message: 'full',
    retryDelayMs: 10,
  });
  assert.equal(refusalStatus(permanent('x')).code, GrpcCode.INTERNAL);
  assert.equal(refusalStatus(new Error('unknown failure')).code, GrpcCode.UNAVAILABLE);
  assert.equal(
    refusalStatus(retryable('t', { cause: new OtlpStatusError({ code: GrpcCode.RESOURCE_EXHAUSTED, message: 'm' }) }))
      .code,
    GrpcCode.RESOURCE_EXHAUSTED,
  );
  const http = Object.fromEntries(
    Object.entries(GrpcCode)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => [k, httpStatusFromGrpc(v as number)]),
  );
  assert.deepEqual(http, {
    OK: 200,
    CANCELLED: 503,
    UNKNOWN: 500,
    INVALID_ARGUMENT: 400,
    DEADLINE_EXCEEDED: 503,
    NOT_FOUND: 500,
    ALREADY_EXISTS: 500,
    PERMISSION_DENIED: 403,
    RESOURCE_EXHAUSTED: 429,
    FAILED_PRECONDITION: 500,
    ABORTED: 503,
    OUT_OF_RANGE: 503,
    UNIMPLEMENTED: 404,
    INTERNAL: 500,
    UNAVAILABLE: 503,
    DATA_LOSS: 503,
    UNAUTHENTICATED: 401,
  });
});

test('exporter rules: gRPC codes and HTTP statuses otelcol retries, with their delays', () => {
  const retried = Object.entries(GrpcCode)
    .filter(([, v]) => typeof v === 'number' && v !== 0 && grpcRefusal({ code: v as number, message: '' }).retryable)
    .map(([k]) => k);
  assert.deepEqual(retried.sort(), [
    'ABORTED',
    'CANCELLED',
    'DATA_LOSS',
    'DEADLINE_EXCEEDED',
    'OUT_OF_RANGE',
    'UNAVAILABLE',
  ]);
  const throttled = grpcRefusal({ code: GrpcCode.RESOURCE_EXHAUSTED, message: '', retryDelayMs: 700 });
  assert.equal(throttled.retryable, true);
  assert.equal(throttled.retryAfterMs, 700);
  for (const s of [429, 502, 503, 504])
    assert.equal(httpRefusal(s, { code: 0, message: '' }, undefined).retryable, true, String(s));
  for (const s of [400, 401, 403, 404, 413, 500])
    assert.equal(httpRefusal(s, { code: 0, message: '' }, undefined).retryable, false, String(s));
  assert.equal(httpRefusal(503, { code: 0, message: '' }, 3000).retryAfterMs, 3000);
  assert.equal(parseRetryAfter('7'), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
});

test('compression: every encoding round-trips; limits and bad input are errors, not crashes', async () => {
  const body = Buffer.from('otlp '.repeat(2000));
  for (const enc of COMPRESSIONS) {
    assert.deepEqual(await decompress(enc, await compress(enc, body), 1 << 20), body, enc);
    await assert.rejects(decompress(enc, await compress(enc, body), 100), BodyTooLargeError, enc);
    await assert.rejects(decompress(enc, Buffer.from('definitely not compressed'), 1 << 20), ContentEncodingError, enc);
  }
  assert.equal(parseContentEncoding(undefined), undefined);
  assert.equal(parseContentEncoding('identity'), undefined);
  assert.equal(parseContentEncoding('GZIP'), 'gzip');
  assert.equal(parseContentEncoding('zlib'), 'zlib');
  assert.equal(parseContentEncoding('X-Snappy-Framed'), 'x-snappy-framed');
  assert.throws(() => parseContentEncoding('br'), ContentEncodingError);
});
