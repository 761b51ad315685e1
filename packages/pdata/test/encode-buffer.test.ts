import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EncodeBuffer,
  decodeTraces,
  encodeTraces,
  encodeTracesJson,
  tracesFromJson,
  type Traces,
} from '../src/index.ts';
import { sampleTraces } from './support/sample.ts';

/** sampleTraces with its spans repeated 2^doublings times */
function bigTraces(doublings: number): Traces {
  const model = sampleTraces();
  const spans = model.resourceSpans[0].scopeSpans[0].spans;
  for (let i = 0; i < doublings; i++) spans.push(...spans);
  return model;
}

const codecs = [
  { name: 'protobuf', encode: encodeTraces, decode: (b: Uint8Array) => decodeTraces(b) },
  {
    name: 'OTLP/JSON',
    encode: encodeTracesJson,
    decode: (b: Uint8Array) => tracesFromJson(Buffer.from(b).toString('utf8')),
  },
];

for (const { name, encode, decode } of codecs) {
  test(`${name}: encodes into an EncodeBuffer give the same bytes as fresh ones, in memory that is grown once and reused`, () => {
    const reused = new EncodeBuffer();
    const small = sampleTraces();
    const big = bigTraces(10);

    const first = encode(small, reused);
    assert.deepEqual(Buffer.from(first), Buffer.from(encode(small)));
    assert.equal(first.buffer, reused.bytes.buffer, 'written into the EncodeBuffer');

    const second = encode(big, reused);
    assert.ok(second.length > 1 << 20, `${second.length} bytes: more than the first memory held`);
    assert.deepEqual(decode(second), big, 'a message that outgrew the memory is whole');
    assert.equal(second.buffer, reused.bytes.buffer, 'the grown memory is left for the next encode');
    assert.ok(reused.bytes.length >= second.length);

    const grown = reused.bytes;
    const third = encode(small, reused);
    assert.equal(reused.bytes, grown, 'no new memory for a message that fits');
    assert.equal(third.buffer, grown.buffer);
    assert.deepEqual(decode(third), small);
  });
}
