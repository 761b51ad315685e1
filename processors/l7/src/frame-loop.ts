// The loop every stream parser shares: append the chunk, cut as many whole frames as the
// buffer holds, keep the rest for the next call. Protocol modules only say how to read one
// frame from the front of the buffer.

import { truncated, type L7Message } from './message.ts';
import {
  LOST,
  NEED_MORE_DATA,
  failure,
  gapOf,
  type Direction,
  type GapResult,
  type ParseFailure,
  type ParseResult,
} from './parser.ts';
import type { DuplexBuffers, StreamBuffer } from './stream-buffer.ts';

export interface FrameRead {
  /** Bytes of the buffer this frame used (must be > 0 unless skip is set). */
  consumed: number;
  messages?: L7Message[];
  /** Further bytes to drop after `consumed`, for example a body the parser does not read. */
  skip?: number;
  /**
   * The messages end with the skipped bytes (a NATS payload, a memcached data block): they are
   * reported once those bytes have gone by, whole, or marked truncated when a gap took part of
   * them.
   */
  endsWithSkip?: boolean;
}

/** A whole frame, MORE when the buffer holds only part of one, or a failure. */
export type FrameStep = FrameRead | typeof MORE | ParseFailure;
export const MORE = 'more' as const;

const NONE: L7Message[] = [];

/** A connection's frame reader for each direction: made once with its state, not as a closure per chunk (garbage per event). */
export type FrameReaders = Record<Direction, (bytes: Uint8Array) => FrameStep>;

export function frameReaders(read: (direction: Direction, bytes: Uint8Array) => FrameStep): FrameReaders {
  return { toServer: (b) => read('toServer', b), toClient: (b) => read('toClient', b) };
}

export function readFrames(
  buffer: StreamBuffer,
  chunk: Uint8Array,
  readFrame: (bytes: Uint8Array) => FrameStep,
): ParseResult {
  // most chunks hold one frame: the list the parser made for it is the result (parsers make a
  // fresh list per frame), and no list is made to collect into
  let messages = NONE;
  const add = (found: L7Message[] | undefined) => {
    if (found === undefined || found.length === 0) return;
    if (messages === NONE) messages = found;
    else for (const m of found) messages.push(m);
  };
  try {
    if (!buffer.append(chunk)) {
      add(released(buffer, true));
      return messages.length > 0 ? messages : failure(`message larger than the ${buffer.maxBytes}-byte buffer bound`);
    }
    add(released(buffer));
    while (buffer.length > 0) {
      const step = readFrame(buffer.view());
      if (step === MORE) break;
      if ('kind' in step) {
        buffer.clear();
        return messages.length > 0 ? messages : step;
      }
      if (step.consumed <= 0 && !step.skip) {
        buffer.clear();
        return failure('parser made no progress');
      }
      buffer.consume(step.consumed);
      if (step.skip) buffer.skip(step.skip);
      if (step.endsWithSkip && buffer.skipping > 0 && step.messages !== undefined) buffer.hold(step.messages);
      else add(step.messages);
    }
    buffer.detach();
  } catch (err) {
    buffer.clear();
    return messages.length > 0 ? messages : failure(`parser error: ${(err as Error).message}`);
  }
  if (messages.length > 0) return messages;
  return buffer.length > 0 || buffer.skipping > 0 ? NEED_MORE_DATA : [];
}

/** For datagram protocols and infer(): run, and turn any exception into a failure. */
export function guarded(run: () => ParseResult): ParseResult {
  try {
    return run();
  } catch (err) {
    return failure(`parser error: ${(err as Error).message}`);
  }
}

/**
 * `bytes` of a length-prefixed protocol were lost after what `buffer` holds. A frame whose
 * first bytes are held is read from them by `readHead` (the protocol's frame reader told that
 * these bytes are all it will get of the frame; it reports the frame's whole length as
 * consumed + skip, as it does for a frame past its read limit). Its messages are marked
 * truncated and the rest of the frame, past the lost bytes, is skipped: the next frame parses.
 * Nothing held: the loss fell between frames or inside a skipped body.
 */
export function gapInFrames(buffer: StreamBuffer, bytes: number, readHead: (held: Uint8Array) => FrameStep): GapResult {
  const held = buffer.length;
  if (held === 0) return gapInBody(buffer, bytes);
  let step: FrameStep;
  try {
    step = readHead(buffer.view());
  } catch {
    step = MORE;
  }
  buffer.clear();
  // not even the frame's header was held
  if (step === MORE || 'kind' in step) return LOST;
  const total = step.consumed + (step.skip ?? 0);
  const rest = total - held - bytes;
  // rest < 0: the loss ran on past this frame, and the next chunk starts where it ended
  if (rest > 0) buffer.skip(rest);
  const messages = step.messages ?? NONE;
  for (const m of messages) truncated(m, held, total);
  return messages;
}

/**
 * `bytes` were lost while `buffer` held no partial frame. Inside a body being skipped the loss
 * is harmless; messages held for that body (FrameRead.endsWithSkip) are reported, marked
 * truncated, once it is over. A loss that runs past the body ends the held messages there: the
 * next chunk starts afresh, as after a frame read from its head.
 */
export function gapInBody(buffer: StreamBuffer, bytes: number): GapResult {
  const harmless = buffer.gap(bytes);
  const done = released(buffer, !harmless);
  return done ?? gapOf(harmless);
}

/**
 * The messages the buffer held for a body that has gone by (`now`: the stream ended or broke),
 * those whose body a gap cut marked truncated.
 */
export function released(buffer: StreamBuffer, now = false): L7Message[] | undefined {
  const done = buffer.release(now);
  if (!done) return undefined;
  if (done.lost > 0) for (const m of done.messages) truncated(m, (m.captured ?? m.size) - done.lost, m.size);
  return done.messages;
}

/** flush(): the messages both directions still hold for a body that never ended. */
export function releasedOnClose(buffers: DuplexBuffers): L7Message[] {
  return [...(released(buffers.toServer, true) ?? []), ...(released(buffers.toClient, true) ?? [])];
}
