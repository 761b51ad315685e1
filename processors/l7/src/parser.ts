// The contract between the l7 processor and one protocol parser. A parser is a plain object:
// no I/O, no timers, no global state. Everything a connection needs between two calls lives in
// the state object the parser created for it, so the processor owns the lifetime (and the
// memory budget) of every connection.

import type { L7Message } from './message.ts';
import { DEFAULT_SECRET_QUERY_PARAMETERS } from './redact.ts';

/** Which way the bytes travelled: from the side that opened the connection, or back to it. */
export type Direction = 'toServer' | 'toClient';

export const NEED_MORE_DATA = Object.freeze({ kind: 'need-more-data' as const });
export type NeedMoreData = typeof NEED_MORE_DATA;

/** The bytes could not be parsed as this protocol. The parser has dropped what it buffered for that direction. */
export interface ParseFailure {
  readonly kind: 'error';
  readonly reason: string;
}

/**
 * Complete messages found in this and earlier calls (possibly none when the call only
 * finished a frame that carries nothing to report), NEED_MORE_DATA when the bytes are kept for
 * the next call, or a failure.
 */
export type ParseResult = L7Message[] | NeedMoreData | ParseFailure;

export interface ParseOptions {
  /** Hide secrets (credentials, cookies, SQL literals). On unless the user turns it off. */
  redact: boolean;
  /** Lower-case header names (HTTP/1, HTTP/2) recorded as http.request.header.<name> / http.response.header.<name>. */
  captureHeaders: readonly string[];
  /** The connection's transport, for parsers that speak both (DNS frames differ). */
  l4: 'tcp' | 'udp';
  /** Lower-case query parameter names whose values are redacted wherever a URL is kept (with `redact`). */
  secretQueryParameters: ReadonlySet<string>;
}

export interface ProtocolParser<State = unknown> {
  /** Stable protocol name, as DeepFlow's l7_protocol_str spells it (HTTP, DNS, MySQL, ...). */
  readonly name: string;
  readonly l4: 'tcp' | 'udp' | 'both';
  /** Server ports where the protocol is usual; inference still runs on other ports. */
  readonly defaultPorts: readonly number[];
  /** Is this payload (the first the processor saw on a connection, either direction) this protocol? Cheap, never throws. */
  infer(payload: Uint8Array, direction: Direction): boolean;
  /** Fresh per-connection state. */
  createState(options?: Partial<ParseOptions>): State;
  /** Feed the next bytes of one direction, in order. Never throws. */
  parse(payload: Uint8Array, direction: Direction, state: State): ParseResult;
  /**
   * The connection closed or went idle: report what the buffered, incomplete bytes still tell
   * (a request whose header block was never completed). Optional; never throws.
   */
  flush?(state: State): L7Message[];
  /**
   * `bytes` of one direction were lost between two parse calls (eBPF keeps the first N bytes of
   * a syscall: byteCount > payload length; a snap length cuts a packet). A gap inside a body the
   * parser skips costs nothing. A message whose head was buffered is read from that head (marked
   * with `truncated()`) and the parser skips the rest of it, so the next message parses.
   * Returns the messages read that way (none when the loss was harmless), or LOST when the
   * parser dropped a partial message it could not read and resynchronises. Optional; never throws.
   */
  gap?(state: State, direction: Direction, bytes: number): GapResult;
}

/** gap(): the parser dropped a partial message it could not read anything from. */
export const LOST = Object.freeze({ kind: 'lost' as const });
export type GapResult = L7Message[] | typeof LOST;

/** A StreamBuffer's gap as a GapResult, for parsers that read nothing from a head. */
export function gapOf(harmless: boolean): GapResult {
  return harmless ? NO_MESSAGES : LOST;
}

const NO_MESSAGES: L7Message[] = [];

export function isFailure(result: ParseResult): result is ParseFailure {
  return !Array.isArray(result) && result.kind === 'error';
}

export function failure(reason: string): ParseFailure {
  return { kind: 'error', reason };
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = {
  redact: true,
  captureHeaders: [],
  l4: 'tcp',
  secretQueryParameters: new Set(DEFAULT_SECRET_QUERY_PARAMETERS),
};

export function parseOptions(options?: Partial<ParseOptions>): ParseOptions {
  return { ...DEFAULT_PARSE_OPTIONS, ...options };
}
