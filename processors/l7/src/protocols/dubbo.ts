// Apache Dubbo 2 protocol: a 16-byte header (magic 0xdabb, flags, status, request id, body
// length) and a serialized body. For Hessian2, Kryo and fastjson bodies the request's service,
// version and method are read, and trace context from the attachments; responses pair by
// request id and carry the status byte.

import { text, u16be, u32be } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, type FrameStep } from '../frame-loop.ts';
import type { L7Message, ResponseStatus, TraceContextHeaders } from '../message.ts';
import { failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { ByteReader } from './byte-reader.ts';

const MAGIC = 0xdabb;
const HEADER = 16;
const FLAG_REQUEST = 0x80;
const FLAG_TWO_WAY = 0x40;
const FLAG_EVENT = 0x20;
const HESSIAN2 = 2;
const FASTJSON = 6;
const KRYO = 8;
const MAX_READ = 64 * 1024;
const STATUS_NAMES: Record<number, string> = {
  20: 'OK',
  30: 'CLIENT_TIMEOUT',
  31: 'SERVER_TIMEOUT',
  40: 'BAD_REQUEST',
  50: 'BAD_RESPONSE',
  60: 'SERVICE_NOT_FOUND',
  70: 'SERVICE_ERROR',
  80: 'SERVER_ERROR',
  90: 'CLIENT_ERROR',
  100: 'SERVER_THREADPOOL_EXHAUSTED_ERROR',
};
const CLIENT_STATUSES = new Set([30, 40, 90]);
const TRACE_KEYS: Array<[string, keyof TraceContextHeaders]> = [
  ['traceparent', 'traceparent'],
  ['sw8', 'sw8'],
  ['uber-trace-id', 'uber_trace_id'],
  ['b3', 'b3'],
];

export interface DubboState {
  options: ParseOptions;
  buffers: DuplexBuffers;
}

/** Hessian2 string (short, medium, chunked 'R'/'S'); null as undefined. Lengths count UTF-16 units, so non-ASCII is read char by char. */
function hessianString(r: ByteReader): string | undefined {
  let out = '';
  for (;;) {
    const tag = r.u8();
    let length: number;
    let final = true;
    if (tag <= 0x1f) length = tag;
    else if (tag >= 0x30 && tag <= 0x33) length = ((tag - 0x30) << 8) | r.u8();
    else if (tag === 0x53 || tag === 0x52) {
      length = r.u16();
      final = tag === 0x53;
    } else if (tag === 0x4e) return undefined;
    else throw new Error(`not a Hessian string (tag ${tag})`);
    for (let i = 0; i < length; i++) {
      const c = r.u8();
      if (c < 0x80) out += String.fromCharCode(c);
      else if ((c & 0xe0) === 0xc0) out += String.fromCharCode(((c & 0x1f) << 6) | (r.u8() & 0x3f));
      else out += String.fromCharCode(((c & 0x0f) << 12) | ((r.u8() & 0x3f) << 6) | (r.u8() & 0x3f));
    }
    if (final) return out;
  }
}

/** Kryo's ASCII string: the last character carries the 0x80 bit (0x80 alone is null, 0x81 empty). */
function kryoString(r: ByteReader): string | undefined {
  const first = r.u8();
  if (first === 0x80) return undefined;
  if (first === 0x81) return '';
  if (first & 0x80) throw new Error('Kryo UTF-8 strings are not read');
  let out = String.fromCharCode(first);
  for (let c = first; (c & 0x80) === 0;) {
    c = r.u8();
    out += String.fromCharCode(c & 0x7f);
  }
  return out;
}

/** fastjson: one JSON value per line. */
function jsonString(r: ByteReader): string | undefined {
  const start = r.pos;
  while (r.u8() !== 0x0a);
  const value = JSON.parse(text(r.b, start, r.pos - 1));
  return typeof value === 'string' ? value : undefined;
}

/** Trace headers among the Hessian attachments: the key string, then its value string. */
function hessianTrace(body: Uint8Array): TraceContextHeaders | undefined {
  let trace: TraceContextHeaders | undefined;
  for (const [key, field] of TRACE_KEYS) {
    const needle = Uint8Array.from([key.length, ...Buffer.from(key)]);
    const at = Buffer.from(body.buffer, body.byteOffset, body.length).indexOf(needle);
    if (at < 0) continue;
    try {
      const value = hessianString(new ByteReader(body, at + needle.length));
      if (value) (trace ??= {})[field] = value;
    } catch {
      // Not followed by a string: the bytes only looked like the key.
    }
  }
  return trace;
}

function statusOf(code: number): ResponseStatus {
  if (code === 20) return 'ok';
  return CLIENT_STATUSES.has(code) ? 'client_error' : 'server_error';
}

function readRequestBody(message: L7Message, serialization: number, body: Uint8Array): void {
  const r = new ByteReader(body);
  const read =
    serialization === HESSIAN2
      ? hessianString
      : serialization === KRYO
        ? kryoString
        : serialization === FASTJSON
          ? jsonString
          : undefined;
  if (!read) return;
  const dubboVersion = read(r);
  const service = read(r);
  const version = read(r);
  const method = read(r);
  if (!service || !method) return;
  message.request_type = method;
  message.request_resource = service;
  message.endpoint = `${service}/${method}`;
  message.attributes['rpc.service'] = service;
  message.attributes['rpc.method'] = method;
  if (version) message.attributes['rpc.dubbo.service.version'] = version;
  if (dubboVersion) message.attributes['rpc.dubbo.version'] = dubboVersion;
  if (serialization === HESSIAN2) {
    const trace = hessianTrace(body);
    if (trace) message.trace_context = trace;
  }
}

/** `head`: b is all the capture kept of this packet (see gapInFrames). */
function readPacket(b: Uint8Array, head = false): FrameStep {
  if (b.length < HEADER) return MORE;
  if (u16be(b, 0) !== MAGIC) return failure('no Dubbo magic');
  const flags = b[2];
  const status = b[3];
  const high = u32be(b, 4);
  const low = u32be(b, 8);
  const requestId = high === 0 ? String(low) : (BigInt(high) * 2n ** 32n + BigInt(low)).toString();
  const length = u32be(b, 12);
  if (length > 0x7fffffff) return failure('Dubbo body too large');
  const size = HEADER + length;
  const wanted = Math.min(size, MAX_READ, head ? b.length : MAX_READ);
  if (b.length < wanted) return MORE;
  const isRequest = (flags & FLAG_REQUEST) !== 0;
  const step = (messages: L7Message[]): FrameStep => ({ consumed: wanted, skip: size - wanted, messages });
  if (flags & FLAG_EVENT) return step([]);
  const message: L7Message = {
    protocol: 'Dubbo',
    kind: isRequest ? ((flags & FLAG_TWO_WAY) !== 0 ? 'request' : 'session') : 'response',
    request_id: Number(requestId),
    pair_key: requestId,
    size,
    attributes: { 'rpc.system': 'apache_dubbo' },
  };
  if (isRequest) {
    try {
      readRequestBody(message, flags & 0x1f, b.subarray(HEADER, wanted));
    } catch {
      // A body in another serialization, or cut by the read limit: the header still pairs.
    }
  } else {
    message.response_code = status;
    message.response_status = statusOf(status);
    if (status !== 20) message.response_exception = STATUS_NAMES[status] ?? `status ${status}`;
  }
  return step([message]);
}

export const dubbo: ProtocolParser<DubboState> = {
  name: 'Dubbo',
  l4: 'tcp',
  defaultPorts: [20880],
  infer(payload, direction) {
    if (payload.length < HEADER || u16be(payload, 0) !== MAGIC) return false;
    const isRequest = (payload[2] & FLAG_REQUEST) !== 0;
    return direction === 'toServer' ? isRequest : !isRequest && STATUS_NAMES[payload[3]] !== undefined;
  },
  createState(options) {
    return { options: parseOptions(options), buffers: duplexBuffers() };
  },
  gap(state, direction, bytes) {
    return gapInFrames(state.buffers[direction], bytes, (b) => readPacket(b, true));
  },
  parse(payload, direction: Direction, state) {
    return readFrames(state.buffers[direction], payload, readPacket);
  },
};
