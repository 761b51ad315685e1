// Bad input gets a clear CaptureFormatError, never a crash, a hang or a huge allocation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CaptureFormatError, decodeCapture, decodePackets, readCapture } from '../src/index.ts';
import { DEEPFLOW_CAPTURES, requireDeepflow } from './support/deepflow.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'http-lo.pcapng');
const capture = readFileSync(FIXTURE);
const DEEPFLOW_HTTP = join(DEEPFLOW_CAPTURES, 'http/httpv1.pcap');

/** where each block of a little-endian pcapng file starts */
function blockOffsets(ng: Buffer): number[] {
  const offsets = [];
  for (let at = 0; at < ng.length; at += ng.readUInt32LE(at + 4)) offsets.push(at);
  return offsets;
}

const isFormatError = (pattern: RegExp) => (err: unknown) =>
  err instanceof CaptureFormatError && pattern.test(err.message);

test('an empty file and a file of garbage say what is wrong', () => {
  assert.throws(() => decodeCapture(new Uint8Array(0)), isFormatError(/empty capture/));
  assert.throws(
    () => decodeCapture(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
    isFormatError(/not a pcap or pcapng capture \(magic 0x47455420\)/),
  );
  assert.throws(() => decodeCapture(Buffer.from([0xd4, 0xc3])), isFormatError(/too short/));
});

test('a capture cut mid-packet: the error names the offset, the streaming reader delivers what came before', async () => {
  const packetBlocks = blockOffsets(capture).filter((at) => capture.readUInt32LE(at) === 6);
  const last = packetBlocks[packetBlocks.length - 1];
  const cut = capture.subarray(0, last + 40);
  assert.throws(
    () => decodeCapture(cut),
    isFormatError(
      new RegExp(
        `truncated: 40 bytes of an incomplete block at offset ${last} \\(after frame ${packetBlocks.length - 1}\\)`,
      ),
    ),
  );
  const seen = [];
  await assert.rejects(
    async () => {
      for await (const e of readCapture(cut)) seen.push(e);
    },
    isFormatError(/truncated/),
  );
  assert.ok(seen.length > 0, 'events before the cut were delivered');
});

test('absurd lengths are refused before the reader waits for or allocates them', (t) => {
  if (!requireDeepflow(t)) return;
  const pcap = Buffer.from(readFileSync(DEEPFLOW_HTTP));
  pcap.writeUInt32LE(0x7fffffff, 24 + 8); // the first record's captured length
  assert.throws(
    () => decodeCapture(pcap),
    isFormatError(/claims 2147483647 captured bytes .*corrupt capture at offset 24/),
  );

  const ng = Buffer.from(capture);
  const secondBlock = ng.readUInt32LE(4); // right after the section header
  ng.writeUInt32LE(0xfffffff0, secondBlock + 4);
  assert.throws(() => decodeCapture(ng), isFormatError(/invalid length 4294967280/));

  const mismatch = Buffer.from(capture);
  mismatch.writeUInt32LE(mismatch.readUInt32LE(secondBlock + 4) + 4, secondBlock + 4);
  assert.throws(() => decodeCapture(mismatch), isFormatError(/trailing length differs/));
});

test('a packet on an interface no block declared', () => {
  const ng = Buffer.from(capture);
  const firstPacket = blockOffsets(ng).find((at) => ng.readUInt32LE(at) === 6)!;
  ng.writeUInt32LE(7, firstPacket + 8);
  assert.throws(() => decodeCapture(ng), isFormatError(/interface 7, which no interface description block declared/));
});

test('a capture cut at every possible length never crashes', (t) => {
  if (!requireDeepflow(t)) return;
  const small = readFileSync(DEEPFLOW_HTTP);
  let ok = 0;
  for (let n = 0; n < small.length; n++) {
    try {
      decodeCapture(small.subarray(0, n));
      ok++;
    } catch (err) {
      assert.ok(err instanceof CaptureFormatError, `length ${n}: ${err}`);
    }
  }
  // only the cuts at record boundaries (after the header, after the first record) read cleanly
  assert.equal(ok, 2);
});

test('random corruption of a real capture: CaptureFormatError or a clean read, quickly', () => {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const started = Date.now();
  let clean = 0;
  let refused = 0;
  for (let round = 0; round < 400; round++) {
    const bytes = Buffer.from(capture);
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    try {
      decodeCapture(bytes, { perspective: 'both' });
      decodePackets(bytes);
      clean++;
    } catch (err) {
      assert.ok(err instanceof CaptureFormatError, `round ${round}: ${(err as Error).stack}`);
      refused++;
    }
  }
  assert.ok(clean > 0 && refused > 0, `clean ${clean}, refused ${refused}`);
  assert.ok(Date.now() - started < 20_000, 'no pathological slowness');
});
