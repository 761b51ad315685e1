// Bytes of one direction of one connection that arrived but do not yet form a whole message.
// Bounded: a peer that never finishes a message cannot make the processor grow without end.

import type { L7Message } from './message.ts';

export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;
const EMPTY = new Uint8Array(0);

export class StreamBuffer {
  private bytes: Uint8Array = EMPTY;
  private start = 0;
  private end = 0;
  /** Bytes still to be dropped as they arrive (a body the parser has no use for). */
  private skipRemaining = 0;
  /** False while `bytes` is the caller's chunk, which the caller may reuse after the call. */
  private owned = true;
  /**
   * Messages read from a head whose body is being skipped: reported once the body has gone by,
   * so a gap inside it can still mark them truncated (see hold()).
   */
  private heldMessages: L7Message[] | undefined;
  /** Bytes of the held messages' body that a gap took. */
  private heldLost = 0;

  constructor(readonly maxBytes = DEFAULT_MAX_BUFFERED_BYTES) {}

  get length(): number {
    return this.end - this.start;
  }

  /** Appends a chunk; false (and the buffer emptied) when it would exceed the bound. */
  append(chunk: Uint8Array): boolean {
    let data = chunk;
    if (this.skipRemaining > 0) {
      const skipped = Math.min(this.skipRemaining, data.length);
      this.skipRemaining -= skipped;
      data = data.subarray(skipped);
      if (data.length === 0) return true;
    }
    if (this.length + data.length > this.maxBytes) {
      this.clear();
      return false;
    }
    if (this.length === 0) {
      // The common case (one message per chunk) keeps a view instead of a copy.
      this.bytes = data;
      this.start = 0;
      this.end = data.length;
      this.owned = false;
      return true;
    }
    const merged = new Uint8Array(this.length + data.length);
    merged.set(this.bytes.subarray(this.start, this.end), 0);
    merged.set(data, this.length);
    this.bytes = merged;
    this.start = 0;
    this.end = merged.length;
    this.owned = true;
    return true;
  }

  /** Copies what is left out of the caller's chunk; parsers call it before returning. */
  detach(): void {
    if (this.owned || this.length === 0) return;
    this.bytes = this.bytes.slice(this.start, this.end);
    this.start = 0;
    this.end = this.bytes.length;
    this.owned = true;
  }

  /** The unconsumed bytes; a view valid until the next append or consume. */
  view(): Uint8Array {
    // most often the whole of the caller's chunk: no view of a view
    if (this.start === 0 && this.end === this.bytes.length) return this.bytes;
    return this.bytes.subarray(this.start, this.end);
  }

  consume(n: number): void {
    this.start = Math.min(this.start + n, this.end);
    if (this.start === this.end) this.clear();
  }

  /** Drops n bytes: those buffered now, and the rest as they arrive. */
  skip(n: number): void {
    const now = Math.min(n, this.length);
    this.consume(now);
    this.skipRemaining += n - now;
  }

  /**
   * `n` bytes of this direction were never seen (the capture kept only the head of a payload).
   * True when they fell inside bytes the parser meant to skip anyway; otherwise what was
   * buffered is dropped and parsing restarts at the next chunk.
   */
  gap(n: number): boolean {
    if (n <= this.skipRemaining) {
      this.skipRemaining -= n;
      if (this.heldMessages) this.heldLost += n;
      return true;
    }
    if (this.heldMessages) this.heldLost += this.skipRemaining;
    this.clear();
    return false;
  }

  /** Holds messages until the bytes being skipped now (their body) have gone by. */
  hold(messages: L7Message[]): void {
    if (this.heldMessages) for (const m of messages) this.heldMessages.push(m);
    else this.heldMessages = messages;
  }

  /**
   * The held messages once their body has gone by (or `now`: the connection ended, the stream
   * broke), with the bytes of that body a gap took; undefined while there are none to report.
   */
  release(now = false): { messages: L7Message[]; lost: number } | undefined {
    const messages = this.heldMessages;
    if (!messages || (this.skipRemaining > 0 && !now)) return undefined;
    const lost = this.heldLost;
    this.heldMessages = undefined;
    this.heldLost = 0;
    return { messages, lost };
  }

  get skipping(): number {
    return this.skipRemaining;
  }

  clear(): void {
    this.bytes = EMPTY;
    this.start = 0;
    this.end = 0;
    this.skipRemaining = 0;
    this.owned = true;
  }
}

/** One buffer per direction, the state most stream protocols need. */
export interface DuplexBuffers {
  toServer: StreamBuffer;
  toClient: StreamBuffer;
}

export function duplexBuffers(maxBytes = DEFAULT_MAX_BUFFERED_BYTES): DuplexBuffers {
  return { toServer: new StreamBuffer(maxBytes), toClient: new StreamBuffer(maxBytes) };
}
