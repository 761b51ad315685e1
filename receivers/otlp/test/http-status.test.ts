// Every answer of the OTLP/HTTP receiver, over real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, deflateSync } from 'node:zlib';
import { encodeTraces, decodeTraces, tracesToJson } from '@flowtel/pdata';
import { compress, decodeRpcStatus, GrpcCode, OtlpStatusError } from '@flowtel/otlp';
import { permanent, retryable } from '@flowtel/core';
import { factory as bearer } from '@flowtel/extension-bearertokenauth';
import { testSettings, testHost } from '@flowtel/testkit';
import { firstSpanNames, sampleTraces, startReceiver } from './helpers.ts';

const PROTO = { 'content-type': 'application/x-protobuf' };

test('HTTP: protobuf is accepted with 200 and an empty ExportTraceServiceResponse, data reaches the pipeline intact', async () => {
  const r = await startReceiver();
  try {
    const sent = sampleTraces(3);
    const res = await fetch(r.url('/v1/traces'), { method: 'POST', headers: PROTO, body: encodeTraces(sent) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    assert.equal((await res.arrayBuffer()).byteLength, 0);
    assert.equal(r.consumer.received.length, 1);
    const got = r.consumer.received[0];
    assert.equal(got.signal, 'traces');
    assert.equal(got.items, 3);
    assert.equal(got.transport, 'http');
    assert.deepEqual(got.data, decodeTraces(encodeTraces(sent)));
    assert.equal(got.client?.metadata, undefined);
  } finally {
    await r.stop();
  }
});

test('HTTP: gzip, deflate, zstd and snappy bodies are decoded', async () => {
  const r = await startReceiver();
  try {
    const body = encodeTraces(sampleTraces(2));
    for (const encoding of ['gzip', 'deflate', 'zstd', 'snappy'] as const) {
      const res = await fetch(r.url('/v1/traces'), {
        method: 'POST',
        headers: { ...PROTO, 'content-encoding': encoding },
        body: new Uint8Array(await compress(encoding, body)),
      });
      assert.equal(res.status, 200, encoding);
    }
    assert.equal(r.consumer.received.length, 4);
    for (const b of r.consumer.received) assert.deepEqual(firstSpanNames(b), ['span-0', 'span-1']);
  } finally {
    await r.stop();
  }
});

test('HTTP: a bad payload is 400 with a google.rpc.Status INVALID_ARGUMENT body; an unknown encoding too', async () => {
  const r = await startReceiver();
  try {
    const res = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: PROTO,
      body: Uint8Array.from([0x0a, 0xff, 0xff, 0x01]),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const status = decodeRpcStatus(new Uint8Array(await res.arrayBuffer()));
    assert.equal(status.code, GrpcCode.INVALID_ARGUMENT);
    assert.match(status.message, /unmarshal/);

    const bad = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { ...PROTO, 'content-encoding': 'br' },
      body: 'x',
    });
    assert.equal(bad.status, 400);
    assert.match(decodeRpcStatus(new Uint8Array(await bad.arrayBuffer())).message, /unsupported Content-Encoding "br"/);

    const corrupt = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { ...PROTO, 'content-encoding': 'gzip' },
      body: 'not gzip',
    });
    assert.equal(corrupt.status, 400);
    assert.equal(r.consumer.received.length, 0);
  } finally {
    await r.stop();
  }
});

test('HTTP: a trace or span id of the wrong length is a 400 INVALID_ARGUMENT, in protobuf and in JSON (as otelcol)', async () => {
  const r = await startReceiver();
  try {
    const traces = sampleTraces(1);
    traces.resourceSpans[0].scopeSpans[0].spans[0].traceId = new Uint8Array(15).fill(1);
    const proto = await fetch(r.url('/v1/traces'), { method: 'POST', headers: PROTO, body: encodeTraces(traces) });
    assert.equal(proto.status, 400);
    const status = decodeRpcStatus(new Uint8Array(await proto.arrayBuffer()));
    assert.equal(status.code, GrpcCode.INVALID_ARGUMENT);
    assert.match(status.message, /invalid Span\.trace_id length: 15 bytes/);
    const json = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc6","spanId":"eee19b7ec3c1b174"}]}]}]}',
    });
    assert.equal(json.status, 400);
    assert.match(((await json.json()) as { message: string }).message, /traceId: expected 32 hex digits/);
    assert.equal(r.consumer.received.length, 0);
  } finally {
    await r.stop();
  }
});

