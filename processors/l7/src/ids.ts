// Trace and span ids at capture rates: one call into the CSPRNG fills a pool that hundreds of
// ids are cut from, instead of one call and one Buffer per id (that was a fifth of the
// engine's time in bench/l7-parse). Ids are views of the pool, not copies: a copy is an
// ArrayBuffer of its own for the GC to track. A full pool is left to the ids that use it.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 16 * 1024;
let pool = new Uint8Array(0);
let offset = 0;

function take(bytes: number): Uint8Array {
  if (offset + bytes > pool.length) {
    pool = randomFillSync(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  const id = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return id;
}

export const newTraceId = (): Uint8Array => take(16);
export const newSpanId = (): Uint8Array => take(8);
