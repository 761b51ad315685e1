// Our encoding is the canonical one: protobufjs, which writes back exactly the fields it read
// in field-number order, reproduces our bytes byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLogs, encodeMetrics, encodeTraces } from '../src/index.ts';
import { loadOtlpTypes } from './support/otlp-proto.ts';
import { sampleLogs, sampleMetrics, sampleTraces } from './support/sample.ts';

const types = loadOtlpTypes();

const cases = [
  ['traces', types.traceRequest, encodeTraces(sampleTraces())],
  ['metrics', types.metricsRequest, encodeMetrics(sampleMetrics())],
  ['logs', types.logsRequest, encodeLogs(sampleLogs())],
] as const;

for (const [name, type, bytes] of cases) {
  test(`canonical: protobufjs re-encodes our ${name} bytes identically`, () => {
    const again = type.encode(type.decode(bytes)).finish();
    assert.equal(Buffer.from(again).toString('hex'), Buffer.from(bytes).toString('hex'));
  });
}
