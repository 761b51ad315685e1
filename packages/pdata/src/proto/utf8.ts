// Turning UTF-8 bytes of an OTLP message into strings, the hottest part of decoding: most
// strings are short attribute keys and values that repeat from span to span. A small
// direct-mapped cache returns the same string for the same bytes without allocating; other
// strings go through Buffer's native UTF-8 slicing, which is faster than TextDecoder for the
// lengths OTLP carries.

/** Buffer methods that exist on every Node release but are not in its typings. */
interface NativeSlices {
  utf8Slice(start: number, end: number): string;
}

const CACHE_SIZE = 4096; // a power of two
const CACHE_MAX_LENGTH = 40;
const cachedBytes = new Uint8Array(CACHE_SIZE * CACHE_MAX_LENGTH);
const cachedLength = new Uint8Array(CACHE_SIZE);
const cachedString: string[] = new Array<string>(CACHE_SIZE).fill('');

export class Utf8Reader {
  private readonly native: NativeSlices;

  constructor(private readonly buf: Uint8Array) {
    this.native = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as unknown as NativeSlices;
  }

  decode(start: number, end: number): string {
    const len = end - start;
    if (len > CACHE_MAX_LENGTH) return this.native.utf8Slice(start, end);
    if (len === 0) return '';
    const buf = this.buf;
    // the slot comes from the length and four sampled bytes; a collision only evicts
    const slot =
      (len * 0x9e37 +
        buf[start] * 0x3b +
        buf[end - 1] * 0x1f3 +
        buf[start + (len >> 1)] * 0x5d +
        buf[start + (len >> 2)]) &
      (CACHE_SIZE - 1);
    if (cachedLength[slot] === len) {
      // compared from the end: values that differ (ids, counters, paths) mostly differ there
      const base = slot * CACHE_MAX_LENGTH;
      let i = len - 1;
      while (i >= 0 && cachedBytes[base + i] === buf[start + i]) i--;
      if (i < 0) return cachedString[slot];
    }
    const s = this.native.utf8Slice(start, end);
    const base = slot * CACHE_MAX_LENGTH;
    // a copy loop: for a few dozen bytes, cheaper than allocating a subarray to set() from
    for (let i = 0; i < len; i++) cachedBytes[base + i] = buf[start + i];
    cachedLength[slot] = len;
    cachedString[slot] = s;
    return s;
  }
}

/**
 * Copies `s` into `buf` at `at` when it is all ASCII (one byte per character, the common case
 * of keys and label names) and says whether it was; the writers then know its length in bytes.
 */
export function copyAscii(s: string, buf: Uint8Array, at: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return false;
    buf[at + i] = c;
  }
  return true;
}
