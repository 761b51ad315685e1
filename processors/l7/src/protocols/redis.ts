// Redis RESP2 and RESP3: commands are arrays of bulk strings (or inline text), replies any RESP
// type. Replies pair with commands in order; RESP3 pushes stand alone.

import { ascii, decimal, indexOfCrlf, text } from '../bytes.ts';
import { MORE, frameReaders, gapInBody, readFrames, type FrameReaders, type FrameStep } from '../frame-loop.ts';
import { truncated, type L7Message } from '../message.ts';
import { LOST, failure, parseOptions, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { redactRedisCommand } from '../redact.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';

const MAX_DEPTH = 16;
const MAX_ELEMENTS = 1 << 20;
/** Redis' own proto-max-bulk-len default. */
const MAX_BULK_BYTES = 512 * 1024 * 1024;
/** Arguments kept for db.query.text; the rest of a long MSET is summarised. */
const MAX_QUERY_ARGS = 32;
const MAX_ARG_CHARS = 256;
const LENGTH_PREFIXED = new Set([0x24 /* $ */, 0x21 /* ! */, 0x3d /* = */]);
const AGGREGATES = new Set([0x2a /* * */, 0x25 /* % */, 0x7e /* ~ */, 0x7c /* | */, 0x3e /* > */]);
const LINE_TYPES = new Set([
  0x2b /* + */, 0x2d /* - */, 0x3a /* : */, 0x5f /* _ */, 0x23 /* # */, 0x2c /* , */, 0x28 /* ( */,
]);

/** A RESP length as Number reads its text: the usual plain digits read in place, without the text. */
const lengthIn = (b: Uint8Array, start: number, end: number): number =>
  decimal(b, start, end) ?? Number(ascii(b, start, end));

export interface RedisState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  /**
   * Per (P|S)(UN)SUBSCRIBE sent, the confirmations still to come: one per channel. The first
   * answers the command; the others answer nothing.
   */
  confirmations: Array<{ left: number; answered: boolean }>;
  /**
   * A reply was read from its head and the loss ran on where its structure could not follow (an
   * array of large values): the server's bytes are dropped until the client's next command,
   * whose reply starts afresh.
   */
  replyCut: boolean;
  /**
   * A command was read from its head and where it ends is unknown (the cut fell before its last
   * argument): the client's bytes are dropped until a chunk starts a command array again.
   */
  commandCut: boolean;
  read: FrameReaders;
}

const SUBSCRIBE_COMMANDS = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
]);
const CONFIRMATIONS = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe']);
/** Messages a subscribed connection receives unasked (RESP2 has no push type for them). */
const PUBSUB_MESSAGES = new Set(['message', 'pmessage', 'smessage']);

const INCOMPLETE = -1;

/** End offset of the RESP value at `at`, INCOMPLETE, or throws on malformed input. */
function valueEnd(b: Uint8Array, at: number, depth: number): number {
  if (depth > MAX_DEPTH) throw new Error('RESP nesting too deep');
  if (at >= b.length) return INCOMPLETE;
  const type = b[at];
  const eol = indexOfCrlf(b, at + 1);
  if (eol < 0) {
    if (b.length - at > 64 * 1024) throw new Error('RESP line too long');
    return INCOMPLETE;
  }
  if (LINE_TYPES.has(type)) return eol + 2;
  const n = lengthIn(b, at + 1, eol);
  if (!Number.isInteger(n) || n < -1 || n > MAX_BULK_BYTES)
    throw new Error(`bad RESP length ${ascii(b, at + 1, Math.min(eol, at + 20))}`);
  if (LENGTH_PREFIXED.has(type)) {
    if (n < 0) return eol + 2;
    const end = eol + 2 + n + 2;
    return end <= b.length ? end : INCOMPLETE;
  }
  if (!AGGREGATES.has(type)) throw new Error(`unknown RESP type byte ${type}`);
  if (n > MAX_ELEMENTS) throw new Error('RESP aggregate too large');
  const count = type === 0x25 || type === 0x7c ? n * 2 : n;
  let pos = eol + 2;
  for (let i = 0; i < count; i++) {
    pos = valueEnd(b, pos, depth + 1);
    if (pos === INCOMPLETE) return INCOMPLETE;
  }
  return pos;
}

/** The bulk strings of a command array, or the words of an inline command. */
function commandArgs(b: Uint8Array, end: number): string[] {
  const args: string[] = [];
  if (b[0] !== 0x2a)
    return ascii(b, 0, end - 2)
      .trim()
      .split(/\s+/)
      .slice(0, MAX_QUERY_ARGS);
  let pos = indexOfCrlf(b, 1) + 2;
  while (pos < end && args.length < MAX_QUERY_ARGS) {
    const eol = indexOfCrlf(b, pos + 1);
    if (b[pos] !== 0x24) {
      args.push(ascii(b, pos + 1, eol));
      pos = eol + 2;
      continue;
    }
    const n = lengthIn(b, pos + 1, eol);
    const start = eol + 2;
    args.push(text(b, start, start + Math.min(Math.max(n, 0), MAX_ARG_CHARS)));
    pos = start + Math.max(n, 0) + 2;
  }
  return args;
}

