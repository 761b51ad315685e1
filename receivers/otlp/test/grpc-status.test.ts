// Every answer of the OTLP/gRPC receiver, over real gRPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Metadata, connectivityState, credentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { request } from 'node:https';
import { encodeTraces, encodeLogs, newLogRecord, newResource, newScope } from '@flowtel/pdata';
import { GrpcCode, decodeRpcStatus, exportMethod, retryDelayFromMetadata } from '@flowtel/otlp';
import { permanent, retryable } from '@flowtel/core';
import { factory as basic } from '@flowtel/extension-basicauth';
import { makeTestCerts, testSettings, testHost, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import { firstSpanNames, grpcExport, sampleTraces, startReceiver } from './helpers.ts';

test('gRPC: an Export is answered once the pipeline accepts it; data, items, transport and peer arrive', async () => {
  const r = await startReceiver({ grpc: { include_metadata: true } });
  try {
    const { error, response } = await grpcExport(r.grpcPort, 'traces', encodeTraces(sampleTraces(4)), {
      metadata: { 'x-tenant': 'acme' },
    });
    assert.equal(error, undefined);
    assert.equal(response!.length, 0);
    const got = r.consumer.received[0];
    assert.equal(got.items, 4);
    assert.equal(got.transport, 'grpc');
    assert.deepEqual(firstSpanNames(got), ['span-0', 'span-1', 'span-2', 'span-3']);
    assert.deepEqual(got.client?.metadata?.['x-tenant'], ['acme']);
    assert.match(got.client?.address ?? '', /127\.0\.0\.1/);

    const logs = {
      resourceLogs: [
        {
          resource: newResource(),
          schemaUrl: '',
          scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [newLogRecord(), newLogRecord()] }],
        },
      ],
    };
    assert.equal((await grpcExport(r.grpcPort, 'logs', encodeLogs(logs))).error, undefined);
    assert.equal(r.consumer.received[1].items, 2);
  } finally {
    await r.stop();
  }
});

test('gRPC: gzip-compressed calls are accepted', async () => {
  const r = await startReceiver();
  try {
    const { error } = await grpcExport(r.grpcPort, 'traces', encodeTraces(sampleTraces(2)), {
      channelOptions: { 'grpc.default_compression_algorithm': 2 },
    });
    assert.equal(error, undefined);
    assert.equal(r.consumer.received[0].items, 2);
  } finally {
    await r.stop();
  }
});

test('gRPC: INVALID_ARGUMENT for a bad payload or an id of the wrong length, UNIMPLEMENTED for a signal no pipeline takes, RESOURCE_EXHAUSTED past max_recv_msg_size_mib', async () => {
  const r = await startReceiver({ grpc: { max_recv_msg_size_mib: 0.001 } }, { signals: ['traces'] });
  try {
    const bad = await grpcExport(r.grpcPort, 'traces', Uint8Array.from([0x0a, 0xff, 0xff, 0x01]));
    assert.equal(bad.error?.code, GrpcCode.INVALID_ARGUMENT);
    assert.match(bad.error!.details, /unmarshal/);
    const shortId = sampleTraces(1);
    shortId.resourceSpans[0].scopeSpans[0].spans[0].spanId = new Uint8Array(7).fill(1);
    const wrongId = await grpcExport(r.grpcPort, 'traces', encodeTraces(shortId));
    assert.equal(wrongId.error?.code, GrpcCode.INVALID_ARGUMENT);
    assert.match(wrongId.error!.details, /invalid Span\.span_id length: 7 bytes/);
    assert.equal((await grpcExport(r.grpcPort, 'metrics', new Uint8Array())).error?.code, GrpcCode.UNIMPLEMENTED);
    const big = encodeTraces(sampleTraces(50));
    assert.ok(big.length > 1049);
    assert.equal((await grpcExport(r.grpcPort, 'traces', big)).error?.code, GrpcCode.RESOURCE_EXHAUSTED);
    assert.equal(r.consumer.received.length, 0);
  } finally {
    await r.stop();
  }
});

