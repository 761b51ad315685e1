// AMQP 0-9-1: frames (method, content header, body, heartbeat) after the protocol header.
// Synchronous methods are requests answered by their -Ok method on the same channel, from
// whichever side sent them (the broker starts the connection handshake); a Close with an error
// code answers the request it refused. Publish, Deliver, Ack and the like stand alone.

import { ascii, startsWithAscii, u16be, u32be } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, released, type FrameStep } from '../frame-loop.ts';
import { truncated, type L7Message, type ResponseStatus } from '../message.ts';
import { failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { ByteReader } from './byte-reader.ts';

const PROTOCOL_HEADER = 'AMQP';
const FRAME_METHOD = 1;
const FRAME_HEADER = 2;
const FRAME_BODY = 3;
const FRAME_END = 0xce;
const MAX_READ = 64 * 1024;
const MAX_CHANNELS = 4096;

const CLASSES: Record<number, string> = {
  10: 'Connection',
  20: 'Channel',
  40: 'Exchange',
  50: 'Queue',
  60: 'Basic',
  85: 'Confirm',
  90: 'Tx',
};
const METHODS: Record<number, Record<number, string>> = {
  10: {
    10: 'Start',
    11: 'StartOk',
    20: 'Secure',
    21: 'SecureOk',
    30: 'Tune',
    31: 'TuneOk',
    40: 'Open',
    41: 'OpenOk',
    50: 'Close',
    51: 'CloseOk',
    60: 'Blocked',
    61: 'Unblocked',
  },
  20: { 10: 'Open', 11: 'OpenOk', 20: 'Flow', 21: 'FlowOk', 40: 'Close', 41: 'CloseOk' },
  40: {
    10: 'Declare',
    11: 'DeclareOk',
    20: 'Delete',
    21: 'DeleteOk',
    30: 'Bind',
    31: 'BindOk',
    40: 'Unbind',
    51: 'UnbindOk',
  },
  50: {
    10: 'Declare',
    11: 'DeclareOk',
    20: 'Bind',
    21: 'BindOk',
    30: 'Purge',
    31: 'PurgeOk',
    40: 'Delete',
    41: 'DeleteOk',
    50: 'Unbind',
    51: 'UnbindOk',
  },
  60: {
    10: 'Qos',
    11: 'QosOk',
    20: 'Consume',
    21: 'ConsumeOk',
    30: 'Cancel',
    31: 'CancelOk',
    40: 'Publish',
    50: 'Return',
    60: 'Deliver',
    70: 'Get',
    71: 'GetOk',
    72: 'GetEmpty',
    80: 'Ack',
    90: 'Reject',
    100: 'RecoverAsync',
    110: 'Recover',
    111: 'RecoverOk',
    120: 'Nack',
  },
  85: { 10: 'Select', 11: 'SelectOk' },
  90: { 10: 'Select', 11: 'SelectOk', 20: 'Commit', 21: 'CommitOk', 30: 'Rollback', 31: 'RollbackOk' },
};
/** Methods that answer a synchronous request. */
const isAnswer = (classId: number, methodId: number) =>
  METHODS[classId]?.[methodId]?.endsWith('Ok') || (classId === 60 && methodId === 72);
const ASYNC = new Set([
  'Basic.Publish',
  'Basic.Return',
  'Basic.Deliver',
  'Basic.Ack',
  'Basic.Reject',
  'Basic.RecoverAsync',
  'Basic.Nack',
  'Connection.Blocked',
  'Connection.Unblocked',
]);
const SERVER_REPLY_CODES = new Set([320, 506, 540, 541]);

export interface AmqpState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  headerSeen: boolean;
  vhost: string | undefined;
  /** Per channel: the synchronous request waiting for its answer and who sent it. */
  pending: Map<number, Direction>;
  /** Per direction: a Publish/Deliver/GetOk/Return whose content (header and body frames) is still coming. */
  content: Record<Direction, Content | undefined>;
}

/** A method that carries a message: it is reported with its content, sized and marked truncated as that went. */
interface Content {
  messages: L7Message[];
  /** body bytes still to come; undefined until the content header says */
  remaining: number | undefined;
  /** bytes of the method and content frames so far */
  size: number;
  /** bytes of them a gap took */
  lost: number;
}

/** Basic.Publish, Return, Deliver and GetOk: content frames follow. */
const carriesContent = (b: Uint8Array) => u16be(b, 7) === 60 && [40, 50, 60, 71].includes(u16be(b, 9));

