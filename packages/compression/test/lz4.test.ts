// Our LZ4 frames against the reference implementation (the lz4 command-line tool, LZ4's own C
// library), and xxHash32 against the check values xxHash publishes. Frames from other encoders
// through the bounded decoder (pierrec/lz4's variants, linked blocks, checksums, inflation
// limits) are tested where the OTLP receivers use it, packages/otlp/test/compression.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { codecToolsOr, lz4Tool } from '@flowtel/testkit';
import { Lz4Scratch, OutputTooLarge, lz4Frame, lz4FrameDecompress, xxh32 } from '../src/index.ts';

test('xxHash32 gives the values of the reference implementation', () => {
  assert.equal(xxh32(Buffer.alloc(0)), 0x02cc5d05); // xxHash's XXH32 of no input, seed 0
  assert.equal(xxh32(Buffer.from('a')), 0x550d7456);
  assert.equal(xxh32(Buffer.from('abc')), 0x32d153ff);
  assert.equal(xxh32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
});

test('frames of compressible, incompressible, multi-block and empty data decode with the lz4 tool and ours', (t) => {
  if (!codecToolsOr(t)) return;
  const text = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `row ${i % 997},service-${i % 13};`).join(''));
  const cases: Record<string, Buffer> = {
    text,
    random: randomBytes(100_000),
    multiblock: Buffer.concat([text, randomBytes(1 << 20), text, text, text, text, text]),
    short: Buffer.from('0123456789'),
    empty: Buffer.alloc(0),
  };
  assert.ok(cases.multiblock.length > 4 << 20, 'more than one 4 MB block');
  const scratch = new Lz4Scratch();
  for (const [name, data] of Object.entries(cases)) {
    // parts are one frame, in order; the scratch is reused from frame to frame
    const frame = Buffer.from(lz4Frame([data.subarray(0, 3), data.subarray(3)], scratch));
    if (name === 'text')
      assert.ok(frame.length < data.length / 3, `text compresses (${frame.length} of ${data.length})`);
    if (name === 'random') assert.ok(frame.length <= data.length + 15, 'incompressible blocks are stored');
    assert.ok(lz4Tool(['-d', '-c'], frame).equals(data), `${name}: the lz4 tool decodes our frame`);
    assert.ok(lz4FrameDecompress(frame, data.length).equals(data), `${name}: our decoder gives the input back`);
  }
});

test('the decoder stops at its limit', () => {
  const frame = lz4Frame([Buffer.alloc(1 << 20)]);
  assert.throws(() => lz4FrameDecompress(frame, (1 << 20) - 1), OutputTooLarge);
});
