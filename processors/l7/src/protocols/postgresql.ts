// PostgreSQL frontend/backend protocol v3: the startup message, simple queries (Q) and the
// extended protocol (Parse, Bind, Describe, Execute up to Sync). A request is one Query or one
// batch up to Sync; its response is everything the server sends up to ReadyForQuery.

import { ascii, i32be, text, u32be } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, type FrameStep } from '../frame-loop.ts';
import type { L7Message, ResponseStatus } from '../message.ts';
import { failure, gapOf, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { POSTGRES_DIALECT, redactSql } from '../redact.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { sqlEndpoint, sqlShape } from './sql-shape.ts';

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MAX_READ = 64 * 1024;
const MAX_STATEMENTS = 256;
const MAX_PENDING = 256;
/** Backend messages whose content matters; others (DataRow, RowDescription, ...) are skipped. */
const BACKEND_READ = new Set(['C', 'E', 'Z', 'N', 'I']);
const FRONTEND_TYPES = new Set(['Q', 'P', 'B', 'D', 'E', 'S', 'H', 'C', 'F', 'X', 'p', 'd', 'c', 'f']);
const BACKEND_TYPES = new Set([
  'R',
  'S',
  'K',
  'Z',
  'T',
  'D',
  'C',
  'E',
  'N',
  'I',
  '1',
  '2',
  '3',
  'n',
  's',
  't',
  'A',
  'G',
  'H',
  'W',
  'c',
  'd',
  'V',
  'v',
]);

interface Batch {
  type: string | undefined;
  sql: string | undefined;
  size: number;
}

interface PendingResponse {
  size: number;
  rows: number | undefined;
  error: { code: string; message: string; severity: string } | undefined;
}

export interface PostgresState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  started: boolean;
  /** The startup's own ReadyForQuery is still to come; it answers no request. */
  startupPending: boolean;
  tls: boolean;
  awaitingSslAnswer: boolean;
  database: string | undefined;
  /** Extended-protocol messages seen since the last Sync. */
  batch: Batch;
  /** Requests sent, waiting for their ReadyForQuery, in order. */
  requests: L7Message[];
  response: PendingResponse;
  statements: Map<string, string>;
}

function cString(b: Uint8Array, at: number): { value: string; next: number } {
  let i = at;
  while (i < b.length && b[i] !== 0) i++;
  return { value: text(b, at, i), next: i + 1 };
}

function emptyBatch(): Batch {
  return { type: undefined, sql: undefined, size: 0 };
}

function emptyResponse(): PendingResponse {
  return { size: 0, rows: undefined, error: undefined };
}

function request(state: PostgresState, type: string, sql: string | undefined, size: number): L7Message {
  const attributes: L7Message['attributes'] = { 'db.system.name': 'postgresql' };
  if (state.database) attributes['db.namespace'] = state.database;
  const message: L7Message = { protocol: 'PostgreSQL', kind: 'request', request_type: type, size, attributes };
  if (sql !== undefined) {
    const shown = state.options.redact ? redactSql(sql, POSTGRES_DIALECT) : sql;
    const shape = sqlShape(sql);
    message.request_resource = shown;
    attributes['db.query.text'] = shown;
    if (shape.operation) attributes['db.operation.name'] = shape.operation;
    if (shape.table) attributes['db.collection.name'] = shape.table;
    const endpoint = sqlEndpoint(shape);
    if (endpoint) message.endpoint = endpoint;
  }
  return message;
}

function queue(state: PostgresState, message: L7Message): L7Message[] {
  if (state.requests.length < MAX_PENDING) state.requests.push(message);
  return [message];
}

function readStartup(state: PostgresState, b: Uint8Array): FrameStep {
  if (b.length < 8) return MORE;
  const length = i32be(b, 0);
  if (length < 8 || length > 10000) return failure(`bad startup length ${length}`);
  if (b.length < length) return MORE;
  const code = i32be(b, 4);
  if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
    state.awaitingSslAnswer = true;
    return { consumed: length };
  }
  state.started = true;
  if (code === CANCEL_REQUEST) return { consumed: length };
  state.startupPending = true;
  if (code !== PROTOCOL_3) return failure(`unsupported protocol version ${code}`);
  let at = 8;
  const params: Record<string, string> = {};
  while (at < length - 1) {
    const key = cString(b.subarray(0, length), at);
    const value = cString(b.subarray(0, length), key.next);
    params[key.value] = value.value;
    at = value.next;
  }
  state.database = params.database ?? params.user;
  return { consumed: length };
}

