import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSpanId, newTraceId } from '../src/ids.ts';

test('trace and span ids have their sizes, keep their bytes across pool refills and do not repeat', () => {
  const seen = new Set<string>();
  const ids: Uint8Array[] = [];
  const first = newTraceId();
  const firstHex = Buffer.from(first).toString('hex');
  // 5000 × 24 bytes: several 16 KiB pools
  for (let i = 0; i < 5000; i++) {
    const trace = newTraceId();
    const span = newSpanId();
    assert.equal(trace.length, 16);
    assert.equal(span.length, 8);
    ids.push(trace, span);
    for (const id of [trace, span]) seen.add(Buffer.from(id).toString('hex'));
  }
  assert.equal(seen.size, 10_000);
  assert.equal(Buffer.from(first).toString('hex'), firstHex, 'a pool is never refilled under the ids cut from it');
  assert.ok(ids.every((id) => id.some((b) => b !== 0)));
});