test('HTTP: 404 for an unknown path or a signal no pipeline takes, 405 with Allow for GET, 415 for text/plain', async () => {
  const r = await startReceiver({}, { signals: ['traces'] });
  try {
    assert.equal((await fetch(r.url('/v1/nope'), { method: 'POST', headers: PROTO, body: '' })).status, 404);
    assert.equal((await fetch(r.url('/v1/logs'), { method: 'POST', headers: PROTO, body: '' })).status, 404);
    const get = await fetch(r.url('/v1/traces'));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const text = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(text.status, 415);
    assert.match(await text.text(), /application\/x-protobuf/);
  } finally {
    await r.stop();
  }
});

test('HTTP: 413 past max_request_body_size, whether declared, streamed or inflated', async () => {
  const r = await startReceiver({ http: { max_request_body_size: 1000 } });
  try {
    const big = encodeTraces(sampleTraces(60));
    assert.ok(big.length > 1000);
    assert.equal((await fetch(r.url('/v1/traces'), { method: 'POST', headers: PROTO, body: big })).status, 413);
    const bomb = gzipSync(Buffer.alloc(100_000));
    assert.ok(bomb.length < 1000);
    const res = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { ...PROTO, 'content-encoding': 'gzip' },
      body: bomb,
    });
    assert.equal(res.status, 413);
    const deflated = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { ...PROTO, 'content-encoding': 'deflate' },
      body: deflateSync(Buffer.alloc(100_000)),
    });
    assert.equal(deflated.status, 413);
    assert.equal(r.consumer.received.length, 0);
  } finally {
    await r.stop();
  }
});

test('HTTP: refusals map as otelcol: retryable 503 (+Retry-After when known), RESOURCE_EXHAUSTED 429, permanent 500', async () => {
  const r = await startReceiver();
  try {
    const body = encodeTraces(sampleTraces(1));
    const post = () => fetch(r.url('/v1/traces'), { method: 'POST', headers: PROTO, body });

    r.consumer.answer = async () => {
      throw retryable('queue is full', { retryAfterMs: 2500 });
    };
    let res = await post();
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '3');
    const st = decodeRpcStatus(new Uint8Array(await res.arrayBuffer()));
    assert.equal(st.code, GrpcCode.UNAVAILABLE);
    assert.equal(st.retryDelayMs, 2500);

    r.consumer.answer = async () => {
      throw retryable('memory limit');
    };
    res = await post();
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), null);

    r.consumer.answer = async () => {
      throw retryable('backend throttled', {
        cause: new OtlpStatusError({ code: GrpcCode.RESOURCE_EXHAUSTED, message: 'slow down', retryDelayMs: 1000 }),
      });
    };
    res = await post();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');

    r.consumer.answer = async () => {
      throw permanent('cannot store');
    };
    res = await post();
    assert.equal(res.status, 500);
    assert.equal(decodeRpcStatus(new Uint8Array(await res.arrayBuffer())).message, 'cannot store');
  } finally {
    await r.stop();
  }
});

test('HTTP: the answer waits for the pipeline (the Ack)', async () => {
  const r = await startReceiver();
  try {
    let release!: () => void;
    r.consumer.answer = () => new Promise<void>((resolve) => (release = resolve));
    let answered = false;
    const pending = fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: PROTO,
      body: encodeTraces(sampleTraces(1)),
    }).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(answered, false);
    release();
    assert.equal((await pending).status, 200);
  } finally {
    await r.stop();
  }
});

