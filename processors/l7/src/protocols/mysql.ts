// MySQL / MariaDB client-server protocol: the login (HandshakeResponse41), commands (text
// queries, prepared statements, init db, ...) and the first packet of each answer (OK, ERR,
// EOF or a result set header). The rest of a result set is skipped packet by packet.

import { inflateSync } from 'node:zlib';
import { ascii, text, u16le, u24le, u32le } from '../bytes.ts';
import { MORE, frameReaders, gapInFrames, readFrames, type FrameReaders, type FrameStep } from '../frame-loop.ts';
import { truncated, type L7Message } from '../message.ts';
import {
  gapOf,
  parseOptions,
  type Direction,
  type ParseOptions,
  type ParseResult,
  type ProtocolParser,
} from '../parser.ts';
import { MYSQL_DIALECT, redactSql } from '../redact.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';
import { sqlEndpoint, sqlShape, type SqlShape } from './sql-shape.ts';

const HEADER = 4;
const COMPRESSED_HEADER = 7;
/** Of a command packet, this much is read; the rest (a huge INSERT) is skipped. */
const MAX_COMMAND_BYTES = 64 * 1024;
const MAX_STATEMENTS = 256;

const COMMANDS: Record<number, string> = {
  1: 'COM_QUIT',
  2: 'COM_INIT_DB',
  3: 'COM_QUERY',
  4: 'COM_FIELD_LIST',
  5: 'COM_CREATE_DB',
  6: 'COM_DROP_DB',
  7: 'COM_REFRESH',
  8: 'COM_SHUTDOWN',
  9: 'COM_STATISTICS',
  10: 'COM_PROCESS_INFO',
  12: 'COM_PROCESS_KILL',
  13: 'COM_DEBUG',
  14: 'COM_PING',
  17: 'COM_CHANGE_USER',
  22: 'COM_STMT_PREPARE',
  23: 'COM_STMT_EXECUTE',
  24: 'COM_STMT_SEND_LONG_DATA',
  25: 'COM_STMT_CLOSE',
  26: 'COM_STMT_RESET',
  27: 'COM_SET_OPTION',
  28: 'COM_STMT_FETCH',
  31: 'COM_RESET_CONNECTION',
};
/** Commands the server never answers. */
const NO_RESPONSE = new Set([1, 24, 25]);

const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_COMPRESS = 0x20;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH_LENENC = 0x200000;
const CLIENT_DEPRECATE_EOF = 0x1000000;

interface PendingRequest {
  command: number;
  sql: string | undefined;
}

export interface MysqlState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  /** The server greeting was seen; the next client packet is the login. */
  greeted: boolean;
  tls: boolean;
  /** Packets travel inside zlib frames (CLIENT_COMPRESS), from the login's answer on. */
  compressed: boolean;
  compressionAfterLogin: boolean;
  /** Decompressed bytes not yet cut into packets, per direction (compressed connections only). */
  inner: DuplexBuffers;
  pending: PendingRequest | undefined;
  /** SQL of prepared statements by id, so an execute names its statement. */
  statements: Map<number, string>;
  /** The login asked for CLIENT_DEPRECATE_EOF (no EOF after the column definitions); undefined: login not seen. */
  deprecateEof: boolean | undefined;
  /** The result set being read: its response is reported at its end, marked if the capture cut it. */
  resultSet: ResultSet | undefined;
  /**
   * A result set was read from its head and the loss ran on past where its packets could be
   * followed: the server's bytes are dropped until the client's next command.
   */
  replyCut: boolean;
  /** readPacket, and readCompressedFrame around it on compressed connections */
  readPacket: FrameReaders;
  readCompressedFrame: FrameReaders;
}

interface ResultSet {
  message: L7Message;
  /** column definition packets still to come */
  columnsLeft: number;
  /**
   * The EOF packet that follows the column definitions in the protocol before
   * CLIENT_DEPRECATE_EOF: expected (the login said so), maybe (login not seen, or asked for the
   * newer protocol, which the server may not speak), seen, or none (rows came first).
   */
  separator: 'expected' | 'maybe' | 'seen' | 'none';
  /** bytes of it that a gap took */
  lost: number;
}