test('gRPC: a retryable refusal is UNAVAILABLE with RetryInfo when a delay is known; permanent is INTERNAL', async () => {
  const r = await startReceiver();
  try {
    const body = encodeTraces(sampleTraces(1));
    r.consumer.answer = async () => {
      throw retryable('sending queue is full', { retryAfterMs: 1500 });
    };
    const full = await grpcExport(r.grpcPort, 'traces', body);
    assert.equal(full.error?.code, GrpcCode.UNAVAILABLE);
    assert.equal(full.error?.details, 'sending queue is full');
    assert.equal(retryDelayFromMetadata(full.error?.metadata), 1500);
    const raw = full.error?.metadata.get('grpc-status-details-bin')[0] as Buffer;
    assert.equal(decodeRpcStatus(raw).code, GrpcCode.UNAVAILABLE);

    r.consumer.answer = async () => {
      throw permanent('bad things');
    };
    assert.equal((await grpcExport(r.grpcPort, 'traces', body)).error?.code, GrpcCode.INTERNAL);
  } finally {
    await r.stop();
  }
});

test('gRPC: basicauth refuses with UNAUTHENTICATED and passes the username on', async () => {
  const auth = basic.createExtension(
    testSettings('basicauth', 'extension'),
    basic.configSchema.parse({ htpasswd: { inline: 'ann:pw' } }),
  );
  await auth.start(testHost());
  const r = await startReceiver(
    { grpc: { auth: { authenticator: 'basicauth' } } },
    { extensions: { basicauth: auth } },
  );
  try {
    const body = encodeTraces(sampleTraces(1));
    assert.equal((await grpcExport(r.grpcPort, 'traces', body)).error?.code, GrpcCode.UNAUTHENTICATED);
    const wrong = `Basic ${Buffer.from('ann:nope').toString('base64')}`;
    assert.equal(
      (await grpcExport(r.grpcPort, 'traces', body, { metadata: { authorization: wrong } })).error?.code,
      GrpcCode.UNAUTHENTICATED,
    );
    const right = `Basic ${Buffer.from('ann:pw').toString('base64')}`;
    assert.equal(
      (await grpcExport(r.grpcPort, 'traces', body, { metadata: { authorization: right } })).error,
      undefined,
    );
    assert.equal(r.consumer.received.length, 1);
    assert.equal(r.consumer.received[0].client?.auth?.username, 'ann');
  } finally {
    await r.stop();
  }
});

test('TLS with client_ca_file: both servers require a client certificate signed by the CA', async (t) => {
  const certs = makeTestCerts();
  if (!certs) {
    if (process.env.CI === 'true') throw new Error('openssl is missing');
    return t.skip('openssl is not installed');
  }
  const tls = { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile, client_ca_file: certs.caFile };
  const r = await startReceiver({ grpc: { tls }, http: { tls } }, { scheme: 'https' });
  try {
    const ca = readFileSync(certs.caFile);
    const body = encodeTraces(sampleTraces(1));
    const mtls = credentials.createSsl(ca, readFileSync(certs.clientKeyFile), readFileSync(certs.clientCertFile));
    assert.equal(
      (
        await grpcExport(r.grpcPort, 'traces', body, {
          credentials: mtls,
          channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
        })
      ).error,
      undefined,
    );
    const noClientCert = await grpcExport(r.grpcPort, 'traces', body, {
      credentials: credentials.createSsl(ca),
      channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
    });
    assert.equal(noClientCert.error?.code, GrpcCode.UNAVAILABLE);

    const post = (withCert: boolean) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          r.url('/v1/traces'),
          {
            method: 'POST',
            ca,
            headers: { 'content-type': 'application/x-protobuf' },
            ...(withCert ? { cert: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile) } : {}),
          },
          (res) => (res.resume(), resolve(res.statusCode!)),
        );
        req.on('error', reject);
        req.end(body);
      });
    assert.equal(await post(true), 200);
    await assert.rejects(post(false));
    assert.equal(r.consumer.received.length, 2);
  } finally {
    await r.stop();
  }
});