test('HTTP: auth through bearertokenauth: 401 without or with a wrong token, 200 with it; include_metadata and custom paths', async () => {
  const auth = bearer.createExtension(
    testSettings('bearertokenauth', 'extension'),
    bearer.configSchema.parse({ token: 's3cret' }),
  );
  await auth.start(testHost());
  const r = await startReceiver(
    { http: { auth: { authenticator: 'bearertokenauth' }, include_metadata: true, traces_url_path: '/custom/spans' } },
    { extensions: { bearertokenauth: auth } },
  );
  try {
    const body = encodeTraces(sampleTraces(1));
    const none = await fetch(r.url('/custom/spans'), { method: 'POST', headers: PROTO, body });
    assert.equal(none.status, 401);
    assert.equal(decodeRpcStatus(new Uint8Array(await none.arrayBuffer())).code, GrpcCode.UNAUTHENTICATED);
    assert.equal(
      (
        await fetch(r.url('/custom/spans'), {
          method: 'POST',
          headers: { ...PROTO, authorization: 'Bearer nope' },
          body,
        })
      ).status,
      401,
    );
    const ok = await fetch(r.url('/custom/spans'), {
      method: 'POST',
      headers: { ...PROTO, authorization: 'Bearer s3cret', 'x-tenant': 'acme' },
      body,
    });
    assert.equal(ok.status, 200);
    assert.equal(
      (
        await fetch(r.url('/v1/traces'), {
          method: 'POST',
          headers: { ...PROTO, authorization: 'Bearer s3cret' },
          body,
        })
      ).status,
      404,
    );
    assert.equal(r.consumer.received.length, 1);
    assert.deepEqual(r.consumer.received[0].client?.metadata?.['x-tenant'], ['acme']);
  } finally {
    await r.stop();
  }
});

test('HTTP: a server authenticator that is missing or of the wrong kind fails start with its id', async () => {
  await assert.rejects(startReceiver({ http: { auth: { authenticator: 'nope' } } }), /"nope" is not configured/);
  await assert.rejects(
    startReceiver(
      { http: { auth: { authenticator: 'x' } } },
      { extensions: { x: { start: async () => {}, shutdown: async () => {} } } },
    ),
    /not a server authenticator/,
  );
});

test('HTTP: CORS preflight and simple requests follow allowed_origins, allowed_headers and max_age', async () => {
  const r = await startReceiver({
    http: { cors: { allowed_origins: ['https://*.example.com'], allowed_headers: ['X-Custom'], max_age: 7200 } },
  });
  try {
    const preflight = (origin: string, headers = 'content-type') =>
      fetch(r.url('/v1/traces'), {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
      });
    const ok = await preflight('https://app.example.com', 'content-type, x-custom');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(ok.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(ok.headers.get('access-control-max-age'), '7200');
    const other = await preflight('https://evil.test');
    assert.equal(other.status, 204);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.equal(
      (await preflight('https://app.example.com', 'x-other')).headers.get('access-control-allow-origin'),
      null,
    );
    const simple = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { ...PROTO, origin: 'https://app.example.com' },
      body: encodeTraces(sampleTraces(1)),
    });
    assert.equal(simple.status, 200);
    assert.equal(simple.headers.get('access-control-allow-origin'), 'https://app.example.com');
  } finally {
    await r.stop();
  }
});

test('HTTP: OTLP/JSON in, JSON out: 200 with "{}", and a 400 with a JSON google.rpc.Status for bad JSON', async () => {
  const r = await startReceiver();
  try {
    const sent = sampleTraces(2);
    const res = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: tracesToJson(sent),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), {});
    assert.deepEqual(r.consumer.received[0].data, sent);
    const bad = await fetch(r.url('/v1/traces'), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"resourceSpans": 7}',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('content-type'), 'application/json');
    const status = (await bad.json()) as { code: number; message: string };
    assert.equal(status.code, GrpcCode.INVALID_ARGUMENT);
    assert.match(status.message, /resourceSpans/);
  } finally {
    await r.stop();
  }
});