/** what most packets give: shared, never added to */
const NO_MESSAGES: L7Message[] = [];

function lenencInt(b: Uint8Array, at: number): { value: number; next: number } {
  const first = b[at];
  if (first < 0xfb) return { value: first, next: at + 1 };
  if (first === 0xfc) return { value: u16le(b, at + 1), next: at + 3 };
  if (first === 0xfd) return { value: u24le(b, at + 1), next: at + 4 };
  if (first === 0xfe) return { value: u32le(b, at + 1) + u32le(b, at + 5) * 2 ** 32, next: at + 9 };
  return { value: 0, next: at + 1 };
}

function cString(b: Uint8Array, at: number, end: number): { value: string; next: number } {
  let i = at;
  while (i < end && b[i] !== 0) i++;
  return { value: text(b, at, i), next: i + 1 };
}

function dbAttributes(operation: string | undefined): L7Message['attributes'] {
  const attributes: L7Message['attributes'] = { 'db.system.name': 'mysql' };
  if (operation) attributes['db.operation.name'] = operation;
  return attributes;
}

function readLogin(state: MysqlState, p: Uint8Array, size: number): L7Message[] {
  const caps = u32le(p, 0);
  if (p.length === 32 && caps & CLIENT_SSL) {
    state.tls = true;
    return [];
  }
  const user = cString(p, 32, p.length);
  let at = user.next;
  if (caps & CLIENT_PLUGIN_AUTH_LENENC) {
    const len = lenencInt(p, at);
    at = len.next + len.value;
  } else if (caps & CLIENT_SECURE_CONNECTION) {
    at = at + 1 + p[at];
  } else {
    at = cString(p, at, p.length).next;
  }
  state.compressionAfterLogin = (caps & CLIENT_COMPRESS) !== 0;
  state.deprecateEof = (caps & CLIENT_DEPRECATE_EOF) !== 0;
  const db = caps & CLIENT_CONNECT_WITH_DB && at < p.length ? cString(p, at, p.length).value : '';
  const resource = db ? `Login username: ${user.value} db: ${db}` : `Login username: ${user.value}`;
  state.pending = { command: 0, sql: undefined };
  const attributes = dbAttributes('Login');
  if (db) attributes['db.namespace'] = db;
  return [
    {
      protocol: 'MySQL',
      kind: 'request',
      request_type: 'Login',
      request_resource: resource,
      endpoint: resource,
      size,
      attributes,
    },
  ];
}

function readCommand(state: MysqlState, p: Uint8Array, size: number): L7Message[] {
  const command = p[0];
  const name = COMMANDS[command];
  if (!name) return [];
  let sql: string | undefined;
  let shape: SqlShape | undefined;
  let resource: string | undefined;
  const attributes = dbAttributes(undefined);
  if (command === 3 || command === 22) {
    // With CLIENT_QUERY_ATTRIBUTES a query starts with the attribute count (0) and set count (1).
    sql = text(p, command === 3 && p[1] === 0 && p[2] === 1 ? 3 : 1);
    shape = sqlShape(sql);
    resource = state.options.redact ? redactSql(sql, MYSQL_DIALECT) : sql;
    attributes['db.query.text'] = resource;
    if (shape.operation) attributes['db.operation.name'] = shape.operation;
    if (shape.table) attributes['db.collection.name'] = shape.table;
  } else if (command === 2) {
    resource = text(p, 1);
    attributes['db.namespace'] = resource;
    attributes['db.operation.name'] = 'USE';
  } else if (command === 23 || command === 25 || command === 26 || command === 28) {
    const id = p.length >= 5 ? u32le(p, 1) : -1;
    const statement = state.statements.get(id);
    if (command === 25) state.statements.delete(id);
    if (statement !== undefined) {
      resource = state.options.redact ? redactSql(statement, MYSQL_DIALECT) : statement;
      attributes['db.query.text'] = resource;
      const shape = sqlShape(statement);
      if (shape.operation) attributes['db.operation.name'] = shape.operation;
    }
    attributes['db.mysql.statement_id'] = id;
  } else {
    attributes['db.operation.name'] = name;
  }
  const message: L7Message = {
    protocol: 'MySQL',
    kind: NO_RESPONSE.has(command) ? 'session' : 'request',
    request_type: name,
    size,
    attributes,
  };
  if (resource !== undefined) message.request_resource = resource;
  const endpoint = shape !== undefined ? sqlEndpoint(shape) : undefined;
  if (endpoint) message.endpoint = endpoint;
  state.pending = NO_RESPONSE.has(command) ? undefined : { command, sql };
  return [message];
}

