import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSpanId, newTraceId } from '../src/ids.ts';

test('trace and span ids have their sizes, are owned copies and do not repeat across pool refills', () => {
  const seen = new Set<string>();
  const ids: Uint8Array[] = [];
  for (let i = 0; i < 5000; i++) {
    const trace = newTraceId();
    const span = newSpanId();
    assert.equal(trace.length, 16);
    assert.equal(span.length, 8);
    assert.equal(trace.byteOffset, 0, 'not a view into the shared pool');
    ids.push(trace, span);
    for (const id of [trace, span]) seen.add(Buffer.from(id).toString('hex'));
  }
  assert.equal(seen.size, 10_000);
  assert.ok(ids.every((id) => id.some((b) => b !== 0)));
});
