// One direction of a TCP connection, put back in order by sequence number: what the receiving
// process would have read. Retransmitted and overlapping bytes are dropped, segments that arrive
// early wait (up to a byte budget), and holes the capture never fills (a packet the capture
// missed) are skipped when the peer's ACK shows it got past them, when the budget is exceeded,
// or when the stream ends.

export interface StreamChunk {
  /** the bytes as captured: shorter than byteCount when the snap length cut segments */
  bytes: Uint8Array;
  byteCount: number;
}

interface Segment {
  seq: number;
  bytes: Uint8Array;
  length: number;
}

export interface TcpStreamStats {
  /** bytes dropped because they were already delivered */
  duplicateBytes: number;
  /** bytes of sequence space skipped because the capture never saw them */
  missingBytes: number;
}

/** a - b on the 32-bit sequence circle */
const seqDiff = (a: number, b: number): number => (a - b) | 0;

export class TcpStream {
  /** counters this stream adds to; several streams may share one */
  readonly stats: TcpStreamStats;
  /** the next sequence number the reader expects; undefined until the stream's start is known */
  private nextSeq: number | undefined;
  /** the sequence number of the FIN, once seen */
  private finSeq: number | undefined;
  /** nextSeq came from the peer's ACK, no data has been delivered yet */
  private anchoredOnly = false;
  private pending: Segment[] = [];
  private pendingBytes = 0;
  private readonly maxPendingBytes: number;

  constructor(maxPendingBytes: number, stats: TcpStreamStats = { duplicateBytes: 0, missingBytes: 0 }) {
    this.maxPendingBytes = maxPendingBytes;
    this.stats = stats;
  }

  get started(): boolean {
    return this.nextSeq !== undefined;
  }

  /** the SYN's sequence number, once seen */
  private synSeq: number | undefined;

  /** The SYN's sequence number: the data starts one after it. */
  syn(seq: number): void {
    this.synSeq ??= seq >>> 0;
    if (this.nextSeq === undefined) this.nextSeq = (seq + 1) >>> 0;
  }

  /** Whether a SYN with this sequence number repeats the one already seen (a retransmission). */
  isSyn(seq: number): boolean {
    return this.synSeq === seq >>> 0;
  }

  /** Where the stream stands when the capture began mid-way: the peer's ACK number. */
  anchor(seq: number): void {
    if (this.nextSeq !== undefined) return;
    this.nextSeq = seq >>> 0;
    this.anchoredOnly = true;
  }

  fin(seq: number): void {
    this.finSeq ??= seq >>> 0;
  }

  get finSeen(): boolean {
    return this.finSeq !== undefined;
  }

  /** True once every byte before the FIN has been delivered. */
  get finished(): boolean {
    return this.finSeq !== undefined && this.nextSeq !== undefined && seqDiff(this.nextSeq, this.finSeq) >= 0;
  }

  /** Adds a segment; returns what became readable in order (one chunk per contiguous run). */
  segment(seq: number, bytes: Uint8Array, length: number): StreamChunk[] {
    if (length === 0) return [];
    this.nextSeq ??= seq;
    const out: StreamChunk[] = [];
    if (this.anchoredOnly && seqDiff(seq, this.nextSeq) > 0) {
      // bytes between the peer's ACK and the first data the capture saw were sent before it
      // began: nothing was delivered yet whose order a wait could protect
      this.stats.missingBytes += seqDiff(seq, this.nextSeq);
      this.nextSeq = seq >>> 0;
    }
    this.anchoredOnly = false;
    if (seqDiff(seq, this.nextSeq) > 0) {
      this.hold({ seq, bytes, length });
      if (this.pendingBytes > this.maxPendingBytes) this.skipHole(out);
      return out;
    }
    const run = new Run(out);
    this.take({ seq, bytes, length }, run);
    this.drain(run);
    run.close();
    return out;
  }

  /** The peer acknowledged up to `ack`: bytes before it that the capture lacks will not come. */
  acknowledged(ack: number, out: StreamChunk[]): void {
    while (this.pending.length > 0 && this.nextSeq !== undefined && seqDiff(ack, this.nextSeq) > 0) {
      if (seqDiff(this.pending[0].seq, ack) >= 0) return;
      this.skipHole(out);
    }
  }

  /** The stream ends (RST, end of capture): deliver what waits, skipping holes. */
  flush(): StreamChunk[] {
    const out: StreamChunk[] = [];
    while (this.pending.length > 0) this.skipHole(out);
    return out;
  }

  private hold(segment: Segment): void {
    const at = this.pending.findIndex((s) => seqDiff(s.seq, segment.seq) > 0);
    this.pending.splice(at < 0 ? this.pending.length : at, 0, segment);
    this.pendingBytes += segment.length;
  }

  /** Jumps the expected sequence number to the first waiting segment and delivers from there. */
  private skipHole(out: StreamChunk[]): void {
    const first = this.pending[0];
    if (!first || this.nextSeq === undefined) return;
    this.stats.missingBytes += Math.max(0, seqDiff(first.seq, this.nextSeq));
    this.nextSeq = first.seq;
    const run = new Run(out);
    this.drain(run);
    run.close();
  }

  private drain(run: Run): void {
    while (this.pending.length > 0 && this.nextSeq !== undefined && seqDiff(this.pending[0].seq, this.nextSeq) <= 0) {
      const segment = this.pending.shift()!;
      this.pendingBytes -= segment.length;
      this.take(segment, run);
    }
  }

  /** Appends the part of `segment` past nextSeq (it starts at or before nextSeq). */
  private take(segment: Segment, run: Run): void {
    const overlap = -seqDiff(segment.seq, this.nextSeq!);
    if (overlap >= segment.length) {
      this.stats.duplicateBytes += segment.length;
      return;
    }
    this.stats.duplicateBytes += overlap;
    run.add(segment.bytes.subarray(Math.min(overlap, segment.bytes.length)), segment.length - overlap);
    this.nextSeq = (this.nextSeq! + segment.length - overlap) >>> 0;
  }
}

/** Contiguous delivered bytes, joined into one chunk; a segment the snap length cut ends the chunk, so captured bytes never run together across what is missing. */
class Run {
  private parts: Uint8Array[] = [];
  private byteCount = 0;
  private readonly out: StreamChunk[];

  constructor(out: StreamChunk[]) {
    this.out = out;
  }

  add(bytes: Uint8Array, byteCount: number): void {
    this.parts.push(bytes);
    this.byteCount += byteCount;
    if (bytes.length < byteCount) this.close();
  }

  close(): void {
    if (this.byteCount === 0) return;
    this.out.push({ bytes: this.parts.length === 1 ? this.parts[0] : concat(this.parts), byteCount: this.byteCount });
    this.parts = [];
    this.byteCount = 0;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const joined = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return joined;
}
