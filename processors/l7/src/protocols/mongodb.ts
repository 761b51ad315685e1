// MongoDB wire protocol: OP_MSG (with OP_COMPRESSED/zlib around it), and the legacy OP_QUERY /
// OP_REPLY of old drivers and handshakes. Replies pair with requests by responseTo = requestID.
// The command document becomes the resource; its first key the operation.

import { inflateSync } from 'node:zlib';
import { i32le } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, type FrameStep } from '../frame-loop.ts';
import type { L7Message, ResponseStatus } from '../message.ts';
import { failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { ByteReader } from './byte-reader.ts';
import { documentText, topLevelFields } from './bson-text.ts';

const OP_REPLY = 1;
const OP_UPDATE = 2001;
const OP_INSERT = 2002;
const OP_QUERY = 2004;
const OP_GET_MORE = 2005;
const OP_DELETE = 2006;
const OP_KILL_CURSORS = 2007;
const OP_COMPRESSED = 2012;
const OP_MSG = 2013;
const OP_NAMES: Record<number, string> = {
  [OP_REPLY]: 'OP_REPLY',
  [OP_UPDATE]: 'OP_UPDATE',
  [OP_INSERT]: 'OP_INSERT',
  [OP_QUERY]: 'OP_QUERY',
  [OP_GET_MORE]: 'OP_GET_MORE',
  [OP_DELETE]: 'OP_DELETE',
  [OP_KILL_CURSORS]: 'OP_KILL_CURSORS',
  [OP_COMPRESSED]: 'OP_COMPRESSED',
  [OP_MSG]: 'OP_MSG',
};
const HEADER = 16;
const MAX_READ = 256 * 1024;
const ZLIB = 2;
/** Error codes of an unhealthy or unreachable server rather than a bad command. */
const SERVER_ERROR_CODES = new Set([1, 6, 7, 8, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

export interface MongoState {
  options: ParseOptions;
  buffers: DuplexBuffers;
}

interface Body {
  opCode: number;
  doc: ByteReader | undefined;
}

/** The command or reply document of a message body, unwrapping OP_COMPRESSED. */
function bodyOf(opCode: number, r: ByteReader): Body {
  if (opCode === OP_COMPRESSED) {
    const originalOpCode = i32le(r.b, r.pos);
    r.skip(4 + 4);
    const compressor = r.u8();
    if (compressor !== ZLIB) return { opCode: originalOpCode, doc: undefined };
    const inflated = inflateSync(r.bytes(r.remaining), { maxOutputLength: 16 * 1024 * 1024 });
    return bodyOf(originalOpCode, new ByteReader(inflated));
  }
  if (opCode === OP_MSG) {
    r.skip(4);
    while (r.remaining > 0) {
      const kind = r.u8();
      if (kind === 0) return { opCode, doc: r };
      r.skip(i32le(r.b, r.pos));
    }
    return { opCode, doc: undefined };
  }
  if (opCode === OP_QUERY) {
    r.skip(4);
    while (r.u8() !== 0);
    r.skip(8);
    return { opCode, doc: r };
  }
  if (opCode === OP_REPLY) {
    r.skip(4 + 8 + 4);
    return { opCode, doc: r.i32() > 0 ? r : undefined };
  }
  return { opCode, doc: undefined };
}

function errorStatus(code: number): ResponseStatus {
  return SERVER_ERROR_CODES.has(code) ? 'server_error' : 'client_error';
}

/** `head`: b is all the capture kept of this message (see gapInFrames). */
function readMessage(state: MongoState, direction: Direction, b: Uint8Array, head = false): FrameStep {
  if (b.length < HEADER) return MORE;
  const length = i32le(b, 0);
  if (length < HEADER || length > 48_000_000) return failure(`bad MongoDB message length ${length}`);
  const wanted = Math.min(length, MAX_READ, head ? b.length : MAX_READ);
  if (b.length < wanted) return MORE;
  const requestId = i32le(b, 4);
  const responseTo = i32le(b, 8);
  const opCode = i32le(b, 12);
  if (!OP_NAMES[opCode]) return failure(`unknown MongoDB opcode ${opCode}`);
  const isResponse = direction === 'toClient';
  const message: L7Message = {
    protocol: 'MongoDB',
    kind: isResponse ? 'response' : 'request',
    request_type: OP_NAMES[opCode],
    request_id: isResponse ? responseTo : requestId,
    pair_key: String(isResponse ? responseTo : requestId),
    size: length,
    attributes: { 'db.system.name': 'mongodb' },
  };
  if (isResponse) message.response_status = 'ok';
  try {
    const body = bodyOf(opCode, new ByteReader(b, HEADER, wanted));
    if (body.opCode !== opCode) message.request_type = OP_NAMES[body.opCode] ?? message.request_type;
    if (body.doc) {
      const at = body.doc.pos;
      const fields = topLevelFields(body.doc);
      body.doc.pos = at;
      if (isResponse) readReply(message, fields, body.doc, state);
      else readCommand(message, fields, body.doc, state);
    }
  } catch {
    // A body cut by the read limit or not understood: the header still makes a message.
  }
  return { consumed: wanted, skip: length - wanted, messages: [message] };
}

function readCommand(
  message: L7Message,
  fields: Array<[string, string | number | boolean | undefined]>,
  doc: ByteReader,
  state: MongoState,
): void {
  const [command, target] = fields[0] ?? [];
  if (command) {
    message.endpoint = command;
    message.attributes['db.operation.name'] = command;
    if (typeof target === 'string') message.attributes['db.collection.name'] = target;
  }
  const db = fields.find(([k]) => k === '$db')?.[1];
  if (typeof db === 'string') message.attributes['db.namespace'] = db;
  // last: a document the capture cut has its fields above but no text
  message.request_resource = documentText(doc, 0, false, { maskValues: state.options.redact });
}

function readReply(
  message: L7Message,
  fields: Array<[string, string | number | boolean | undefined]>,
  doc: ByteReader,
  state: MongoState,
): void {
  const get = (key: string) => fields.find(([k]) => k === key)?.[1];
  const ok = get('ok');
  if (ok === 0 || ok === false) {
    const code = Number(get('code') ?? 0);
    message.response_code = code;
    message.response_status = errorStatus(code);
    message.response_exception = String(get('errmsg') ?? get('codeName') ?? '');
    message.attributes['db.response.status_code'] = String(code);
  } else {
    message.response_code = 0;
    message.response_result = documentText(doc, 0, false, { maskValues: state.options.redact });
  }
}

export const mongodb: ProtocolParser<MongoState> = {
  name: 'MongoDB',
  l4: 'tcp',
  defaultPorts: [27017, 27018, 27019],
  infer(payload, direction) {
    if (payload.length < HEADER + 5) return false;
    const length = i32le(payload, 0);
    const opCode = i32le(payload, 12);
    if (length < HEADER || length > 48_000_000 || length < payload.length) return false;
    if (direction === 'toServer')
      return (opCode === OP_MSG || opCode === OP_QUERY || opCode === OP_COMPRESSED) && i32le(payload, 8) === 0;
    return opCode === OP_MSG || opCode === OP_REPLY;
  },
  createState(options) {
    return { options: parseOptions(options), buffers: duplexBuffers() };
  },
  gap(state, direction, bytes) {
    return gapInFrames(state.buffers[direction], bytes, (b) => readMessage(state, direction, b, true));
  },
  parse(payload, direction, state) {
    return readFrames(state.buffers[direction], payload, (b) => readMessage(state, direction, b));
  },
};