/** The content's method, the whole of its size, marked with what gaps took. */
function contentMessages(content: Content): L7Message[] {
  for (const m of content.messages) {
    m.size = content.size;
    if (content.lost > 0) truncated(m, content.size - content.lost, content.size);
  }
  return content.messages;
}

function shortString(r: ByteReader): string {
  return ascii(r.bytes(r.u8()));
}

/** Queue, exchange and routing key where the method names them; DeepFlow's endpoint from them. */
function target(
  classId: number,
  methodId: number,
  r: ByteReader,
): { queue?: string; exchange?: string; routingKey?: string } {
  if (classId === 50) {
    if (methodId === 11) return { queue: shortString(r) };
    if ([10, 20, 30, 40, 50].includes(methodId)) {
      r.skip(2);
      const queue = shortString(r);
      if (methodId === 20 || methodId === 50) return { queue, exchange: shortString(r), routingKey: shortString(r) };
      return { queue };
    }
  }
  if (classId === 40 && [10, 20, 30, 40].includes(methodId)) {
    r.skip(2);
    return { exchange: shortString(r) };
  }
  if (classId === 60) {
    if (methodId === 40) {
      r.skip(2);
      return { exchange: shortString(r), routingKey: shortString(r) };
    }
    if (methodId === 60) {
      shortString(r);
      r.skip(8 + 1);
      return { exchange: shortString(r), routingKey: shortString(r) };
    }
    if (methodId === 20 || methodId === 70) {
      r.skip(2);
      return { queue: shortString(r) };
    }
  }
  return {};
}

function replyStatus(code: number): ResponseStatus {
  if (code === 200 || code === 0) return 'ok';
  return SERVER_REPLY_CODES.has(code) ? 'server_error' : 'client_error';
}

function readMethod(state: AmqpState, direction: Direction, channel: number, r: ByteReader, size: number): L7Message[] {
  const classId = r.u16();
  const methodId = r.u16();
  const className = CLASSES[classId] ?? String(classId);
  const name = `${className}.${METHODS[classId]?.[methodId] ?? methodId}`;
  const attributes: L7Message['attributes'] = { 'messaging.system': 'rabbitmq', 'messaging.operation.name': name };
  const message: L7Message = { protocol: 'AMQP', kind: 'request', request_type: name, size, attributes };
  if (state.vhost) attributes['messaging.rabbitmq.vhost'] = state.vhost;
  if (channel !== 0) attributes['messaging.rabbitmq.channel'] = channel;
  if (classId === 10 && methodId === 40) {
    state.vhost = shortString(r);
    attributes['messaging.rabbitmq.vhost'] = state.vhost;
  }
  let where: ReturnType<typeof target> = {};
  try {
    where = target(classId, methodId, r);
  } catch {
    // Arguments cut short: the method is still reported.
  }
  if (where.exchange !== undefined) message.endpoint = `${where.exchange}.${where.routingKey ?? ''}`;
  else if (where.queue !== undefined) message.endpoint = where.queue;
  if (message.endpoint !== undefined) message.request_resource = message.endpoint;
  if (where.exchange) attributes['messaging.destination.name'] = where.exchange;
  else if (where.queue) attributes['messaging.destination.name'] = where.queue;
  if (where.routingKey) attributes['messaging.rabbitmq.destination.routing_key'] = where.routingKey;
  if (name === 'Basic.Publish') attributes['messaging.operation.type'] = 'send';
  if (name === 'Basic.Deliver' || name === 'Basic.GetOk') attributes['messaging.operation.type'] = 'receive';

  const isClose = (classId === 10 && methodId === 50) || (classId === 20 && methodId === 40);
  if (isClose) {
    const code = r.u16();
    const text = shortString(r);
    const refused = state.pending.get(channel);
    if (code !== 200 && refused !== undefined && refused !== direction) {
      // The peer refuses the request it was asked: the Close answers that request, and is
      // itself a request the other side confirms with CloseOk.
      state.pending.set(channel, direction);
      return [
        {
          ...message,
          kind: 'response',
          pair_key: String(channel),
          response_code: code,
          response_status: replyStatus(code),
          response_exception: text,
        },
        { ...message, attributes: { ...attributes }, pair_key: String(channel) },
      ];
    }
    message.response_code = code;
  }
  if (ASYNC.has(name)) return [{ ...message, kind: 'session' }];
  if (isAnswer(classId, methodId)) {
    state.pending.delete(channel);
    return [{ ...message, kind: 'response', pair_key: String(channel), response_status: 'ok' }];
  }
  if (state.pending.size < MAX_CHANNELS || state.pending.has(channel)) state.pending.set(channel, direction);
  message.pair_key = String(channel);
  return [message];
}

