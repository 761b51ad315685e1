// LZ4 frames as the remote mode sends them, read back by the real engine (file() decodes a
// `.lz4` file with ClickHouse's own LZ4 frame reader) and by the decoder the test server uses.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lz4Frame, lz4FrameDecompress } from '@flowtel/compression';
import { EmbeddedClient } from '../src/embedded.ts';
import { encodeTraces } from '../src/encode/traces.ts';
import { sampleTraces, tempDir } from './fixtures.ts';

test('frames of compressible, incompressible, multi-block and empty data decode in the engine', async (t) => {
  const dir = tempDir(t);
  const traces = sampleTraces();
  const spans = traces.resourceSpans[0].scopeSpans[0].spans;
  traces.resourceSpans[0].scopeSpans[0].spans = Array.from({ length: 20_000 }, (_, i) => spans[i % spans.length]);
  const native = Buffer.concat(encodeTraces(traces, 't', { maxRows: 1e6, maxBytes: 1e12 }, 20_000)[0].data);
  const cases: Record<string, Buffer> = {
    native,
    random: randomBytes(100_000),
    multiblock: Buffer.concat([native, randomBytes(1 << 20), native, native]),
    short: Buffer.from('0123456789'),
    empty: Buffer.alloc(0),
  };
  assert.ok(cases.multiblock.length > 4 << 20, 'more than one 4 MB block');
  const client = EmbeddedClient.open(join(dir, 'engine'));
  try {
    for (const [name, data] of Object.entries(cases)) {
      const frame = lz4Frame([data]);
      if (name === 'native')
        assert.ok(frame.length < data.length / 3, `a Native block compresses (${frame.length} of ${data.length})`);
      assert.ok(
        lz4FrameDecompress(frame, data.length).equals(data),
        `${name}: the decoder the test server uses gives the input back`,
      );
      const path = join(dir, `${name}.lz4`);
      writeFileSync(path, frame);
      const out = await client.query(`SELECT * FROM file('${path}', 'RawBLOB')`, 'RawBLOB');
      assert.ok(out.equals(data), `${name}: the engine decodes ${out.length} bytes of ${data.length}`);
    }
  } finally {
    await client.close();
  }
});