function readCommand(state: RedisState, b: Uint8Array): FrameStep {
  let end: number;
  if (b[0] === 0x2a) {
    end = valueEnd(b, 0, 0);
    if (end === INCOMPLETE) return MORE;
  } else {
    // Inline commands (telnet style) are one text line.
    const eol = indexOfCrlf(b);
    if (eol < 0) return b.length > 64 * 1024 ? failure('inline command too long') : MORE;
    end = eol + 2;
  }
  const raw = commandArgs(b, end);
  if (raw.length === 0 || raw[0] === '') return { consumed: end };
  return { consumed: end, messages: [commandMessage(state, raw, end)] };
}

/** The request for a command's arguments (as sent; redacted here). */
function commandMessage(state: RedisState, raw: string[], size: number): L7Message {
  const args = state.options.redact ? redactRedisCommand(raw) : raw;
  const command = args[0];
  const operation = command.toUpperCase();
  if (SUBSCRIBE_COMMANDS.has(operation) && state.confirmations.length < 256) {
    state.confirmations.push({ left: Math.max(1, raw.length - 1), answered: false });
  }
  const query = args.join(' ');
  return {
    protocol: 'Redis',
    kind: 'request',
    request_type: command,
    request_resource: query,
    endpoint: operation,
    size,
    attributes: { 'db.system.name': 'redis', 'db.operation.name': operation, 'db.query.text': query },
  };
}

/**
 * The arguments of a command array of which only `b` was captured (the last one cut), and the
 * command's whole length when the bytes tell it: the cut fell inside the last argument, whose
 * length prefix was captured (SET key <64 KiB value>). Undefined when not even one argument was.
 */
function commandHead(b: Uint8Array): { args: string[]; total: number | undefined } | undefined {
  const eol = indexOfCrlf(b, 1);
  const count = eol < 0 ? 0 : lengthIn(b, 1, eol);
  if (!Number.isInteger(count) || count < 1) return undefined;
  const args: string[] = [];
  let pos = eol + 2;
  for (let i = 0; i < count; i++) {
    const lineEnd = pos < b.length && b[pos] === 0x24 ? indexOfCrlf(b, pos + 1) : -1;
    const n = lineEnd < 0 ? -1 : lengthIn(b, pos + 1, lineEnd);
    if (!Number.isInteger(n) || n < 0) break;
    const start = lineEnd + 2;
    const end = start + n + 2;
    if (args.length < MAX_QUERY_ARGS) args.push(text(b, start, Math.min(start + Math.min(n, MAX_ARG_CHARS), b.length)));
    if (end > b.length) return { args, total: i === count - 1 ? end : undefined };
    pos = end;
  }
  return args.length > 0 ? { args, total: undefined } : undefined;
}

const RESULT_TYPES: Record<number, string> = {
  0x2b: 'SimpleString',
  0x2d: 'Error',
  0x3a: 'Integer',
  0x24: 'BulkString',
  0x2a: 'Array',
  0x5f: 'Null',
  0x23: 'Boolean',
  0x2c: 'Double',
  0x28: 'BigNumber',
  0x21: 'BulkError',
  0x3d: 'VerbatimString',
  0x25: 'Map',
  0x7e: 'Set',
  0x7c: 'Attribute',
  0x3e: 'Push',
};

/** The first element of an array reply when it is a short bulk string ("message", "subscribe", ...). */
function firstWord(b: Uint8Array): string | undefined {
  const eol = indexOfCrlf(b, 1);
  if (b[0] !== 0x2a || eol < 0 || b[eol + 2] !== 0x24) return undefined;
  const lengthEnd = indexOfCrlf(b, eol + 3);
  const n = lengthEnd < 0 ? -1 : lengthIn(b, eol + 3, lengthEnd);
  if (n < 0 || n > 16 || lengthEnd + 2 + n > b.length) return undefined;
  return ascii(b, lengthEnd + 2, lengthEnd + 2 + n);
}

function readReply(state: RedisState, b: Uint8Array): FrameStep {
  const type = b[0];
  if (!RESULT_TYPES[type]) return failure(`not a RESP reply (first byte ${type})`);
  const eol = indexOfCrlf(b, 1);
  const bulkLength = type === 0x24 && eol > 0 ? lengthIn(b, 1, eol) : 0;
  if (bulkLength > 4096 && bulkLength <= MAX_BULK_BYTES) {
    // A large value: its bytes are dropped as they come instead of buffered; the reply is
    // reported once they have gone by (marked when the capture kept only their head).
    const skip = bulkLength + 2;
    return { consumed: eol + 2, skip, messages: [replyMessage(state, b, eol, eol + 2 + skip)], endsWithSkip: true };
  }
  const end = valueEnd(b, 0, 0);
  if (end === INCOMPLETE) return MORE;
  return { consumed: end, messages: [replyMessage(state, b, eol, end)] };
}

