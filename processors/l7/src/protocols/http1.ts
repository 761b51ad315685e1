// HTTP/1.0 and 1.1 (RFC 9112): request and status lines, headers, and enough of the body
// framing (Content-Length, chunked, read-until-close) to find where the next message starts on
// keep-alive and pipelined connections. Bodies are skipped, never buffered.

import { ascii, asciiAgain, decimal, indexOfCrlf, indexOfSequence, startsWithAscii } from '../bytes.ts';
import { MORE, frameReaders, readFrames, type FrameRead, type FrameReaders, type FrameStep } from '../frame-loop.ts';
import { statusFromHttpCode, truncated, type L7Message } from '../message.ts';
import { LOST, failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { REDACTED, isSecretHeader } from '../redact.ts';
import { StreamBuffer } from '../stream-buffer.ts';
import { HeaderSink, TRACE_HEADER_NAMES, hostAttributes, splitTarget } from './http-headers.ts';

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'CONNECT',
  'TRACE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
];
const MAX_HEADER_BYTES = 64 * 1024;
/** Methods of requests still waiting for a response; bounded so a one-way capture cannot grow it. */
const MAX_PENDING_METHODS = 256;
/** what most calls find: shared, never added to */
const NO_MESSAGES: L7Message[] = [];

type BodyPhase =
  | { kind: 'headers' }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' }
  | { kind: 'until-close' }
  /** After 101 Switching Protocols or a CONNECT tunnel: the bytes are another protocol's. */
  | { kind: 'tunnel' }
  /**
   * After a message whose header block the capture cut: where it ends is unknown, so chunks
   * are skipped until one starts with a request or status line.
   */
  | { kind: 'resync' };

interface Side {
  buffer: StreamBuffer;
  phase: BodyPhase;
}

export interface Http1State {
  options: ParseOptions;
  headerNames: HeaderNames;
  toServer: Side;
  toClient: Side;
  pendingMethods: string[];
  /** what readHeaderBlock found in the block being read: one object per connection, not per message */
  block: HeaderBlock;
  /** the last request target and Host and User-Agent values: the next request's are usually the same strings */
  lastTarget: RequestTarget;
  lastHost: string;
  lastUserAgent: string;
  /** the header sink and the FrameRead of every message, refilled: each is read before the next message */
  sink: HeaderSink;
  step: FrameRead;
  read: FrameReaders;
}

function startsWithMethod(b: Uint8Array): string | undefined {
  for (const m of METHODS) {
    if (startsWithAscii(b, m) && b[m.length] === 0x20) return m;
  }
  return undefined;
}

const BLANK_LINE = Uint8Array.of(13, 10, 13, 10);

/** Index just past the blank line ending the header block, or -1 (also when it ends past the bound). */
function headerEnd(b: Uint8Array): number {
  const at = indexOfSequence(b, BLANK_LINE);
  return at < 0 || at + 4 > MAX_HEADER_BYTES ? -1 : at + 4;
}

interface RequestTarget {
  text: string;
  path: string;
  query: string | undefined;
  /** the target as kept: `text` with secret query values redacted */
  shown: string;
}

const NO_TARGET: RequestTarget = { text: '', path: '', query: undefined, shown: '' };

interface HeaderBlock {
  /** where the start line ends (its CR) */
  startLineEnd: number;
  contentLength: number | undefined;
  chunked: boolean;
  host: string;
  userAgent: string | undefined;
}

const emptyBlock = (): HeaderBlock => ({
  startLineEnd: 0,
  contentLength: undefined,
  chunked: false,
  host: '',
  userAgent: undefined,
});

/** Header names the parser reads itself, besides those the sink wants. */
const FRAMING_HEADERS = ['content-length', 'transfer-encoding', 'host', 'user-agent'];

/** The lower-case header names worth a string, indexed by length: most headers are only skipped over. */
type HeaderNames = Array<string[] | undefined>;
const headerNameTables = new Map<string, HeaderNames>();

function headerNames(captureHeaders: readonly string[]): HeaderNames {
  const id = captureHeaders.join('\n');
  let table = headerNameTables.get(id);
  if (!table) {
    table = [];
    for (const name of new Set([...FRAMING_HEADERS, ...TRACE_HEADER_NAMES, ...captureHeaders]))
      (table[name.length] ??= []).push(name);
    headerNameTables.set(id, table);
  }
  return table;
}

