// The fluentforward receiver against fluent-logger (npm; the Fluentd project's Node client) in its
// Message, PackedForward and CompressedPackedForward modes with at-least-once acks, Forward mode
// events encoded by msgpack-lite (fluent-logger's own encoder), heartbeats, a Unix socket, a
// refusing pipeline and a malformed event. Expected values come from the Forward protocol
// specification and contrib's README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { retryable } from '@flowtel/core';
import type { LogRecord } from '@flowtel/pdata';
import { anyValueText, freePort, logAttribute, receiveLogs, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const require = createRequire(import.meta.url);
const fluent = require('fluent-logger') as typeof import('fluent-logger');
// msgpack-lite comes with fluent-logger (its dependency); resolved from there
const msgpack = require(require.resolve('msgpack-lite', { paths: [require.resolve('fluent-logger')] })) as {
  encode(v: unknown): Buffer;
  decode(b: Buffer): unknown;
};

const attr = (r: LogRecord, k: string) => anyValueText(logAttribute(r, k));

/** fluent-logger's sender as these tests use it (its bundled typings lack end() without arguments) */
interface Sender {
  emit(label: string, data: object, time: object, done: (err?: Error) => void): void;
  emit(label: string, data: object, done: (err?: Error) => void): void;
  end(): void;
}
const sender = (tagPrefix: string, options: object) =>
  fluent.createFluentSender(tagPrefix, options) as unknown as Sender;
const EventTime = fluent.EventTime as unknown as new (seconds: number, nanoseconds: number) => object;

/** fluent-logger's emit as a promise: with requireAckResponse it settles when the ack came */
function emit(s: Sender, label: string, data: object, time?: object) {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => (err ? reject(err) : resolve());
    // fluent-logger takes the callback as the third argument when there is no time
    if (time === undefined) s.emit(label, data, done);
    else s.emit(label, data, time, done);
  });
}

test('Message mode with an ack: body from `message`, typed attributes, fluent.tag, EventTime', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, { endpoint: `127.0.0.1:${port}` });
  const client = sender('app', { port, requireAckResponse: true, ackResponseTimeout: 90_000 });
  try {
    // the README's own example: 1489547207 s and 745003500 ns
    const time = new EventTime(1489547207, 745003500);
    await emit(
      client,
      'web',
      { message: 'hello', status: 200, ok: true, ratio: 0.5, tags: ['a', 'b'], nested: { k: 'v' } },
      time,
    );
    assert.equal(got.records.length, 1, 'acknowledged once the pipeline had the record');
    const r = got.records[0];
    assert.equal(anyValueText(r.body), 'hello');
    assert.equal(attr(r, 'fluent.tag'), 'app.web');
    assert.deepEqual(logAttribute(r, 'status'), { intValue: 200n });
    assert.deepEqual(logAttribute(r, 'ok'), { boolValue: true });
    assert.deepEqual(logAttribute(r, 'ratio'), { doubleValue: 0.5 });
    assert.equal(
      attr(r, 'tags'),
      JSON.stringify({ arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } }),
    );
    assert.equal(r.timeUnixNano, 1489547207_745003500n);
  } finally {
    client.end();
    await got.receiver.shutdown();
  }
});

for (const eventMode of ['PackedForward', 'CompressedPackedForward'])
  test(`${eventMode}: 200 records with \`log\` bodies, each acknowledged batch complete`, async () => {
    const port = await freePort();
    const got = await receiveLogs(factory, { endpoint: `127.0.0.1:${port}` });
    const client = sender('bulk', {
      port,
      eventMode,
      requireAckResponse: true,
      ackResponseTimeout: 90_000,
      flushInterval: 10,
    });
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => emit(client, 'lines', { log: `line ${i}`, n: i })));
      assert.equal(got.records.length, 200);
      assert.deepEqual(got.bodies.sort(), Array.from({ length: 200 }, (_, i) => `line ${i}`).sort());
      assert.ok(got.records.every((r) => attr(r, 'fluent.tag') === 'bulk.lines'));
    } finally {
      client.end();
      await got.receiver.shutdown();
    }
  });

