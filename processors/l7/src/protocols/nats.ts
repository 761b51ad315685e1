// NATS client protocol: text operations (INFO, CONNECT, PUB, HPUB, SUB, UNSUB, MSG, HMSG, PING,
// PONG, +OK, -ERR). As DeepFlow does, the server's INFO is answered by the client's CONNECT and
// a PING by its PONG. A message that names a reply subject is a request; the message later
// published to that subject is its response. Everything else is one-way.

import { ascii, indexOfCrlf } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, releasedOnClose, type FrameStep } from '../frame-loop.ts';
import type { L7Message } from '../message.ts';
import { failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { HeaderSink } from './http-headers.ts';

const MAX_LINE = 64 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_PENDING_REPLIES = 1024;
const OPS = new Set(['INFO', 'CONNECT', 'PUB', 'HPUB', 'SUB', 'UNSUB', 'MSG', 'HMSG', 'PING', 'PONG', '+OK', '-ERR']);

export interface NatsState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  /** Reply subjects of requests still waiting for their answer. */
  replies: Set<string>;
}

function firstToken(subject: string): string {
  return subject.split('.')[0];
}

function base(kind: L7Message['kind'], op: string, size: number): L7Message {
  return { protocol: 'NATS', kind, request_type: op, size, attributes: { 'messaging.system': 'nats' } };
}

/**
 * The trace context in an HPUB/HMSG header block ("NATS/1.0\r\nKey: Value\r\n...\r\n\r\n").
 * `cut`: the block is a capture head, and its last line may end inside a value, so it is left out.
 */
function headerTrace(state: NatsState, block: string, message: L7Message, cut: boolean): void {
  const sink = new HeaderSink(state.options, 'request');
  const lines = block.split('\r\n').slice(1);
  if (cut) lines.pop();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) sink.add(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (sink.trace) message.trace_context = sink.trace;
}

/** `head`: b is all the capture kept of this operation (see gapInFrames). */
function readOp(state: NatsState, direction: Direction, b: Uint8Array, head = false): FrameStep {
  const eol = indexOfCrlf(b, 0, MAX_LINE);
  if (eol < 0) return b.length > MAX_LINE ? failure('NATS control line too long') : MORE;
  const line = ascii(b, 0, eol);
  const words = line.split(/[ \t]+/);
  const op = words[0].toUpperCase();
  if (!OPS.has(op)) return failure(`not a NATS operation: ${line.slice(0, 32)}`);
  const lineSize = eol + 2;
  switch (op) {
    case 'INFO':
      return { consumed: lineSize, messages: [{ ...base('request', op, lineSize), pair_key: 'handshake' }] };
    case 'CONNECT':
      return {
        consumed: lineSize,
        messages: [{ ...base('response', op, lineSize), pair_key: 'handshake', response_status: 'ok' }],
      };
    case 'PING':
      return { consumed: lineSize, messages: [{ ...base('request', op, lineSize), pair_key: `ping:${direction}` }] };
    case 'PONG': {
      const pinger = direction === 'toServer' ? 'toClient' : 'toServer';
      return {
        consumed: lineSize,
        messages: [{ ...base('response', op, lineSize), pair_key: `ping:${pinger}`, response_status: 'ok' }],
      };
    }
    case '+OK':
      return { consumed: lineSize };
    case '-ERR': {
      const m = base('session', op, lineSize);
      m.response_status = 'client_error';
      m.response_exception = line.slice(5).trim();
      return { consumed: lineSize, messages: [m] };
    }
    case 'SUB':
    case 'UNSUB': {
      const m = base('session', op, lineSize);
      if (op === 'SUB' && words[1]) {
        m.request_resource = words[1];
        m.endpoint = firstToken(words[1]);
        m.attributes['messaging.destination.name'] = words[1];
      }
      return { consumed: lineSize, messages: [m] };
    }
    default:
      return readMessage(state, b, op, words, lineSize, head);
  }
}

/** PUB, HPUB, MSG and HMSG: a control line, then header and payload bytes. */
function readMessage(
  state: NatsState,
  b: Uint8Array,
  op: string,
  words: string[],
  lineSize: number,
  head: boolean,
): FrameStep {
  const withHeaders = op === 'HPUB' || op === 'HMSG';
  const isMsg = op === 'MSG' || op === 'HMSG';
  // MSG <subject> <sid> [reply-to] <#bytes>; PUB <subject> [reply-to] <#bytes>; H- forms add <#header bytes> before the total.
  const fixed = (isMsg ? 3 : 2) + (withHeaders ? 1 : 0);
  if (words.length !== fixed + 1 && words.length !== fixed + 2) return failure(`bad NATS ${op} line`);
  const hasReply = words.length === fixed + 2;
  const subject = words[1];
  const replyTo = hasReply ? words[isMsg ? 3 : 2] : undefined;
  const total = Number(words[words.length - 1]);
  const headerBytes = withHeaders ? Number(words[words.length - 2]) : 0;
  if (!Number.isInteger(total) || total < 0 || !Number.isInteger(headerBytes) || headerBytes < 0 || headerBytes > total)
    return failure(`bad NATS ${op} sizes`);
  const size = lineSize + total + 2;
  const headerEnd = lineSize + Math.min(headerBytes, MAX_HEADER_BYTES);
  if (headerBytes > 0 && b.length < headerEnd && !head) return MORE;
  let message: L7Message;
  if (replyTo !== undefined) {
    message = { ...base('request', op, size), pair_key: `reply:${replyTo}` };
    if (state.replies.size < MAX_PENDING_REPLIES) state.replies.add(replyTo);
  } else if (state.replies.has(subject)) {
    state.replies.delete(subject);
    message = { ...base('response', op, size), pair_key: `reply:${subject}`, response_status: 'ok' };
  } else {
    message = base('session', op, size);
  }
  message.request_resource = subject;
  message.endpoint = firstToken(subject);
  message.attributes['messaging.destination.name'] = subject;
  message.attributes['messaging.operation.type'] = isMsg ? 'receive' : 'send';
  message.attributes['messaging.message.body.size'] = total - headerBytes;
  if (headerBytes > 0 && b.length > lineSize)
    headerTrace(state, ascii(b, lineSize, Math.min(headerEnd, b.length)), message, b.length < headerEnd);
  // the payload is not read: the message is reported once it has gone by, marked truncated when
  // the capture kept only its head
  return { consumed: lineSize, skip: total + 2, messages: [message], endsWithSkip: true };
}

export const nats: ProtocolParser<NatsState> = {
  name: 'NATS',
  l4: 'tcp',
  defaultPorts: [4222],
  infer(payload, direction) {
    const eol = indexOfCrlf(payload, 0, 4096);
    if (eol < 0) return false;
    const line = ascii(payload, 0, Math.min(eol, 256));
    if (direction === 'toClient') return line.startsWith('INFO {');
    return line.startsWith('CONNECT {') || /^(PUB|HPUB|SUB) \S+ /.test(line);
  },
  createState(options) {
    return { options: parseOptions(options), buffers: duplexBuffers(), replies: new Set() };
  },
  gap(state, direction, bytes) {
    return gapInFrames(state.buffers[direction], bytes, (b) => readOp(state, direction, b, true));
  },
  flush(state) {
    return releasedOnClose(state.buffers);
  },
  parse(payload, direction, state) {
    return readFrames(state.buffers[direction], payload, (b) => readOp(state, direction, b));
  },
};