/** The reply that starts `b` (whose first line ends at `eol`, or is cut when -1), `size` bytes long. */
function replyMessage(state: RedisState, b: Uint8Array, eol: number, size: number): L7Message {
  const type = b[0];
  let kind: L7Message['kind'] = type === 0x3e ? 'session' : 'response';
  const word = type === 0x2a ? firstWord(b) : undefined;
  if (word !== undefined && PUBSUB_MESSAGES.has(word)) kind = 'session';
  else if (word !== undefined && CONFIRMATIONS.has(word) && state.confirmations.length > 0) {
    const head = state.confirmations[0];
    if (head.answered) kind = 'session';
    head.answered = true;
    if (--head.left === 0) state.confirmations.shift();
  }
  const message: L7Message = {
    protocol: 'Redis',
    kind,
    response_status: 'ok',
    response_result: RESULT_TYPES[type],
    size,
    attributes: { 'db.system.name': 'redis' },
  };
  if (type === 0x2d || type === 0x21) {
    const lineEnd = eol < 0 ? b.length : eol;
    const errorText = type === 0x2d ? ascii(b, 0, lineEnd) : ascii(b, lineEnd + 2, Math.min(size - 2, b.length));
    message.response_status = 'server_error';
    message.response_exception = errorText;
    const prefix = /^-?([A-Z]+)/.exec(errorText);
    if (prefix) message.attributes['db.response.status_code'] = prefix[1];
  }
  return message;
}

export const redis: ProtocolParser<RedisState> = {
  name: 'Redis',
  l4: 'tcp',
  defaultPorts: [6379, 6380, 26379],
  infer(payload, direction) {
    if (payload.length < 4) return false;
    const eol = indexOfCrlf(payload, 1, 16);
    if (eol < 0) return false;
    if (direction === 'toServer') {
      return payload[0] === 0x2a && /^\d+$/.test(ascii(payload, 1, eol)) && payload[eol + 2] === 0x24;
    }
    return RESULT_TYPES[payload[0]] !== undefined && payload[0] !== 0x3e;
  },
  createState(options) {
    const state: RedisState = {
      options: parseOptions(options),
      buffers: duplexBuffers(),
      confirmations: [],
      replyCut: false,
      commandCut: false,
      read: frameReaders((direction, b) => (direction === 'toServer' ? readCommand(state, b) : readReply(state, b))),
    };
    return state;
  },
  gap(state, direction, bytes) {
    const buffer = state.buffers[direction];
    if (state[direction === 'toClient' ? 'replyCut' : 'commandCut']) return [];
    if (buffer.length === 0) return gapInBody(buffer, bytes);
    if (direction === 'toClient') {
      // A reply held in part (an array of large values, as LRANGE gives) is read from its head:
      // its type, and for an array its first element's word (pub/sub). Where its elements end
      // is unknown past the loss, so the server's bytes wait for the client's next command.
      const held = buffer.length;
      const b = buffer.view();
      buffer.clear();
      if (!RESULT_TYPES[b[0]]) return LOST;
      state.replyCut = true;
      return [truncated(replyMessage(state, b, indexOfCrlf(b, 1), held + bytes), held, held + bytes)];
    }
    if (buffer.view()[0] !== 0x2a) return gapInBody(buffer, bytes);
    try {
      const held = buffer.length;
      const head = commandHead(buffer.view());
      buffer.clear();
      if (head === undefined) return LOST;
      const message = truncated(commandMessage(state, head.args, 0), held, head.total ?? held + bytes);
      // the rest of the command past the lost bytes; unknown: the next chunk that starts a command
      if (head.total !== undefined && head.total > held + bytes) buffer.skip(head.total - held - bytes);
      state.commandCut = head.total === undefined;
      state.replyCut = false;
      return [message];
    } catch {
      buffer.clear();
      return LOST;
    }
  },
  parse(payload, direction, state) {
    if (direction === 'toClient' && state.replyCut) return [];
    if (direction === 'toServer' && state.commandCut) {
      // the rest of a command read from its head (redis-server reads a large one in pieces)
      if (payload[0] !== 0x2a || !(payload[1] >= 0x30 && payload[1] <= 0x39)) return [];
      state.commandCut = false;
    }
    const result = readFrames(state.buffers[direction], payload, state.read[direction]);
    if (direction === 'toServer' && Array.isArray(result) && result.length > 0) state.replyCut = false;
    return result;
  },
};