/** `head`: b is all the capture kept of this frame (see gapInFrames): a method is read from its first bytes. */
function readFrame(state: AmqpState, direction: Direction, b: Uint8Array, head = false): FrameStep {
  if (startsWithAscii(b, PROTOCOL_HEADER)) {
    if (b.length < 8) return MORE;
    state.headerSeen = true;
    return { consumed: 8 };
  }
  if (b.length < 7) return MORE;
  const type = b[0];
  const channel = u16be(b, 1);
  const length = u32be(b, 3);
  if (type < 1 || type > 8 || length > 128 * 1024 * 1024) return failure(`not an AMQP frame (type ${type})`);
  const size = 7 + length + 1;
  const content = state.content[direction];
  if (type !== FRAME_METHOD) {
    if (content === undefined || (type !== FRAME_HEADER && type !== FRAME_BODY)) return { consumed: 7, skip: size - 7 };
    if (type === FRAME_HEADER) {
      // class, weight, then the body size (64 bits)
      if (length < 12) content.remaining = 0;
      else if (b.length < 7 + 12) return MORE;
      else content.remaining = u32be(b, 11) * 2 ** 32 + u32be(b, 15);
    } else if (content.remaining !== undefined) content.remaining -= length;
    content.size += size;
    if (content.remaining === undefined || content.remaining > 0) return { consumed: 7, skip: size - 7 };
    state.content[direction] = undefined;
    // the last body frame: reported once it has gone by
    return { consumed: 7, skip: size - 7, messages: contentMessages(content), endsWithSkip: true };
  }
  const wanted = Math.min(size, MAX_READ);
  if (b.length < wanted && !head) return MORE;
  const held = Math.min(wanted, b.length);
  if (held === size && b[size - 1] !== FRAME_END) return failure('AMQP frame without frame-end');
  // a method before the content it announced came: the content is not coming
  const before = content ? contentMessages(content) : [];
  state.content[direction] = undefined;
  const messages = readMethod(state, direction, channel, new ByteReader(b, 7, Math.min(7 + length, held)), size);
  if (carriesContent(b) && !head) {
    state.content[direction] = { messages, remaining: undefined, size, lost: 0 };
    return { consumed: held, skip: size - held, messages: before };
  }
  return { consumed: held, skip: size - held, messages: before.length > 0 ? [...before, ...messages] : messages };
}

export const amqp: ProtocolParser<AmqpState> = {
  name: 'AMQP',
  l4: 'tcp',
  defaultPorts: [5672, 5671],
  infer(payload, direction) {
    if (direction === 'toServer' && startsWithAscii(payload, 'AMQP') && payload.length === 8)
      return payload[4] === 0 && payload[5] === 0 && payload[6] === 9;
    // A method frame: known class and method, the frame-end octet where the length says.
    if (payload.length < 12 || payload[0] !== FRAME_METHOD) return false;
    const length = u32be(payload, 3);
    return (
      8 + length <= payload.length &&
      payload[7 + length] === FRAME_END &&
      METHODS[u16be(payload, 7)]?.[u16be(payload, 9)] !== undefined
    );
  },
  createState(options) {
    return {
      options: parseOptions(options),
      buffers: duplexBuffers(),
      headerSeen: false,
      vhost: undefined,
      pending: new Map(),
      content: { toServer: undefined, toClient: undefined },
    };
  },
  gap(state, direction, bytes) {
    const buffer = state.buffers[direction];
    const content = state.content[direction];
    if (content === undefined) return gapInFrames(buffer, bytes, (b) => readFrame(state, direction, b, true));
    const skipping = buffer.skipping;
    if (buffer.length === 0 && buffer.gap(bytes)) {
      content.lost += bytes;
      return [];
    }
    // The loss ran past the frame being skipped into further body frames: a publisher writes
    // a message's frames at once, so the loss ends where the message does.
    buffer.clear();
    state.content[direction] = undefined;
    content.size += Math.max(0, bytes - skipping);
    content.lost += bytes;
    return contentMessages(content);
  },
  flush(state) {
    const messages: L7Message[] = [];
    for (const direction of ['toServer', 'toClient'] as const) {
      const content = state.content[direction];
      if (content) messages.push(...contentMessages(content));
      state.content[direction] = undefined;
      messages.push(...(released(state.buffers[direction], true) ?? []));
    }
    return messages;
  },
  parse(payload, direction, state) {
    return readFrames(state.buffers[direction], payload, (b) => readFrame(state, direction, b));
  },
};
