// Bad input and the UDP server's keys: nothing crashes, what is refused is answered (HTTP) or
// dropped and counted (UDP), and queue_size / workers / max_packet_size / socket_buffer_size do
// what contrib's udpserver does with them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { permanent, retryable } from '@flowtel/core';
import { DecodeError } from '@flowtel/pdata';
import { BinaryReader, CompactReader } from '@flowtel/thrift';
import { waitFor } from '@flowtel/testkit';
import { decodeAgentMessage, decodeBatch } from '../src/thrift-batch.ts';
import { decodePostSpansRequest } from '../src/proto-batch.ts';
import { emitBatch, startJaeger, thriftBatch, type ThriftBatch } from './helpers.ts';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

const batch = (name: string): ThriftBatch => ({
  process: { serviceName: 'svc' },
  spans: [
    {
      traceIdHigh: '0',
      traceIdLow: '1',
      spanId: '2',
      parentSpanId: '0',
      operationName: name,
      flags: 1,
      startTime: 1_700_000_000_000_000,
      duration: 10,
      tags: [{ key: 'k', vType: 0, vStr: 'v' }],
      logs: [{ timestamp: 1_700_000_000_000_001, fields: [{ key: 'event', vType: 0, vStr: 'e' }] }],
    },
  ],
});

function udp(): (buf: Buffer, port: number) => void {
  const socket = createSocket('udp4');
  stops.push(() => new Promise((r) => socket.close(() => r())));
  return (buf, port) => socket.send(buf, port, '127.0.0.1');
}

test('mutated and truncated thrift and protobuf input: a DecodeError or a batch, never anything else', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const inputs: [string, Buffer, (b: Buffer) => unknown][] = [
    ['compact', emitBatch(batch('op'), 'compact'), (b) => decodeAgentMessage(new CompactReader(b))],
    ['binary', emitBatch(batch('op'), 'binary'), (b) => decodeAgentMessage(new BinaryReader(b))],
    ['http body', thriftBatch(batch('op')), (b) => decodeBatch(new BinaryReader(b))],
  ];
  let refused = 0;
  for (const [, valid, decode] of inputs) {
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(valid);
      const cut = i % 3 === 0 ? Math.floor(random() * b.length) : b.length;
      for (let m = 0; m < 1 + (i % 4); m++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
      try {
        decode(b.subarray(0, cut));
      } catch (err) {
        assert.ok(err instanceof DecodeError, `${(err as Error).name}: ${(err as Error).message}`);
        refused++;
      }
    }
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
      try {
        decodePostSpansRequest(b);
      } catch (err) {
        assert.ok(err instanceof DecodeError, `${(err as Error).name}: ${(err as Error).message}`);
      }
    }
  }
  assert.ok(refused > 1000, `most mutations are refused (${refused})`);
  // a list that claims more elements than the bytes could hold is refused before allocating
  const huge = Buffer.from([0xfc, 0xff, 0xff, 0xff, 0x07, 0x00]);
  assert.throws(() => new CompactReader(huge).list(12, () => 0), /larger than the .* bytes that remain/);
});

test('thrift_http answers bad requests with 400/405/413 and refusals with their status', async () => {
  const { receiver, consumer } = await startJaeger({
    thrift_http: {
      endpoint: '127.0.0.1:0',
      max_request_body_size: 4096,
      response_headers: { 'x-served-by': 'flowtel' },
    },
  });
  stops.push(() => receiver.shutdown());
  const url = `http://127.0.0.1:${receiver.thriftHttp!.port}/api/traces`;
  const post = (body: Buffer, type = 'application/x-thrift') =>
    fetch(url, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type } });

  let res = await post(Buffer.from('not thrift at all'));
  assert.equal(res.status, 400);
  assert.match(await res.text(), /^Unable to process request body: /);
  res = await post(thriftBatch(batch('op')), 'application/json');
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Unsupported content type: application\/json/);
  res = await fetch(url);
  assert.equal(res.status, 405);
  res = await post(Buffer.alloc(5000));
  assert.equal(res.status, 413);
  res = await post(thriftBatch(batch('fine')), 'application/vnd.apache.thrift.binary');
  assert.equal(res.status, 202);
  assert.equal(res.headers.get('x-served-by'), 'flowtel');
  assert.equal(consumer.spans.at(-1)!.name, 'fine');

  consumer.answer = async () => {
    throw retryable('memory limit reached');
  };
  res = await post(thriftBatch(batch('later')));
  assert.equal(res.status, 503);
  assert.match(await res.text(), /Cannot submit Jaeger batch: memory limit reached/);
  consumer.answer = async () => {
    throw permanent('bad data');
  };
  res = await post(thriftBatch(batch('never')));
  assert.equal(res.status, 500);
});

test('UDP: undecodable, emitZipkinBatch and oversized datagrams are dropped, the next ones still arrive', async () => {
  const { receiver, consumer } = await startJaeger({
    thrift_compact: { endpoint: '127.0.0.1:0', max_packet_size: 400 },
  });
  stops.push(() => receiver.shutdown());
  const send = udp();
  const port = receiver.thriftCompact!.port!;
  send(Buffer.from([0x82, 0x21, 0x01]), port);
  send(Buffer.from('garbage'), port);
  send(emitBatch(batch('zipkin'), 'compact', 'emitZipkinBatch'), port);
  send(emitBatch(batch('x'.repeat(500)), 'compact'), port);
  send(emitBatch(batch('sentinel'), 'compact'), port);
  await waitFor('the sentinel', async () => consumer.spans.some((s) => s.name === 'sentinel'), 60_000);
  assert.deepEqual(
    consumer.spans.map((s) => s.name),
    ['sentinel'],
  );
});

test('UDP: `workers` datagrams are in the pipeline at once, `queue_size` wait, the rest are dropped', async () => {
  const { receiver, consumer } = await startJaeger({
    thrift_binary: { endpoint: '127.0.0.1:0', workers: 2, queue_size: 2, socket_buffer_size: 262144 },
  });
  stops.push(() => receiver.shutdown());
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  consumer.answer = () => gate;
  const send = udp();
  const port = receiver.thriftBinary!.port!;
  // the kernel doubles SO_RCVBUF for its bookkeeping
  assert.ok(receiver.thriftBinary!.recvBufferSize! >= 262144);
  for (let i = 0; i < 6; i++) send(emitBatch(batch(`s${i}`), 'binary'), port);
  await waitFor('two in the pipeline', async () => consumer.received.length === 2, 60_000);
  await waitFor('all six datagrams read', async () => receiver.thriftBinary!.datagramsRead === 6, 60_000);
  assert.equal(consumer.received.length, 2, 'no more than `workers` at once');
  release();
  await waitFor('the two queued', async () => consumer.received.length === 4, 60_000);
  send(emitBatch(batch('sentinel'), 'binary'), port);
  await waitFor('the sentinel', async () => consumer.spans.some((s) => s.name === 'sentinel'), 60_000);
  assert.deepEqual(
    consumer.spans.map((s) => s.name),
    ['s0', 's1', 's2', 's3', 'sentinel'],
  );
});