/** `head`: b is all the capture kept of this message (see gapInFrames). */
function readFrontend(state: PostgresState, b: Uint8Array, head = false): FrameStep {
  if (!state.started) return readStartup(state, b);
  if (b.length < 5) return MORE;
  const type = String.fromCharCode(b[0]);
  const length = u32be(b, 1);
  if (!FRONTEND_TYPES.has(type) || length < 4 || length > 0x40000000)
    return failure(`not a PostgreSQL frontend message (type ${b[0]})`);
  const wanted = Math.min(length + 1, MAX_READ, head ? b.length : MAX_READ);
  if (b.length < wanted) return MORE;
  const body = b.subarray(5, wanted);
  const size = length + 1;
  const skip = length + 1 - wanted;
  const batch = state.batch;
  switch (type) {
    case 'Q':
      return { consumed: wanted, skip, messages: queue(state, request(state, 'Query', cString(body, 0).value, size)) };
    case 'P': {
      const name = cString(body, 0);
      const sql = cString(body, name.next).value;
      if (state.statements.size < MAX_STATEMENTS || state.statements.has(name.value))
        state.statements.set(name.value, sql);
      batch.type = 'Parse';
      batch.sql = sql;
      break;
    }
    case 'B': {
      const portal = cString(body, 0);
      const statement = cString(body, portal.next).value;
      batch.sql ??= state.statements.get(statement);
      break;
    }
    case 'E':
      batch.type ??= 'Execute';
      break;
    case 'S': {
      state.batch = emptyBatch();
      if (!batch.type) return { consumed: wanted, skip };
      return {
        consumed: wanted,
        skip,
        messages: queue(
          state,
          request(state, batch.type, batch.type === 'Parse' ? batch.sql : undefined, batch.size + size),
        ),
      };
    }
    case 'X':
      return {
        consumed: wanted,
        skip,
        messages: [{ ...request(state, 'Terminate', undefined, size), kind: 'session' }],
      };
    default:
      break;
  }
  batch.size += size;
  return { consumed: wanted, skip };
}

function errorStatus(sqlState: string): ResponseStatus {
  // Classes the client caused: data (22), constraints (23), auth (28), syntax and access (42).
  return /^(22|23|28|42)/.test(sqlState) ? 'client_error' : 'server_error';
}

function readErrorFields(body: Uint8Array): { code: string; message: string; severity: string } {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const key = String.fromCharCode(body[at]);
    const value = cString(body, at + 1);
    fields[key] = value.value;
    at = value.next;
  }
  return { code: fields.C ?? '', message: fields.M ?? '', severity: fields.V ?? fields.S ?? '' };
}

function finishResponse(state: PostgresState): L7Message[] {
  const pending = state.response;
  state.response = emptyResponse();
  if (state.startupPending) {
    state.startupPending = false;
    return [];
  }
  const request = state.requests.shift();
  if (!request) return [];
  const message: L7Message = {
    protocol: 'PostgreSQL',
    kind: 'response',
    response_status: pending.error ? errorStatus(pending.error.code) : 'ok',
    size: pending.size,
    attributes: { 'db.system.name': 'postgresql' },
  };
  if (pending.rows !== undefined) message.attributes['db.response.returned_rows'] = pending.rows;
  if (pending.error) {
    message.response_exception = pending.error.message;
    message.attributes['db.response.status_code'] = pending.error.code;
    message.response_result = pending.error.severity;
  }
  return [message];
}