/** The table's name that b[start, end) spells in any letter case, or undefined. */
function knownName(table: HeaderNames, b: Uint8Array, start: number, end: number): string | undefined {
  const candidates = table[end - start];
  if (!candidates) return undefined;
  next: for (const name of candidates) {
    for (let i = 0; i < name.length; i++) {
      const want = name.charCodeAt(i);
      const got = b[start + i];
      if (got !== want && !(want >= 0x61 && want <= 0x7a && got === want - 0x20)) continue next;
    }
    return name;
  }
  return undefined;
}

const isBlank = (c: number) => c === 0x20 || c === 0x09;

/**
 * The start line's end and the headers that matter, read in place: only the names in `names`
 * become strings (decoding the whole block and splitting it into lines allocated more than
 * the rest of the parse together).
 */
function readHeaderBlock(state: Http1State, b: Uint8Array, end: number, sink: HeaderSink): HeaderBlock {
  const names = state.headerNames;
  const startLineEnd = indexOfCrlf(b, 0, end);
  const block = state.block;
  block.startLineEnd = startLineEnd;
  block.contentLength = undefined;
  block.chunked = false;
  block.host = '';
  block.userAgent = undefined;
  // the block ends with the blank line at end - 2
  for (let at = startLineEnd + 2; at < end - 2;) {
    // one pass over the line: to the colon, then on to its CRLF
    let colon = at;
    while (colon < end && b[colon] !== 0x3a && b[colon] !== 13) colon++;
    let eol = colon;
    while (eol < end && !(b[eol] === 13 && b[eol + 1] === 10)) eol++;
    let nameEnd = colon;
    while (nameEnd > at && isBlank(b[nameEnd - 1])) nameEnd--;
    const name = b[colon] === 0x3a && colon < eol && nameEnd > at ? knownName(names, b, at, nameEnd) : undefined;
    if (name !== undefined) {
      let valueStart = colon + 1;
      let valueEnd = eol;
      while (valueStart < valueEnd && isBlank(b[valueStart])) valueStart++;
      while (valueEnd > valueStart && isBlank(b[valueEnd - 1])) valueEnd--;
      // a string only for what keeps one: framing is read from the bytes
      let value: string | undefined;
      if (name === 'content-length') block.contentLength = decimal(b, valueStart, valueEnd);
      else if (name === 'transfer-encoding')
        block.chunked = (value = ascii(b, valueStart, valueEnd)).toLowerCase().includes('chunked');
      else if (name === 'host')
        block.host = value = state.lastHost = asciiAgain(b, valueStart, valueEnd, state.lastHost);
      else if (name === 'user-agent')
        block.userAgent = value = state.lastUserAgent = asciiAgain(b, valueStart, valueEnd, state.lastUserAgent);
      if (sink.wants(name)) sink.add(name, value ?? ascii(b, valueStart, valueEnd));
    }
    at = eol + 2;
  }
  return block;
}

/** The connection's FrameRead with these values: readFrames is done with it before it reads the next frame. */
function frameRead(state: Http1State, consumed: number, messages: L7Message[], skip = 0): FrameRead {
  const step = state.step;
  step.consumed = consumed;
  step.messages = messages;
  step.skip = skip;
  return step;
}

/** A known method read in place (no string made), or the token before the first space. */
function requestMethod(b: Uint8Array, space: number): string {
  for (const m of METHODS) if (m.length === space && startsWithAscii(b, m)) return m;
  return ascii(b, 0, space);
}

/** The version after "HTTP/" in b[at, end), the usual two without making a string; undefined unless HTTP/1.x. */
function httpVersion(b: Uint8Array, at: number, end: number): string | undefined {
  if (end - at < 8 || !startsWithAscii(b, 'HTTP/1.', at)) return undefined;
  if (end - at === 8) {
    if (b[at + 7] === 0x31) return '1.1';
    if (b[at + 7] === 0x30) return '1.0';
  }
  return ascii(b, at + 5, end);
}