function readResponse(state: MysqlState, p: Uint8Array, size: number): L7Message[] {
  const pending = state.pending;
  state.pending = undefined;
  if (!pending || p.length === 0) return NO_MESSAGES;
  if (pending.command === 0 && p[0] === 0x00 && state.compressionAfterLogin) state.compressed = true;
  const first = p[0];
  const message: L7Message = {
    protocol: 'MySQL',
    kind: 'response',
    response_status: 'ok',
    size,
    attributes: { 'db.system.name': 'mysql' },
  };
  if (first === 0xff) {
    const code = p.length >= 3 ? u16le(p, 1) : 0;
    const hasState = p[3] === 0x23; // '#': a SQLSTATE follows
    const sqlState = hasState ? ascii(p, 4, 9) : '';
    message.response_code = code;
    message.response_exception = text(p, hasState ? 9 : 3);
    // Codes 2000-2999 are raised by the client library; everything the server refuses is its error (DeepFlow's rule).
    message.response_status = code >= 2000 && code < 3000 ? 'client_error' : 'server_error';
    message.attributes['db.response.status_code'] = String(code);
    if (sqlState) message.attributes['db.mysql.sqlstate'] = sqlState;
  } else if (first === 0x00 && p.length >= 3) {
    const affected = lenencInt(p, 1);
    if (pending.command === 22 && p.length >= 5) {
      const id = u32le(p, 1);
      if (pending.sql !== undefined && state.statements.size < MAX_STATEMENTS) state.statements.set(id, pending.sql);
      message.attributes['db.mysql.statement_id'] = id;
    } else {
      message.attributes['db.response.affected_rows'] = affected.value;
    }
  } else if (first !== 0xfe) {
    const columns = lenencInt(p, 0).value;
    message.response_result = `${columns} columns`;
    // reported at the result set's end, with its size (and marked when the capture cut it)
    state.resultSet = {
      message,
      columnsLeft: columns,
      separator: state.deprecateEof === false ? 'expected' : 'maybe',
      lost: 0,
    };
    return NO_MESSAGES;
  }
  return [message];
}

/**
 * The packets of a result set after its header: column definitions, the EOF after them (before
 * CLIENT_DEPRECATE_EOF), rows, and the EOF, OK or ERR that ends it and reports the response. A
 * row longer than what is held is skipped by its length.
 */
function readResultSet(state: MysqlState, rs: ResultSet, b: Uint8Array): FrameStep {
  let at = 0;
  while (b.length - at > HEADER) {
    const length = u24le(b, at);
    const size = HEADER + length;
    const first = b[at + HEADER];
    let end = false;
    if (rs.columnsLeft > 0) rs.columnsLeft--;
    else if (first === 0xfe && length < 0xffffff) {
      // an EOF (or an OK with the EOF header): right after the columns it may be the old
      // protocol's separator, told by the login or else by its length (an EOF is 5 bytes, an
      // OK at least 7)
      if (rs.separator === 'expected' || (rs.separator === 'maybe' && length === 5)) rs.separator = 'seen';
      else end = true;
    } else if (first === 0xff) end = true;
    else if (rs.separator !== 'seen') rs.separator = 'none';
    if (end && at + size > b.length) return at > 0 ? { consumed: at } : MORE;
    rs.message.size += size;
    if (end) {
      state.resultSet = undefined;
      if (rs.lost > 0) truncated(rs.message, rs.message.size - rs.lost, rs.message.size);
      return { consumed: at + size, messages: [rs.message] };
    }
    // a row (or column) longer than what is held: the rest of it is dropped as it comes
    if (at + size > b.length) return { consumed: b.length, skip: at + size - b.length };
    at += size;
  }
  return at > 0 ? { consumed: at } : MORE;
}