/** a raw client: sends the bytes, collects what the receiver writes back */
async function rawClient(port: number | string) {
  const socket = typeof port === 'number' ? connect(port, '127.0.0.1') : connect(port);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const replies: Buffer[] = [];
  socket.on('data', (d) => replies.push(d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, replies, closed };
}

test('Forward mode encoded by msgpack-lite: entries with integer times, the chunk acknowledged as {ack}', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, { endpoint: `127.0.0.1:${port}` });
  const c = await rawClient(port);
  try {
    const event = [
      'fwd',
      [
        [1700000000, { message: 'one' }],
        [1700000001, { message: 'two', level: 'warn' }],
      ],
      { chunk: 'c-1' },
    ];
    c.socket.write(msgpack.encode(event));
    await waitFor('the ack', async () => c.replies.length > 0);
    assert.deepEqual(msgpack.decode(Buffer.concat(c.replies)), { ack: 'c-1' });
    assert.deepEqual(got.bodies, ['one', 'two']);
    assert.equal(got.records[1].timeUnixNano, 1700000001_000000000n);
    assert.equal(attr(got.records[1], 'level'), 'warn');
  } finally {
    c.socket.destroy();
    await got.receiver.shutdown();
  }
});

test('back-pressure: while the pipeline refuses, no ack; once it accepts, the records once and the ack', async () => {
  const port = await freePort();
  let refusals = 2;
  const got = await receiveLogs(factory, { endpoint: `127.0.0.1:${port}` }, async () => {
    if (refusals > 0) {
      refusals--;
      throw retryable('pipeline busy');
    }
  });
  const c = await rawClient(port);
  try {
    c.socket.write(msgpack.encode(['slow', 1700000000, { message: 'wait for it' }, { chunk: 'c-2' }]));
    await waitFor('the ack after the refusals', async () => c.replies.length > 0);
    assert.equal(refusals, 0);
    assert.deepEqual(msgpack.decode(Buffer.concat(c.replies)), { ack: 'c-2' });
    assert.deepEqual(got.bodies, ['wait for it']);
  } finally {
    c.socket.destroy();
    await got.receiver.shutdown();
  }
});

test('a malformed event closes its connection; the next client is served', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, { endpoint: `127.0.0.1:${port}` });
  try {
    const bad = await rawClient(port);
    // an event is an array whose second element is a time, entries or their bytes: a map is neither
    bad.socket.write(msgpack.encode(['tag', { not: 'a time' }, { message: 'x' }]));
    await bad.closed;
    const good = await rawClient(port);
    good.socket.write(msgpack.encode(['ok', 1700000000, { message: 'after' }]));
    await waitFor('the next client', async () => got.bodies.includes('after'));
    good.socket.destroy();
  } finally {
    await got.receiver.shutdown();
  }
});

test('heartbeat: a UDP byte on the TCP port is echoed back', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, { endpoint: `127.0.0.1:${port}` });
  const udp = createSocket('udp4');
  try {
    const echoed = new Promise<Buffer>((resolve) => udp.once('message', resolve));
    udp.send(Buffer.from([0]), port, '127.0.0.1');
    assert.deepEqual(await echoed, Buffer.from([0]));
  } finally {
    udp.close();
    await got.receiver.shutdown();
  }
});

test('a Unix socket endpoint, with fluent-logger connecting by path', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'fluent-')), 'fluent.sock');
  const got = await receiveLogs(factory, { endpoint: `unix://${path}` });
  const client = sender('unix', { path, requireAckResponse: true, ackResponseTimeout: 90_000 });
  try {
    await emit(client, 'sock', { message: 'over a unix socket' });
    assert.deepEqual(got.bodies, ['over a unix socket']);
  } finally {
    client.end();
    await got.receiver.shutdown();
  }
});

test('config: endpoint is required, host:port or unix://', () => {
  const problems = (c: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(c);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(problems({}), /endpoint is required/);
  assert.match(problems({ endpoint: 'localhost' }), /host:port \(TCP\) or unix:/);
  assert.equal(problems({ endpoint: '0.0.0.0:8006' }), '');
  assert.equal(problems({ endpoint: 'unix:///var/run/fluent.sock' }), '');
});