function readRequest(state: Http1State, side: Side, b: Uint8Array): FrameStep {
  const end = headerEnd(b);
  if (end < 0) return b.length >= MAX_HEADER_BYTES ? failure('request header block too large') : MORE;
  const sink = state.sink;
  sink.restart('request');
  const block = readHeaderBlock(state, b, end, sink);
  const lineEnd = block.startLineEnd;
  // METHOD SP target SP version: each space found within the start line, or the line is not a request
  const methodEnd = b.indexOf(0x20);
  const targetEnd = methodEnd > 0 && methodEnd < lineEnd ? b.indexOf(0x20, methodEnd + 1) : -1;
  const hasTarget = targetEnd > 0 && targetEnd < lineEnd;
  const versionEnd = hasTarget ? b.indexOf(0x20, targetEnd + 1) : -1;
  const version = hasTarget
    ? httpVersion(b, targetEnd + 1, versionEnd > 0 && versionEnd < lineEnd ? versionEnd : lineEnd)
    : undefined;
  if (version === undefined) return failure(`not an HTTP/1 request line: ${ascii(b, 0, Math.min(lineEnd, 64))}`);
  const message = requestMessage(
    state,
    requestMethod(b, methodEnd),
    asciiAgain(b, methodEnd + 1, targetEnd, state.lastTarget.text),
    version,
    block,
  );
  message.size = end + (block.contentLength ?? 0);
  if (block.chunked) side.phase = { kind: 'chunk-size' };
  return frameRead(state, end, [message], block.chunked ? 0 : (block.contentLength ?? 0));
}