/**
 * Bytes of the whole packets at the front of b that only continue an answered response (column
 * definitions, rows, EOF: sequence numbers after 0), skipped in one step rather than a step each.
 */
function answeredPackets(b: Uint8Array): number {
  let at = 0;
  while (b.length - at >= HEADER && b[at + 3] !== 0) {
    const end = at + HEADER + u24le(b, at);
    if (end > b.length) break;
    at = end;
  }
  return at;
}

/** `head`: b is all the capture kept of this packet (see gapInFrames). */
function readPacket(state: MysqlState, direction: 'toServer' | 'toClient', b: Uint8Array, head = false): FrameStep {
  if (b.length < HEADER) return MORE;
  if (direction === 'toClient' && state.resultSet !== undefined) return readResultSet(state, state.resultSet, b);
  if (direction === 'toClient' && !state.pending && !state.tls) {
    const answered = answeredPackets(b);
    if (answered > 0) return { consumed: answered, messages: NO_MESSAGES };
  }
  const length = u24le(b, 0);
  const seq = b[3];
  const wanted = Math.min(
    length,
    direction === 'toServer' ? MAX_COMMAND_BYTES : 1024,
    head ? b.length - HEADER : length,
  );
  if (b.length < HEADER + wanted) return MORE;
  const p = b.subarray(HEADER, HEADER + wanted);
  const size = HEADER + length;
  let messages = NO_MESSAGES;
  if (state.tls) {
    // encrypted: nothing to read
  } else if (direction === 'toClient') {
    if (seq === 0 && p[0] === 10 && !state.pending) state.greeted = true;
    else messages = readResponse(state, p, size);
  } else if (seq === 1 && state.greeted) {
    state.greeted = false;
    messages = readLogin(state, p, size);
  } else if (seq === 0 && length > 0) {
    messages = readCommand(state, p, size);
  }
  return { consumed: HEADER + wanted, skip: length - wanted, messages };
}

function readCompressedFrame(state: MysqlState, direction: Direction, b: Uint8Array): FrameStep {
  if (b.length < COMPRESSED_HEADER) return MORE;
  const length = u24le(b, 0);
  const uncompressedLength = u24le(b, 4);
  if (b.length < COMPRESSED_HEADER + length) return MORE;
  const body = b.subarray(COMPRESSED_HEADER, COMPRESSED_HEADER + length);
  const packets = uncompressedLength === 0 ? body : inflateSync(body, { maxOutputLength: 16 * 1024 * 1024 });
  const inner = readFrames(state.inner[direction], packets, state.readPacket[direction]);
  return { consumed: COMPRESSED_HEADER + length, messages: Array.isArray(inner) ? inner : [] };
}

/** A compressed frame (7-byte header) holding one whole, uncompressed command packet. */
function looksCompressed(b: Uint8Array): boolean {
  if (b.length < COMPRESSED_HEADER + HEADER + 1 || u24le(b, 0) !== b.length - COMPRESSED_HEADER) return false;
  const uncompressed = u24le(b, 4);
  return uncompressed === 0
    ? u24le(b, COMPRESSED_HEADER) === b.length - COMPRESSED_HEADER - HEADER && b[COMPRESSED_HEADER + 3] === 0
    : b[COMPRESSED_HEADER] === 0x78;
}

function plausibleHeader(b: Uint8Array): boolean {
  return b.length >= 5 && u24le(b, 0) > 0 && u24le(b, 0) <= b.length - 4 + 16 * 1024 * 1024;
}

