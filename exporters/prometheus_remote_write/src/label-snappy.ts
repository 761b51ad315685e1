// Snappy block compression that knows where the labels are. A WriteRequest repeats the same
// label pairs (job, instance, __name__, the common attributes) from series to series; the
// encoder records where each pair's bytes went, and this compressor turns every repeat into a
// copy element pointing at the pair's previous occurrence, and the rest into literals. The
// output is an ordinary snappy block that any decoder reads; it costs a memcpy per literal
// instead of a hash per byte, at the price of a lower ratio than general snappy.

/** The encoded bytes of one label pair, and where they last went in the request being built. */
export interface LabelBytes {
  bytes: Uint8Array;
  lastAt: number;
  /** which request `lastAt` belongs to */
  epoch: number;
}

/** A series' label entries, encoded back to back, and where each pair sits in them. */
export interface LabelBlock {
  block: Uint8Array;
  offsets: number[];
  pairs: LabelBytes[];
}

/** Where label blocks were written while encoding: parallel arrays, one entry per series. */
export class Segments {
  at: number[] = [];
  blocks: LabelBlock[] = [];

  get length(): number {
    return this.at.length;
  }

  push(at: number, block: LabelBlock): void {
    this.at.push(at);
    this.blocks.push(block);
  }

  clear(): void {
    this.at.length = 0;
    this.blocks.length = 0;
  }
}

const MAX_COPY = 64;

class ElementWriter {
  out: Uint8Array;
  pos = 0;

  constructor(capacity: number) {
    this.out = new Uint8Array(capacity);
  }

  varint(n: number): void {
    while (n >= 128) {
      this.out[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.out[this.pos++] = n;
  }

  literal(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    const m = n - 1;
    if (m < 60) this.out[this.pos++] = m << 2;
    else if (m < 0x100) {
      this.out[this.pos++] = 60 << 2;
      this.out[this.pos++] = m;
    } else if (m < 0x10000) {
      this.out[this.pos++] = 61 << 2;
      this.out[this.pos++] = m & 0xff;
      this.out[this.pos++] = m >>> 8;
    } else if (m < 0x1000000) {
      this.out[this.pos++] = 62 << 2;
      this.out[this.pos++] = m & 0xff;
      this.out[this.pos++] = (m >>> 8) & 0xff;
      this.out[this.pos++] = m >>> 16;
    } else {
      this.out[this.pos++] = 63 << 2;
      this.out[this.pos++] = m & 0xff;
      this.out[this.pos++] = (m >>> 8) & 0xff;
      this.out[this.pos++] = (m >>> 16) & 0xff;
      this.out[this.pos++] = m >>> 24;
    }
    this.out.set(src.subarray(from, to), this.pos);
    this.pos += n;
  }

  /** Copies of `length` bytes from `offset` back, in elements of at most 64 bytes. */
  copy(offset: number, length: number): void {
    while (length > 0) {
      const n = Math.min(length, MAX_COPY);
      if (n >= 4 && n <= 11 && offset < 2048) {
        this.out[this.pos++] = ((offset >>> 8) << 5) | ((n - 4) << 2) | 1;
        this.out[this.pos++] = offset & 0xff;
      } else if (offset < 0x10000) {
        this.out[this.pos++] = ((n - 1) << 2) | 2;
        this.out[this.pos++] = offset & 0xff;
        this.out[this.pos++] = offset >>> 8;
      } else {
        this.out[this.pos++] = ((n - 1) << 2) | 3;
        this.out[this.pos++] = offset & 0xff;
        this.out[this.pos++] = (offset >>> 8) & 0xff;
        this.out[this.pos++] = (offset >>> 16) & 0xff;
        this.out[this.pos++] = offset >>> 24;
      }
      length -= n;
    }
  }
}

let epochs = 0;

/**
 * Compresses buf[start, end) into a snappy block; `segments` entries from..to are the label
 * blocks inside that range, in order. Each request gets a fresh epoch, so a pair's occurrence
 * in an earlier request is never referenced.
 */
export function compressWithLabels(
  buf: Uint8Array,
  start: number,
  end: number,
  segments: Segments,
  from: number,
  to: number,
): Uint8Array {
  const epoch = ++epochs;
  const length = end - start;
  // copies never outgrow what they replace (see below); literal headers past 3 bytes need gaps
  // of 64 KiB, so this bounds the output
  const w = new ElementWriter(length + Math.ceil(length / 0x10000) * 5 + 16);
  w.varint(length);
  let literalFrom = start;
  // a run of copies whose sources are contiguous too becomes one copy
  let runOffset = 0;
  let runLength = 0;
  const flushRun = () => {
    if (runLength > 0) w.copy(runOffset, runLength);
    runLength = 0;
  };
  const { at, blocks } = segments;
  for (let b = from; b < to; b++) {
    const { offsets, pairs } = blocks[b];
    for (let i = 0; i < pairs.length; i++) {
      const entry = pairs[i];
      const pos = at[b] + offsets[i];
      const size = entry.bytes.length;
      const offset = pos - entry.lastAt;
      // a copy only where it is no longer than the bytes it stands for, with its literal header
      if (entry.epoch === epoch && size >= 6 && (offset < 0x10000 || size >= 8)) {
        if (runLength > 0 && pos === literalFrom && offset === runOffset) {
          runLength += size;
        } else {
          flushRun();
          w.literal(buf, literalFrom, pos);
          runOffset = offset;
          runLength = size;
        }
        literalFrom = pos + size;
      }
      // a first occurrence stays in the literal bytes, emitted before the next copy or at the end
      entry.lastAt = pos;
      entry.epoch = epoch;
    }
  }
  flushRun();
  w.literal(buf, literalFrom, end);
  return w.out.slice(0, w.pos);
}
