// confighttp's server timeouts and keep-alive switch, and confignet's unix sockets, seen by real
// clients: Node's HTTP client and raw sockets for the timeouts, curl and grpc-js over the socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { encodeTraces, tracesToJson } from '@flowtel/pdata';
import { exportMethod } from '@flowtel/otlp';
import { testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import type { OtlpReceiver } from '../src/otlp.ts';
import { firstSpanNames, sampleTraces, startReceiver, TestConsumer } from './helpers.ts';

const PROTO = { 'content-type': 'application/x-protobuf' };

/** One POST through `agent`; resolves with the response (body read) and the socket it used. */
function post(
  port: number,
  agent: Agent,
  body: Uint8Array,
): Promise<{ res: IncomingMessage; socket: Socket; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: PROTO, agent });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, socket: req.socket as Socket, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with the ms from now until the socket closes. */
function closed(socket: Socket): Promise<number> {
  const start = Date.now();
  return new Promise((resolve) => {
    if (socket.destroyed) resolve(0);
    else socket.once('close', () => resolve(Date.now() - start));
  });
}

/** A raw TCP connection to the receiver's HTTP port, with everything the server sent until it closed. */
async function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString()));
  const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  return { socket, received: () => text, closed: done };
}

test('HTTP idle_timeout: the server closes a kept-alive connection idle that long (default 1m keeps it)', async () => {
  const quick = await startReceiver({ http: { idle_timeout: '400ms' } });
  const slow = await startReceiver();
  try {
    // a raw HTTP/1.1 client: Node's and undici's agents close idle sockets themselves before the
    // server's Keep-Alive hint runs out, which would hide what the server does
    const body = Buffer.from(encodeTraces(sampleTraces(1)));
    const head = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`;
    const a = await rawConnection(quick.httpPort);
    const b = await rawConnection(slow.httpPort);
    let bClosed = false;
    void b.closed.then(() => (bClosed = true));
    b.socket.write(Buffer.concat([Buffer.from(head), body]));
    a.socket.write(Buffer.concat([Buffer.from(head), body]));
    await waitFor(
      'both answers',
      async () => /^HTTP\/1\.1 200/.test(a.received()) && /^HTTP\/1\.1 200/.test(b.received()),
    );
    const answered = Date.now();
    await a.closed;
    const ms = Date.now() - answered;
    assert.ok(ms >= 300, `closed ${ms} ms after the answer, before idle_timeout`);
    // the connection to the other server, idle as long, is still open: its idle_timeout is 1m
    assert.equal(bClosed, false);
    b.socket.destroy();
  } finally {
    await Promise.all([quick.stop(), slow.stop()]);
  }
});

test('HTTP keep_alives_enabled: false answers with Connection: close and closes the connection', async () => {
  const r = await startReceiver({ http: { keep_alives_enabled: false } });
  const agent = new Agent({ keepAlive: true });
  try {
    const { res, socket } = await post(r.httpPort, agent, encodeTraces(sampleTraces(1)));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.connection, 'close');
    await closed(socket);
    assert.equal(r.consumer.received.length, 1);
  } finally {
    agent.destroy();
    await r.stop();
  }
});

test('HTTP write_timeout: a response not written in time closes the connection, as Go does', async () => {
  const r = await startReceiver({ http: { write_timeout: '400ms' } });
  try {
    r.consumer.answer = () => new Promise<void>(() => {}); // the pipeline never answers
    const start = Date.now();
    await assert.rejects(
      post(r.httpPort, new Agent(), encodeTraces(sampleTraces(1))),
      (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' || /socket hang up/.test(err.message),
    );
    assert.ok(Date.now() - start >= 350, `cut after ${Date.now() - start} ms`);
  } finally {
    await r.stop();
  }
});

test('HTTP read_header_timeout and read_timeout: a client too slow with its headers, or its body, is cut off', async () => {
  const r = await startReceiver({ http: { read_header_timeout: '300ms', read_timeout: '600ms' } });
  const defaults = await startReceiver();
  try {
    // headers started, never finished
    const headers = await rawConnection(r.httpPort);
    headers.socket.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\n');
    // headers complete, the body promised never comes
    const body = await rawConnection(r.httpPort);
    body.socket.write(
      'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\nab',
    );
    // the same slow headers against the defaults (1m for headers) stay open meanwhile
    const patient = await rawConnection(defaults.httpPort);
    patient.socket.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\n');
    const start = Date.now();
    await Promise.all([headers.closed, body.closed]);
    const ms = Date.now() - start;
    assert.ok(ms >= 500, `closed after ${ms} ms`);
    // Node answers 408 before closing (Go closes without an answer); either way nothing was taken
    assert.match(headers.received(), /^$|^HTTP\/1\.1 408/);
    assert.match(body.received(), /^$|^HTTP\/1\.1 408/);
    assert.equal(r.consumer.received.length, 0);
    assert.equal(patient.socket.destroyed, false);
    patient.socket.destroy();
  } finally {
    await Promise.all([r.stop(), defaults.stop()]);
  }
});

test('config: confighttp keys have their otelcol defaults; middlewares, and transports a listener cannot take, are refused', () => {
  const parsed = factory.configSchema.parse({ protocols: { http: {} } }) as {
    protocols: { http: Record<string, unknown> };
  };
  assert.equal(parsed.protocols.http.read_timeout, 0);
  assert.equal(parsed.protocols.http.read_header_timeout, 60_000);
  assert.equal(parsed.protocols.http.write_timeout, 30_000);
  assert.equal(parsed.protocols.http.idle_timeout, 60_000);
  assert.equal(parsed.protocols.http.keep_alives_enabled, true);
  assert.equal(parsed.protocols.http.transport, 'tcp');
  const refused = (protocols: object) => {
    const result = factory.configSchema.safeParse({ protocols });
    assert.equal(result.success, false, JSON.stringify(protocols));
    return result.error!.issues.map((i) => `${i.path.join('::')}: ${i.message}`).join('\n');
  };
  assert.match(refused({ http: { middlewares: [{ id: 'm' }] } }), /middlewares is not in flowtel/);
  assert.match(refused({ grpc: { middlewares: [{ id: 'm' }] } }), /middlewares is not in flowtel/);
  assert.match(refused({ http: { transport: 'udp' } }), /protocols::http::transport/);
  assert.match(refused({ grpc: { transport: 'tcp6' } }), /protocols::grpc::transport/);
  assert.match(refused({ http: { endpoint: '/tmp/x.sock' } }), /endpoint: must be host:port/);
  assert.match(
    refused({ grpc: { endpoint: '', transport: 'unix' } }),
    /endpoint: a unix socket endpoint must be a path/,
  );
});

test('transport: unix serves OTLP/HTTP (curl --unix-socket) and OTLP/gRPC (grpc-js unix: target) on socket files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-otlp-unix-'));
  const grpcSocket = join(dir, 'grpc.sock');
  const httpSocket = join(dir, 'http.sock');
  const consumer = new TestConsumer();
  const config = factory.configSchema.parse({
    protocols: {
      grpc: { endpoint: grpcSocket, transport: 'unix' },
      http: { endpoint: httpSocket, transport: 'unix' },
    },
  });
  const receiver = factory.createReceiver(testSettings('otlp', 'receiver'), config, {
    traces: consumer,
  }) as OtlpReceiver;
  await receiver.start(testHost());
  try {
    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '--unix-socket',
      httpSocket,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      tracesToJson(sampleTraces(2)),
      '-w',
      '\n%{http_code}',
      'http://localhost/v1/traces',
    ]);
    assert.equal(stdout, '{}\n200');
    assert.equal(consumer.received.length, 1);
    assert.deepEqual(firstSpanNames(consumer.received[0]), ['span-0', 'span-1']);

    const client = new Client(`unix:${grpcSocket}`, credentials.createInsecure());
    const m = exportMethod('traces');
    const error = await new Promise((resolve) =>
      client.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        encodeTraces(sampleTraces(3)),
        new Metadata(),
        {},
        (err) => resolve(err),
      ),
    );
    client.close();
    assert.equal(error, null);
    await waitFor('the gRPC request to reach the pipeline', async () => consumer.received.length === 2);
    assert.equal(consumer.received[1].items, 3);
  } finally {
    await receiver.shutdown();
  }
  // as Go's unix listener, the socket files go away with the server
  assert.equal(existsSync(httpSocket), false);
  assert.equal(existsSync(grpcSocket), false);
});