test('gRPC keepalive::server_parameters reach the server: max_connection_age closes a connection that is in use', async () => {
  const r = await startReceiver({
    grpc: {
      keepalive: {
        server_parameters: {
          max_connection_age: '300ms',
          max_connection_age_grace: '100ms',
          time: '2h',
          timeout: '20s',
        },
      },
    },
  });
  const client = new Client(`127.0.0.1:${r.grpcPort}`, credentials.createInsecure());
  try {
    const m = exportMethod('traces');
    const call = () =>
      new Promise<void>((resolve, reject) =>
        client.makeUnaryRequest(
          m.path,
          m.requestSerialize,
          m.responseDeserialize,
          Buffer.from(encodeTraces(sampleTraces(1))),
          new Metadata(),
          {},
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    await call();
    const channel = client.getChannel();
    assert.equal(channel.getConnectivityState(false), connectivityState.READY);
    // the server sends GOAWAY once the connection is 300 ms old; the channel goes idle
    await waitFor(
      'the server to close the connection',
      async () => channel.getConnectivityState(false) !== connectivityState.READY,
      90_000,
    );
    await call(); // and the next call opens a new connection
    assert.equal(r.consumer.received.length, 2);
  } finally {
    client.close();
    await r.stop();
  }
});

test('gRPC keepalive::server_parameters time and max_connection_idle, and max_concurrent_streams, reach an HTTP/2 client', async () => {
  const r = await startReceiver({
    grpc: {
      max_concurrent_streams: 7,
      keepalive: { server_parameters: { time: '1s', timeout: '20s', max_connection_idle: '4s' } },
    },
  });
  // Node's HTTP/2 client: it sees the server's SETTINGS, PING and GOAWAY frames
  const session = http2.connect(`http://127.0.0.1:${r.grpcPort}`);
  let pings = 0;
  let goaway = false;
  session.on('ping', () => pings++);
  session.on('goaway', () => (goaway = true));
  session.on('error', () => undefined);
  try {
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    assert.equal(session.remoteSettings.maxConcurrentStreams, 7);
    const body = Buffer.from(encodeTraces(sampleTraces(1)));
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
    frame.writeUInt32BE(body.length, 1);
    const status = await new Promise<string>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': exportMethod('traces').path,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('trailers', (t) => resolve(String(t['grpc-status'])));
      stream.on('error', reject);
      stream.resume();
      stream.end(frame);
    });
    assert.equal(status, '0');
    // idle: the server pings every second, then sends GOAWAY once idle for 4 s
    await waitFor('the server to ping the idle connection', async () => pings >= 2, 90_000);
    await waitFor('the server to close the idle connection', async () => goaway, 90_000);
    assert.equal(r.consumer.received.length, 1);
  } finally {
    session.destroy();
    await r.stop();
  }
});

test('gRPC keys grpc-js cannot honour are refused with the reason, not ignored', () => {
  const parse = (grpc: Record<string, unknown>) => factory.configSchema.safeParse({ protocols: { grpc } });
  assert.match(
    parse({ read_buffer_size: 524288 }).error?.issues[0].message ?? '',
    /read_buffer_size is not in flowtel/,
  );
  assert.match(
    parse({ write_buffer_size: 524288 }).error?.issues[0].message ?? '',
    /write_buffer_size is not in flowtel/,
  );
  assert.match(
    parse({ keepalive: { enforcement_policy: { min_time: '10s' } } }).error?.issues[0].message ?? '',
    /enforcement_policy is not in flowtel yet/,
  );
  assert.ok(
    parse({ keepalive: { server_parameters: { max_connection_idle: '1m' } }, max_concurrent_streams: 16 }).success,
  );
});
