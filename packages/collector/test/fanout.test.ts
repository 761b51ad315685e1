// Fan-out without copies: a request that a real gRPC client sends to the otlp receiver leaves
// every exporter of the pipeline as the very bytes it came in, although one exporter (debug,
// detailed) decodes and reads it on the way. The request is written by hand so that flowtel
// could not make the same bytes again: a span whose name is given twice (protobuf keeps the
// last) and a span kind written out at its default. A decode and re-encode anywhere would
// show as different bytes in a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { lengthPrefixedRecords } from '@flowtel/exporter-file';
import { freePort, startCollector, waitFor, waitForOutput, waitForPort } from '@flowtel/testkit';

const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
  return [...out, n];
};
const bytesField = (tag: number, payload: Uint8Array | string): number[] => {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return [...varint((tag << 3) | 2), ...varint(body.length), ...body];
};
const message = (...fields: number[][]): Uint8Array => Uint8Array.from(fields.flat());
const fixed64 = (tag: number, value: bigint): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return [...varint((tag << 3) | 1), ...b];
};

function handWrittenRequest(): Uint8Array {
  const span = message(
    bytesField(1, Buffer.alloc(16, 0xab)), // trace_id
    bytesField(2, Buffer.alloc(8, 0xcd)), // span_id
    bytesField(5, 'first name'), // name, given twice: the last one counts
    bytesField(5, 'GET /fanout'),
    [...varint((6 << 3) | 0), 0], // kind = SPAN_KIND_UNSPECIFIED written out
    fixed64(7, 1_700_000_000_000_000_000n),
    fixed64(8, 1_700_000_000_001_000_000n),
  );
  const resource = message(
    bytesField(1, message(bytesField(1, 'service.name'), bytesField(2, message(bytesField(1, 'fanout-test'))))),
  );
  const scopeSpans = message(bytesField(1, message(bytesField(1, 'hand'))), bytesField(2, span));
  return message(bytesField(1, message(bytesField(1, resource), bytesField(2, scopeSpans))));
}

function exportOverGrpc(port: number, request: Uint8Array): Promise<void> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise<void>((resolve, reject) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      request,
      (err: ServiceError | null) => (client.close(), err ? reject(err) : resolve()),
    );
  });
}

const recordsIn = (path: string) => (existsSync(path) ? lengthPrefixedRecords(readFileSync(path)) : []);

test(
  'two file exporters (and a debug exporter that reads the data) all get the request bytes the client sent',
  { timeout: 60_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtel-fanout-'));
    const [a, b] = [join(dir, 'a.binpb'), join(dir, 'b.binpb')];
    const port = await freePort();
    const collector = startCollector(`
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:${port}"}}}
exporters:
  debug: {verbosity: detailed}
  file/a: {path: ${a}, format: proto, flush_interval: 50ms}
  file/b: {path: ${b}, format: proto, flush_interval: 50ms}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug, file/a, file/b]}
`);
    t.after(() => collector.stop());
    await waitForPort(port);

    const request = handWrittenRequest();
    await exportOverGrpc(port, request);
    await waitFor('both files to hold a record', async () => recordsIn(a).length > 0 && recordsIn(b).length > 0);
    await waitForOutput(collector, 'GET /fanout');
    for (const path of [a, b]) {
      const records = recordsIn(path);
      assert.equal(records.length, 1, path);
      assert.deepEqual(Buffer.from(records[0]), Buffer.from(request), `${path} holds the client's bytes`);
    }
    assert.ok(!collector.output().includes('first name'), 'the debug exporter decoded it: the last name counts');
  },
);