export const mysql: ProtocolParser<MysqlState> = {
  name: 'MySQL',
  l4: 'tcp',
  defaultPorts: [3306, 3307, 33060],
  infer(payload, direction) {
    if (direction === 'toServer' && looksCompressed(payload)) return true;
    if (!plausibleHeader(payload)) return false;
    const length = u24le(payload, 0);
    const seq = payload[3];
    if (direction === 'toClient') {
      // Server greeting: protocol 10 and a NUL-terminated printable version string.
      if (seq !== 0 || payload[4] !== 10) return false;
      const nul = payload.indexOf(0, 5);
      return nul > 5 && nul < 64 && /^[\w.\-+~]+$/.test(ascii(payload, 5, nul));
    }
    if (length !== payload.length - 4) return false;
    if (seq === 0) {
      const command = payload[4];
      if (command !== 3 && command !== 22 && command !== 2) return COMMANDS[command] !== undefined && length <= 9;
      return (
        length > 1 &&
        /^[\x09\x0a\x0d\x20-\x7e]/.test(String.fromCharCode(payload[5])) &&
        /^\s*[A-Za-z(/]/.test(ascii(payload, 5, Math.min(payload.length, 40)))
      );
    }
    // Login: capabilities with CLIENT_PROTOCOL_41 and a 23-byte zero filler.
    return (
      seq === 1 && length >= 32 && (u32le(payload, 4) & 0x200) !== 0 && payload.subarray(13, 36).every((x) => x === 0)
    );
  },
  createState(options) {
    const state: MysqlState = {
      options: parseOptions(options),
      buffers: duplexBuffers(),
      greeted: false,
      tls: false,
      compressed: false,
      compressionAfterLogin: false,
      inner: duplexBuffers(),
      pending: undefined,
      statements: new Map(),
      deprecateEof: undefined,
      resultSet: undefined,
      replyCut: false,
      readPacket: frameReaders((direction, b) => readPacket(state, direction, b)),
      readCompressedFrame: frameReaders((direction, b) => readCompressedFrame(state, direction, b)),
    };
    return state;
  },
  gap(state, direction, bytes) {
    // Compressed: the gap is in the frames, so the packets inside them are lost as well.
    // A command cut by the capture (a long INSERT) is read from its head. Responses are not: the
    // rest of a result set is skipped by its packet lengths.
    if (direction === 'toServer' && !state.compressed) {
      const read = gapInFrames(state.buffers.toServer, bytes, (b) => readPacket(state, 'toServer', b, true));
      if (Array.isArray(read) && read.length > 0) state.replyCut = false;
      return read;
    }
    if (direction === 'toClient' && state.replyCut) return NO_MESSAGES;
    const rs = state.resultSet;
    if (direction === 'toClient' && rs !== undefined && !state.compressed) {
      const buffer = state.buffers.toClient;
      const skipping = buffer.skipping;
      const held = buffer.length;
      if (held === 0 && buffer.gap(bytes)) {
        rs.lost += bytes;
        return NO_MESSAGES;
      }
      // The loss ran past the row being skipped: the packets after it cannot be followed, so
      // the result set ends here, read from its head, and the server's bytes wait for the
      // client's next command.
      buffer.clear();
      state.resultSet = undefined;
      state.replyCut = true;
      const size = rs.message.size + held + Math.max(0, bytes - skipping);
      return [truncated(rs.message, size - rs.lost - bytes, size)];
    }
    const harmless = state.buffers[direction].gap(bytes);
    if (!harmless && state.compressed) state.inner[direction].clear();
    return gapOf(harmless);
  },
  flush(state) {
    // the connection ended inside a result set: its response, as far as it went
    const rs = state.resultSet;
    state.resultSet = undefined;
    return rs ? [rs.message] : [];
  },
  parse(payload, direction, state): ParseResult {
    // A capture that starts after the login shows compression by the first command's framing.
    if (
      !state.compressed &&
      !state.greeted &&
      direction === 'toServer' &&
      state.buffers.toServer.length === 0 &&
      looksCompressed(payload)
    )
      state.compressed = true;
    if (direction === 'toClient' && state.replyCut) return NO_MESSAGES;
    const result = readFrames(
      state.buffers[direction],
      payload,
      (state.compressed ? state.readCompressedFrame : state.readPacket)[direction],
    );
    if (direction === 'toServer' && Array.isArray(result) && result.length > 0) state.replyCut = false;
    return result;
  },
};