function readBackend(state: PostgresState, b: Uint8Array): FrameStep {
  if (state.awaitingSslAnswer) {
    state.awaitingSslAnswer = false;
    if (b[0] === 0x53 /* S */) state.tls = true;
    return { consumed: 1 };
  }
  if (b.length < 5) return MORE;
  const type = String.fromCharCode(b[0]);
  const length = u32be(b, 1);
  if (!BACKEND_TYPES.has(type) || length < 4 || length > 0x40000000)
    return failure(`not a PostgreSQL backend message (type ${b[0]})`);
  const wanted = BACKEND_READ.has(type) ? Math.min(length + 1, MAX_READ) : Math.min(5, length + 1);
  if (b.length < wanted) return MORE;
  const body = b.subarray(5, wanted);
  const skip = length + 1 - wanted;
  state.response.size += length + 1;
  if (type === 'E') state.response.error ??= readErrorFields(body);
  else if (type === 'C') {
    const tag = ascii(body, 0, Math.max(0, body.length - 1));
    const count = /(\d+)$/.exec(tag);
    if (count) state.response.rows = (state.response.rows ?? 0) + Number(count[1]);
  } else if (type === 'Z') {
    return { consumed: wanted, skip, messages: finishResponse(state) };
  }
  return { consumed: wanted, skip };
}

function looksLikeQuery(b: Uint8Array): boolean {
  if (b.length < 6) return false;
  const type = b[0];
  const length = u32be(b, 1);
  if (
    (type !== 0x51 /* Q */ && type !== 0x50) /* P */ ||
    length < 5 ||
    length > 0x1000000 ||
    length + 1 > b.length + MAX_READ
  )
    return false;
  const start = type === 0x50 ? b.indexOf(0, 5) + 1 : 5;
  if (start <= 0 || start >= b.length) return false;
  return /^\s*(\/\*|--|[A-Za-z(])/.test(ascii(b, start, Math.min(b.length, start + 16)));
}

export const postgresql: ProtocolParser<PostgresState> = {
  name: 'PostgreSQL',
  l4: 'tcp',
  defaultPorts: [5432, 5433, 6432],
  infer(payload, direction) {
    if (direction === 'toServer') {
      if (payload.length >= 8 && i32be(payload, 0) <= payload.length) {
        const code = i32be(payload, 4);
        if (code === PROTOCOL_3 || code === SSL_REQUEST || code === GSSENC_REQUEST) return true;
      }
      return looksLikeQuery(payload);
    }
    // Authentication request: 'R', length 8 or more, a known auth code.
    return (
      payload.length >= 9 &&
      payload[0] === 0x52 &&
      u32be(payload, 1) >= 8 &&
      u32be(payload, 1) < 1024 &&
      u32be(payload, 5) <= 12
    );
  },
  createState(options) {
    return {
      options: parseOptions(options),
      buffers: duplexBuffers(),
      started: false,
      startupPending: false,
      tls: false,
      awaitingSslAnswer: false,
      database: undefined,
      batch: emptyBatch(),
      requests: [],
      response: emptyResponse(),
      statements: new Map(),
    };
  },
  flush(state) {
    // The server's answer began but its ReadyForQuery never came (closed, or not captured).
    return state.response.size > 0 && state.requests.length > 0 ? finishResponse(state) : [];
  },
  gap(state, direction, bytes) {
    // A long query is read from its head; the server's messages are skipped by their lengths.
    if (direction === 'toServer' && state.started && !state.tls)
      return gapInFrames(state.buffers.toServer, bytes, (b) => readFrontend(state, b, true));
    return gapOf(state.buffers[direction].gap(bytes));
  },
  parse(payload, direction: Direction, state) {
    if (state.tls) return [];
    // Joined mid-connection: the first client bytes are a regular message, not the startup.
    if (
      !state.started &&
      direction === 'toServer' &&
      state.buffers.toServer.length === 0 &&
      FRONTEND_TYPES.has(String.fromCharCode(payload[0] ?? 0)) &&
      !(payload.length >= 8 && [PROTOCOL_3, SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST].includes(i32be(payload, 4)))
    ) {
      state.started = true;
    }
    return readFrames(state.buffers[direction], payload, (b) =>
      direction === 'toServer' ? readFrontend(state, b) : readBackend(state, b),
    );
  },
};
