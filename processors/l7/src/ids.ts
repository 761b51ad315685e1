// Trace and span ids at capture rates: one call into the CSPRNG fills a pool that hundreds of
// ids are cut from, instead of one call and one Buffer per id (that was a fifth of the
// engine's time in bench/l7-parse).
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 16 * 1024;
const pool = new Uint8Array(POOL_BYTES);
let offset = POOL_BYTES;

function take(bytes: number): Uint8Array {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.slice(offset, offset + bytes);
  offset += bytes;
  return id;
}

export const newTraceId = (): Uint8Array => take(16);
export const newSpanId = (): Uint8Array => take(8);
