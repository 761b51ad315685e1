// IP fragment reassembly (IPv4 and IPv6 fragment headers alike). Bounded: at most `maxPending`
// datagrams wait for their missing fragments, and a datagram whose fragments stop coming for
// `timeoutNs` of capture time is dropped, so a capture full of lone fragments cannot grow memory.

const MAX_DATAGRAM = 65_535;

interface Part {
  offset: number;
  bytes: Uint8Array;
}

interface Pending {
  parts: Part[];
  /** known once the last fragment (more-fragments clear) arrived */
  totalLength: number | undefined;
  firstSeenNs: bigint;
}

export class IpDefragmenter {
  readonly stats = { reassembled: 0, dropped: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly maxPending: number;
  private readonly timeoutNs: bigint;

  constructor(maxPending = 1024, timeoutNs = 30_000_000_000n) {
    this.maxPending = maxPending;
    this.timeoutNs = timeoutNs;
  }

  /**
   * Adds one fragment's payload (`offset` in bytes from the start of the datagram's payload).
   * Returns the whole payload when this fragment completed it.
   */
  add(
    key: string,
    offset: number,
    moreFragments: boolean,
    bytes: Uint8Array,
    timestampNs: bigint,
  ): Uint8Array | undefined {
    this.expire(timestampNs);
    if (offset + bytes.length > MAX_DATAGRAM) {
      this.drop(key);
      return undefined;
    }
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.maxPending) this.drop(this.pending.keys().next().value as string);
      entry = { parts: [], totalLength: undefined, firstSeenNs: timestampNs };
      this.pending.set(key, entry);
    }
    entry.parts.push({ offset, bytes });
    if (!moreFragments) entry.totalLength = offset + bytes.length;
    if (entry.totalLength === undefined || !covers(entry.parts, entry.totalLength)) return undefined;
    this.pending.delete(key);
    this.stats.reassembled++;
    const whole = new Uint8Array(entry.totalLength);
    // in arrival order, so a retransmitted overlapping fragment wins, as Linux does
    for (const part of entry.parts)
      whole.set(part.bytes.subarray(0, Math.max(0, entry.totalLength - part.offset)), part.offset);
    return whole;
  }

  private drop(key: string): void {
    if (this.pending.delete(key)) this.stats.dropped++;
  }

  private expire(nowNs: bigint): void {
    for (const [key, entry] of this.pending) {
      if (nowNs - entry.firstSeenNs <= this.timeoutNs) break;
      this.drop(key);
    }
  }
}

function covers(parts: Part[], totalLength: number): boolean {
  const sorted = [...parts].sort((a, b) => a.offset - b.offset);
  let reached = 0;
  for (const part of sorted) {
    if (part.offset > reached) return false;
    reached = Math.max(reached, part.offset + part.bytes.length);
  }
  return reached >= totalLength;
}