/** A request from its start line's parts and what its header block said (the sink holds its headers). */
function requestMessage(
  state: Http1State,
  method: string,
  text: string,
  version: string | undefined,
  block: HeaderBlock | undefined,
): L7Message {
  if (text !== state.lastTarget.text) state.lastTarget = { text, ...splitTarget(text, state.options) };
  const { path, query, shown } = state.lastTarget;
  if (state.pendingMethods.length < MAX_PENDING_METHODS) state.pendingMethods.push(method);
  const sink = state.sink;
  const attributes = sink.attributes;
  attributes['http.request.method'] = method;
  attributes['url.path'] = path;
  if (query !== undefined) attributes['url.query'] = query;
  attributes['network.protocol.name'] = 'http';
  if (version !== undefined) attributes['network.protocol.version'] = version;
  if (block !== undefined) {
    hostAttributes(block.host, attributes);
    if (block.userAgent !== undefined) attributes['user_agent.original'] = block.userAgent;
    if (block.contentLength !== undefined) attributes['http.request.body.size'] = block.contentLength;
  }
  const message: L7Message = {
    protocol: 'HTTP',
    kind: 'request',
    request_type: method,
    request_domain: block?.host || undefined,
    request_resource: shown,
    endpoint: path,
    size: 0,
    attributes,
  };
  if (sink.trace) message.trace_context = sink.trace;
  return message;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function readResponse(state: Http1State, side: Side, b: Uint8Array): FrameStep {
  const end = headerEnd(b);
  if (end < 0) return b.length >= MAX_HEADER_BYTES ? failure('response header block too large') : MORE;
  const sink = state.sink;
  sink.restart('response');
  const block = readHeaderBlock(state, b, end, sink);
  const lineEnd = block.startLineEnd;
  // HTTP/1.x SP 3DIGIT [SP reason]
  const version = b[7] === 0x30 || b[7] === 0x31 ? httpVersion(b, 0, 8) : undefined;
  const wellFormed =
    version !== undefined &&
    b[8] === 0x20 &&
    isDigit(b[9]) &&
    isDigit(b[10]) &&
    isDigit(b[11]) &&
    (lineEnd === 12 || (lineEnd > 12 && b[12] === 0x20));
  if (!wellFormed) return failure(`not an HTTP/1 status line: ${ascii(b, 0, Math.min(lineEnd, 64))}`);
  const code = (b[9] - 0x30) * 100 + (b[10] - 0x30) * 10 + (b[11] - 0x30);
  // An interim response (100 Continue) leaves the request waiting for its final answer.
  const interim = code >= 100 && code < 200 && code !== 101;
  const method = interim ? state.pendingMethods[0] : state.pendingMethods.shift();
  const attributes = sink.attributes;
  attributes['http.response.status_code'] = code;
  attributes['network.protocol.name'] = 'http';
  attributes['network.protocol.version'] = version;
  if (block.contentLength !== undefined) attributes['http.response.body.size'] = block.contentLength;
  const status = statusFromHttpCode(code);
  const message: L7Message = {
    protocol: 'HTTP',
    kind: 'response',
    response_code: code,
    response_status: status,
    size: end + (block.contentLength ?? 0),
    attributes,
  };
  if (code >= 400 && lineEnd > 13) message.response_exception = ascii(b, 13, lineEnd);
  if (sink.trace) message.trace_context = sink.trace;
  if (code === 101 || (method === 'CONNECT' && code >= 200 && code < 300)) {
    state.toServer.phase = { kind: 'tunnel' };
    state.toServer.buffer.clear();
    side.phase = { kind: 'tunnel' };
    return frameRead(state, end, [message]);
  }
  const noBody = method === 'HEAD' || code < 200 || code === 204 || code === 304;
  if (noBody) return frameRead(state, end, interim ? NO_MESSAGES : [message]);
  if (block.chunked) {
    side.phase = { kind: 'chunk-size' };
    return frameRead(state, end, [message]);
  }
  if (block.contentLength !== undefined) return frameRead(state, end, [message], block.contentLength);
  side.phase = { kind: 'until-close' };
  return frameRead(state, end, [message]);
}

function readChunkFraming(side: Side, b: Uint8Array): FrameStep {
  const phase = side.phase;
  if (phase.kind === 'chunk-end') {
    if (b.length < 2) return MORE;
    side.phase = { kind: 'chunk-size' };
    return { consumed: 2 };
  }
  const eol = indexOfCrlf(b);
  if (eol < 0) return b.length > 1024 ? failure('chunk line too long') : MORE;
  if (phase.kind === 'trailers') {
    if (eol === 0) side.phase = { kind: 'headers' };
    return { consumed: eol + 2 };
  }
  const sizeText = ascii(b, 0, eol).split(';')[0].trim();
  if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return failure(`bad chunk size: ${sizeText.slice(0, 16)}`);
  const size = parseInt(sizeText, 16);
  if (size === 0) {
    side.phase = { kind: 'trailers' };
    return { consumed: eol + 2 };
  }
  side.phase = { kind: 'chunk-end' };
  return { consumed: eol + 2, skip: size };
}

/**
 * A message whose header block never completed (the capture cut or lost the rest): what its
 * start line and the headers seen so far say, marked truncated (`size`: its bytes on the wire as
 * far as known). A header cut inside its value is left out, except that a secret one that
 * capture_headers asks for still shows as redacted. A request line cut inside its target gives
 * the method and the part of the target seen. Empty when not even that is there.
 */
function partialMessage(state: Http1State, direction: Direction, size = 0): L7Message[] {
  const side = state[direction];
  const held = side.buffer.length;
  if (held === 0 || side.phase.kind !== 'headers') return NO_MESSAGES;
  const b = side.buffer.view();
  let messages = NO_MESSAGES;
  if (indexOfCrlf(b) < 0) {
    if (direction === 'toServer') messages = cutRequestLine(state, b);
  } else {
    const lastLine = b.lastIndexOf(10);
    const complete = new Uint8Array(lastLine + 3);
    complete.set(b.subarray(0, lastLine + 1));
    complete.set([13, 10], lastLine + 1);
    const step = direction === 'toServer' ? readRequest(state, side, complete) : readResponse(state, side, complete);
    if (step !== MORE && !('kind' in step) && step.messages?.length) {
      messages = step.messages;
      // the sink's attributes are the message's: a cut secret header joins them
      if (lastLine + 1 < b.length) redactCutHeader(state, b, lastLine + 1);
    }
  }
  side.buffer.clear();
  // readResponse may have opened a tunnel (101); anything else starts over at a header block
  if ((side.phase as BodyPhase).kind !== 'tunnel') side.phase = { kind: 'headers' };
  for (const m of messages) truncated(m, held, size);
  return messages;
}

/** A request line that ends inside the captured bytes' end: its method and the part of the target seen. */
function cutRequestLine(state: Http1State, b: Uint8Array): L7Message[] {
  const method = startsWithMethod(b);
  if (method === undefined) return NO_MESSAGES;
  const targetEnd = b.indexOf(0x20, method.length + 1);
  const text = ascii(b, method.length + 1, targetEnd < 0 ? b.length : targetEnd);
  if (text.length === 0) return NO_MESSAGES;
  state.sink.restart('request');
  return [requestMessage(state, method, text, undefined, undefined)];
}

/** The header line cut at b[from, end): recorded as redacted when it is a secret the sink keeps (its value does not matter then). */
function redactCutHeader(state: Http1State, b: Uint8Array, from: number): void {
  if (!state.options.redact) return;
  const colon = b.indexOf(0x3a, from);
  if (colon < 0) return;
  let nameEnd = colon;
  while (nameEnd > from && isBlank(b[nameEnd - 1])) nameEnd--;
  const name = knownName(state.headerNames, b, from, nameEnd);
  if (name !== undefined && isSecretHeader(name) && state.sink.wants(name)) state.sink.add(name, REDACTED);
}

/** A chunk that starts a message in this direction: where a resync ends. */
function startsMessage(direction: Direction, b: Uint8Array): boolean {
  return direction === 'toServer' ? startsWithMethod(b) !== undefined : startsWithAscii(b, 'HTTP/1.') && b[8] === 0x20;
}

function readFrame(state: Http1State, direction: Direction, b: Uint8Array): FrameStep {
  const side = state[direction];
  switch (side.phase.kind) {
    case 'headers':
      return direction === 'toServer' ? readRequest(state, side, b) : readResponse(state, side, b);
    case 'tunnel':
      return { consumed: b.length };
    case 'resync':
      if (!startsMessage(direction, b)) return { consumed: b.length };
      side.phase = { kind: 'headers' };
      return direction === 'toServer' ? readRequest(state, side, b) : readResponse(state, side, b);
    case 'until-close':
      // A server that did frame its body after all: the next status line starts a new response.
      if (startsWithAscii(b, 'HTTP/1.')) {
        side.phase = { kind: 'headers' };
        return readResponse(state, side, b);
      }
      return { consumed: b.length };
    default:
      return readChunkFraming(side, b);
  }
}

export const http1: ProtocolParser<Http1State> = {
  name: 'HTTP',
  l4: 'tcp',
  defaultPorts: [80, 8080, 8000, 8081, 3000, 5000, 9000],
  infer(payload, direction) {
    if (direction === 'toClient') return startsWithAscii(payload, 'HTTP/1.') && payload[8] === 0x20;
    const method = startsWithMethod(payload);
    if (!method) return false;
    const eol = indexOfCrlf(payload, 0, 8192);
    // No line end in sight: a capture cut short after the method; the method alone decides.
    if (eol < 0) return true;
    return eol >= method.length + 10 && ascii(payload, eol - 9, eol).startsWith(' HTTP/1.');
  },
  createState(options) {
    const parsed = parseOptions(options);
    const state: Http1State = {
      options: parsed,
      headerNames: headerNames(parsed.captureHeaders),
      toServer: { buffer: new StreamBuffer(), phase: { kind: 'headers' } },
      toClient: { buffer: new StreamBuffer(), phase: { kind: 'headers' } },
      pendingMethods: [],
      block: emptyBlock(),
      lastTarget: NO_TARGET,
      lastHost: '',
      lastUserAgent: '',
      sink: new HeaderSink(parsed, 'request'),
      step: { consumed: 0, messages: NO_MESSAGES, skip: 0 },
      read: frameReaders((direction, b) => readFrame(state, direction, b)),
    };
    return state;
  },
  parse(payload, direction, state) {
    try {
      // The server answering means the request is over, complete or not. (Not the other way
      // round: a pipelining client sends while a response is still arriving.)
      const cut = direction === 'toClient' ? partialMessage(state, 'toServer') : NO_MESSAGES;
      const side = state[direction];
      const result = readFrames(side.buffer, payload, state.read[direction]);
      if (!Array.isArray(result) && result.kind === 'error') side.phase = { kind: 'headers' };
      if (cut.length === 0) return result;
      return Array.isArray(result) ? [...cut, ...result] : cut;
    } catch (err) {
      return failure(`parser error: ${(err as Error).message}`);
    }
  },
  gap(state, direction, bytes) {
    try {
      const side = state[direction];
      // a response read until close, a tunnel and a resync swallow anything
      const phase = side.phase.kind;
      if (phase === 'until-close' || phase === 'tunnel' || phase === 'resync') return NO_MESSAGES;
      const held = side.buffer.length;
      if (held === 0 && side.buffer.gap(bytes)) return NO_MESSAGES; // inside a body being skipped
      // The loss cut a header block (read what it holds) or the framing of a body: where the
      // next message starts is unknown, so skip to a chunk that starts one.
      const head = phase === 'headers' && held > 0 ? partialMessage(state, direction, held + bytes) : NO_MESSAGES;
      side.buffer.clear();
      if ((side.phase as BodyPhase).kind !== 'tunnel') side.phase = { kind: 'resync' };
      return held > 0 && head.length === 0 ? LOST : head;
    } catch {
      return LOST;
    }
  },
  flush(state) {
    try {
      return [...partialMessage(state, 'toServer'), ...partialMessage(state, 'toClient')];
    } catch {
      return [];
    }
  },
};
