// HTTP/2 (RFC 9113) and gRPC over it: frames are cut from each direction, header blocks
// (HEADERS + CONTINUATION) decoded with HPACK, and each stream reported as a request when the
// client's headers are complete and a response when the server ends the stream (END_STREAM,
// trailers or RST_STREAM). Streams pair by stream id; DATA payloads are skipped.

import { startsWithAscii, u24be, u32be } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, type FrameStep } from '../frame-loop.ts';
import { statusFromHttpCode, type L7Message, type ResponseStatus } from '../message.ts';
import { LOST, failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { StreamBuffer } from '../stream-buffer.ts';
import { HeaderSink, hostAttributes, splitTarget } from './http-headers.ts';
import { HpackDecoder, HpackError, type HeaderField } from './hpack.ts';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const FRAME_HEADER = 9;
/** Far above the 16 KiB default SETTINGS_MAX_FRAME_SIZE most peers keep; the protocol's own maximum. */
const MAX_FRAME = (1 << 24) - 1;
const MAX_HEADER_BLOCK = 256 * 1024;
const MAX_STREAMS = 1024;
const NO_MESSAGES: L7Message[] = [];

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const PUSH_PROMISE = 0x5;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

/** gRPC status codes a server is to blame for; the rest are the caller's. */
const GRPC_SERVER_ERRORS = new Set([2, 4, 8, 10, 12, 13, 14, 15]);
const RST_CODES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

interface StreamInfo {
  grpc: boolean;
  path: string | undefined;
  status: number | undefined;
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
  responseSize: number;
  responded: boolean;
  responseHeaders: HeaderSink | undefined;
  /** a response header block referenced HPACK entries the capture missed */
  responsePartial: boolean;
}

/**
 * Set on a message whose header block referenced HPACK dynamic-table entries this observer does
 * not know (the capture lost header bytes, or started after the peers built the table): those
 * fields are missing; the static-table and literal ones (`:method`, `:path`, `:status`, most
 * `grpc-status`) are there.
 */
const PARTIAL = { request: 'flowtel.l7.request.partial', response: 'flowtel.l7.response.partial' } as const;

interface Side {
  buffer: StreamBuffer;
  hpack: HpackDecoder;
  /** A header block waiting for its CONTINUATION frames. */
  block: { streamId: number; flags: number; parts: Uint8Array[]; size: number } | undefined;
  prefaceSeen: boolean;
}

export interface Http2State {
  options: ParseOptions;
  toServer: Side;
  toClient: Side;
  streams: Map<number, StreamInfo>;
  /** a stream of this connection was gRPC: a request whose content-type is lost to HPACK still is */
  grpc: boolean;
}

function newSide(): Side {
  return { buffer: new StreamBuffer(), hpack: new HpackDecoder(), block: undefined, prefaceSeen: false };
}

function streamOf(state: Http2State, id: number): StreamInfo {
  let s = state.streams.get(id);
  if (!s) {
    if (state.streams.size >= MAX_STREAMS) {
      // Oldest first (Map keeps insertion order): a stream never ended must not pin memory.
      const oldest = state.streams.keys().next().value!;
      state.streams.delete(oldest);
    }
    s = {
      grpc: false,
      path: undefined,
      status: undefined,
      grpcStatus: undefined,
      grpcMessage: undefined,
      responseSize: 0,
      responded: false,
      responseHeaders: undefined,
      responsePartial: false,
    };
    state.streams.set(id, s);
  }
  return s;
}

function grpcStatusOf(code: number): ResponseStatus {
  if (code === 0) return 'ok';
  return GRPC_SERVER_ERRORS.has(code) ? 'server_error' : 'client_error';
}

/** `partial`: fields referenced HPACK entries this observer lost; `head`: the block was cut, so fields after the cut are missing. */
function requestMessage(
  state: Http2State,
  streamId: number,
  fields: HeaderField[],
  size: number,
  partial: boolean,
  head: boolean,
): L7Message {
  const sink = new HeaderSink(state.options, 'request');
  let method = '';
  let path = '';
  let authority = '';
  let contentType = '';
  for (const [name, value] of fields) {
    if (name === ':method') method = value;
    else if (name === ':path') path = value;
    else if (name === ':authority' || (name === 'host' && !authority)) authority = value;
    else if (name === 'content-type') contentType = value;
    if (name && name[0] !== ':') sink.add(name, value);
  }
  const stream = streamOf(state, streamId);
  stream.grpc = contentType.startsWith('application/grpc') || ((partial || head) && !contentType && state.grpc);
  if (stream.grpc) state.grpc = true;
  stream.path = path;
  const { path: urlPath, query, shown } = splitTarget(path, state.options);
  const attributes = sink.attributes;
  if (method) attributes['http.request.method'] = method;
  if (urlPath) attributes['url.path'] = urlPath;
  if (query !== undefined) attributes['url.query'] = query;
  attributes['network.protocol.name'] = 'http';
  attributes['network.protocol.version'] = '2';
  if (partial) attributes[PARTIAL.request] = true;
  hostAttributes(authority, attributes);
  const message: L7Message = {
    protocol: stream.grpc ? 'gRPC' : 'HTTP2',
    kind: 'request',
    request_type: method || undefined,
    request_domain: authority || undefined,
    request_resource: shown || undefined,
    endpoint: urlPath || undefined,
    request_id: streamId,
    pair_key: String(streamId),
    size,
    attributes,
  };
  if (stream.grpc) {
    attributes['rpc.system'] = 'grpc';
    const rpc = /^\/([^/]+)\/([^/]+)$/.exec(urlPath);
    if (rpc) {
      attributes['rpc.service'] = rpc[1];
      attributes['rpc.method'] = rpc[2];
    }
  }
  if (sink.trace) message.trace_context = sink.trace;
  return message;
}

/** `reset`: the RST_STREAM error code and who sent it, when a reset ended the stream. */
function responseMessage(
  state: Http2State,
  streamId: number,
  stream: StreamInfo,
  reset?: { code: number; by: Direction },
): L7Message {
  stream.responded = true;
  const sink = stream.responseHeaders ?? new HeaderSink(state.options, 'response');
  const attributes = sink.attributes;
  const message: L7Message = {
    protocol: stream.grpc ? 'gRPC' : 'HTTP2',
    kind: 'response',
    request_id: streamId,
    pair_key: String(streamId),
    size: stream.responseSize,
    attributes,
  };
  if (stream.status !== undefined) attributes['http.response.status_code'] = stream.status;
  if (stream.responsePartial) attributes[PARTIAL.response] = true;
  if (stream.grpc) {
    attributes['rpc.system'] = 'grpc';
    if (stream.grpcStatus !== undefined) attributes['rpc.grpc.status_code'] = stream.grpcStatus;
  }
  if (stream.grpc && stream.grpcStatus !== undefined) {
    message.response_code = stream.grpcStatus;
    message.response_status = grpcStatusOf(stream.grpcStatus);
    if (stream.grpcStatus !== 0 && stream.grpcMessage)
      message.response_exception = decodeURIComponentSafe(stream.grpcMessage);
  } else if (stream.status !== undefined) {
    message.response_code = stream.status;
    message.response_status = statusFromHttpCode(stream.status);
  } else if (reset !== undefined && reset.code !== 0) {
    // No answer before the reset: the side that gave up is the one to blame.
    message.response_status = reset.by === 'toServer' ? 'client_error' : 'server_error';
  } else {
    message.response_status = 'unknown';
  }
  if (reset !== undefined && reset.code !== 0) {
    message.response_exception ??= `RST_STREAM ${RST_CODES[reset.code] ?? reset.code}`;
    if (message.response_status === 'ok') message.response_status = 'error';
  }
  if (sink.trace) message.trace_context = sink.trace;
  state.streams.delete(streamId);
  return message;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function responseHeaders(
  state: Http2State,
  streamId: number,
  fields: HeaderField[],
  size: number,
  endStream: boolean,
  partial: boolean,
): L7Message[] {
  const stream = streamOf(state, streamId);
  stream.responseSize += size;
  if (partial) stream.responsePartial = true;
  stream.responseHeaders ??= new HeaderSink(state.options, 'response');
  for (const [name, value] of fields) {
    if (name === ':status') stream.status = Number(value);
    else if (name === 'grpc-status') stream.grpcStatus = Number(value);
    else if (name === 'grpc-message') stream.grpcMessage = value;
    else if (name === 'content-type' && value.startsWith('application/grpc')) stream.grpc = true;
    if (name && name[0] !== ':') stream.responseHeaders.add(name, value);
  }
  const informational = stream.status !== undefined && stream.status < 200 && stream.grpcStatus === undefined;
  if (informational) stream.status = undefined;
  return endStream || stream.grpcStatus !== undefined ? [responseMessage(state, streamId, stream)] : [];
}

/** `head`: the block's first bytes only, the rest lost by the capture. */
function headerBlockDone(
  state: Http2State,
  direction: Direction,
  streamId: number,
  flags: number,
  block: Uint8Array,
  size: number,
  head = false,
): L7Message[] {
  const side = state[direction];
  let fields: HeaderField[];
  const unknownBefore = side.hpack.unknownReferences;
  try {
    fields = side.hpack.decode(block, head);
  } catch (err) {
    if (err instanceof HpackError) return [];
    throw err;
  }
  const partial = side.hpack.unknownReferences > unknownBefore;
  const endStream = (flags & END_STREAM) !== 0;
  if (direction === 'toServer') {
    const isRequest = fields.some(([n]) => n === ':method' || n === ':path');
    if (!isRequest) return [];
    return [requestMessage(state, streamId, fields, size, partial, head)];
  }
  return responseHeaders(state, streamId, fields, size, endStream, partial);
}

/** The header block fragment of a HEADERS frame, without padding and priority fields (`head`: the payload's first bytes, its padding not among them). */
function headersFragment(payload: Uint8Array, flags: number, head = false): Uint8Array {
  let start = 0;
  let end = payload.length;
  if (flags & PADDED) {
    const pad = payload[0];
    start = 1;
    if (!head) end -= pad;
  }
  if (flags & PRIORITY) start += 5;
  if (start > end) throw new HpackError('padding larger than the frame');
  return payload.subarray(start, end);
}

/** `head`: b is all the capture kept of this frame (see gapInFrames): a header block is read from its first bytes. */
function readFrame(state: Http2State, direction: Direction, b: Uint8Array, head = false): FrameStep {
  const side = state[direction];
  if (direction === 'toServer' && !side.prefaceSeen && startsWithAscii(b, 'PRI')) {
    if (b.length < PREFACE.length) return MORE;
    if (!startsWithAscii(b, PREFACE)) return failure('bad HTTP/2 connection preface');
    side.prefaceSeen = true;
    return { consumed: PREFACE.length };
  }
  if (b.length < FRAME_HEADER) return MORE;
  const length = u24be(b, 0);
  const type = b[3];
  const flags = b[4];
  const streamId = u32be(b, 5) & 0x7fffffff;
  if (length > MAX_FRAME) return failure('frame too large');
  if (type === DATA) {
    const stream = streamId ? state.streams.get(streamId) : undefined;
    if (direction === 'toClient' && stream) stream.responseSize += FRAME_HEADER + length;
    const ended = (flags & END_STREAM) !== 0 && direction === 'toClient' && stream && !stream.responded;
    return { consumed: FRAME_HEADER, skip: length, messages: ended ? [responseMessage(state, streamId, stream)] : [] };
  }
  if (type !== HEADERS && type !== CONTINUATION && type !== RST_STREAM && type !== PUSH_PROMISE) {
    return { consumed: FRAME_HEADER, skip: length };
  }
  if (head && b.length < FRAME_HEADER + length) return headFrame(state, direction, b, type, flags, streamId, length);
  if (b.length < FRAME_HEADER + length) return length > MAX_HEADER_BLOCK ? failure('header frame too large') : MORE;
  const payload = b.subarray(FRAME_HEADER, FRAME_HEADER + length);
  const consumed = FRAME_HEADER + length;
  if (type === RST_STREAM) {
    const stream = state.streams.get(streamId);
    if (!stream || stream.responded || length < 4) return { consumed };
    return {
      consumed,
      messages: [responseMessage(state, streamId, stream, { code: u32be(payload, 0), by: direction })],
    };
  }
  if (type === PUSH_PROMISE) {
    // Its header block still feeds the HPACK table, whose state later blocks depend on.
    try {
      if (flags & END_HEADERS) side.hpack.decode(headersFragment(payload.subarray(4), flags & PADDED));
    } catch (err) {
      if (!(err instanceof HpackError)) throw err;
    }
    return { consumed };
  }
  if (type === HEADERS) {
    const fragment = headersFragment(payload, flags);
    if (flags & END_HEADERS)
      return { consumed, messages: headerBlockDone(state, direction, streamId, flags, fragment, consumed) };
    side.block = { streamId, flags, parts: [fragment.slice()], size: consumed };
    return { consumed };
  }
  // CONTINUATION
  const block = side.block;
  if (!block || block.streamId !== streamId) return { consumed };
  block.parts.push(payload.slice());
  block.size += consumed;
  if (block.size > MAX_HEADER_BLOCK) {
    side.block = undefined;
    return failure('header block too large');
  }
  if (!(flags & END_HEADERS)) return { consumed };
  side.block = undefined;
  return {
    consumed,
    messages: headerBlockDone(state, direction, streamId, block.flags, concat(block.parts), block.size),
  };
}

/** A HEADERS or CONTINUATION frame of which only b was captured: the fields its first bytes hold. */
function headFrame(
  state: Http2State,
  direction: Direction,
  b: Uint8Array,
  type: number,
  flags: number,
  streamId: number,
  length: number,
): FrameStep {
  const side = state[direction];
  const step = { consumed: b.length, skip: FRAME_HEADER + length - b.length, messages: NO_MESSAGES };
  const payload = b.subarray(FRAME_HEADER);
  if (type === HEADERS) {
    step.messages = headerBlockDone(
      state,
      direction,
      streamId,
      flags,
      headersFragment(payload, flags, true),
      FRAME_HEADER + length,
      true,
    );
  } else if (type === CONTINUATION && side.block?.streamId === streamId) {
    const block = side.block;
    step.messages = headerBlockDone(
      state,
      direction,
      streamId,
      block.flags,
      concat([...block.parts, payload]),
      block.size + FRAME_HEADER + length,
      true,
    );
  }
  side.block = undefined;
  return step;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    whole.set(p, at);
    at += p.length;
  }
  return whole;
}

/** One or more whole, plausible frames at the start (HEADERS among them), for inference without the preface. */
function looksLikeFrames(b: Uint8Array, direction: Direction): boolean {
  let at = 0;
  let sawHeaders = false;
  let frames = 0;
  while (at + FRAME_HEADER <= b.length && frames < 16) {
    const length = u24be(b, at);
    const type = b[at + 3];
    const streamId = u32be(b, at + 5);
    if (type > 9 || length > 16384 * 4 || streamId > 0x7fffffff) return false;
    if (type === HEADERS) {
      if (streamId === 0 || (direction === 'toServer' && streamId % 2 === 0)) return false;
      sawHeaders = true;
    }
    at += FRAME_HEADER + length;
    frames++;
  }
  return sawHeaders && at <= b.length + 16384;
}

export const http2: ProtocolParser<Http2State> = {
  name: 'HTTP2',
  l4: 'tcp',
  defaultPorts: [443, 8443, 50051, 9090, 8080, 80],
  infer(payload, direction) {
    if (
      direction === 'toServer' &&
      startsWithAscii(payload, PREFACE.slice(0, Math.min(payload.length, PREFACE.length))) &&
      payload.length >= 3
    )
      return true;
    return looksLikeFrames(payload, direction);
  },
  createState(options) {
    return {
      options: parseOptions(options),
      toServer: newSide(),
      toClient: newSide(),
      streams: new Map(),
      grpc: false,
    };
  },
  parse(payload, direction, state) {
    return readFrames(state[direction].buffer, payload, (b) => readFrame(state, direction, b));
  },
  gap(state, direction, bytes) {
    const side = state[direction];
    // inside a DATA payload being skipped: the frames stay in step, no header bytes were lost
    if (side.buffer.length === 0 && side.buffer.gap(bytes)) return NO_MESSAGES;
    // A header frame held is read from its head; then, whatever was lost, insertions into the
    // sender's HPACK table may have been among it.
    const result =
      side.buffer.length > 0 ? gapInFrames(side.buffer, bytes, (b) => readFrame(state, direction, b, true)) : LOST;
    side.block = undefined;
    side.hpack.lostSync();
    return result;
  },
  flush(state) {
    const out: L7Message[] = [];
    for (const [id, stream] of [...state.streams]) {
      if (stream.status !== undefined && !stream.responded) out.push(responseMessage(state, id, stream));
    }
    return out;
  },
};
