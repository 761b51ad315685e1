// Shared by the parser tests: feed chunks and collect the messages, failing on parse errors.
import assert from 'node:assert/strict';
import { SocketEventBatch } from '@flowtel/pdata';
import { readCaptureFile } from '@flowtel/receiver-pcap';
import { L7Engine } from '../src/engine.ts';
import type { L7Message } from '../src/message.ts';
import type { Direction, ProtocolParser } from '../src/parser.ts';
import { PROTOCOL_PARSERS } from '../src/protocols/index.ts';
import type { L7Record } from '../src/record.ts';

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

export function hex(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
}

/** Feeds each [direction, chunk] in order and returns every message; a parse failure fails the test. */
export function feed<S>(parser: ProtocolParser<S>, state: S, chunks: Array<[Direction, Uint8Array]>): L7Message[] {
  const out: L7Message[] = [];
  for (const [direction, chunk] of chunks) {
    const result = parser.parse(chunk, direction, state);
    if (Array.isArray(result)) out.push(...result);
    else assert.notEqual(result.kind, 'error', `parse failed: ${'reason' in result ? result.reason : ''}`);
  }
  return out;
}

/** Splits bytes into pieces of the given size, to test reassembly across calls. */
export function pieces(b: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.slice(i, i + size));
  return out;
}

/**
 * Feeds each [direction, chunk] as eBPF captures a syscall: only the first `head` bytes reach
 * parse(), the rest is reported to gap(). Returns every message, from parse and from gap, in
 * order; a parse failure or a LOST gap fails the test.
 */
export function feedHeads<S>(
  parser: ProtocolParser<S>,
  state: S,
  head: number,
  chunks: Array<[Direction, Uint8Array]>,
): L7Message[] {
  const out: L7Message[] = [];
  for (const [direction, chunk] of chunks) {
    out.push(...feed(parser, state, [[direction, chunk.subarray(0, head)]]));
    if (chunk.length <= head) continue;
    const result = parser.gap!(state, direction, chunk.length - head);
    assert.ok(Array.isArray(result), `gap lost a message (${direction}, ${chunk.length} bytes)`);
    out.push(...result);
  }
  return out;
}

/** An engine with every parser in which nothing expires, and the records it hands out. */
export function recordingEngine(): { engine: L7Engine; records: L7Record[] } {
  const forever = 10n ** 18n;
  const engine = new L7Engine({
    parsers: PROTOCOL_PARSERS,
    parse: {},
    correlation: { syscall: false, request_id: false },
    requestTimeoutNs: forever,
    idleTimeoutNs: forever,
    maxSessions: 1000,
    maxPendingPerSession: 100,
  });
  const records: L7Record[] = [];
  engine.addSink((r) => records.push(...r));
  return { engine, records };
}

/** The request logs the l7 engine makes of a capture file, read as the pcap receiver reads it (nothing expires). */
export function recordsOfCapture(path: string, perspective: 'client' | 'server' | 'both' = 'both'): L7Record[] {
  const { engine, records } = recordingEngine();
  engine.ingest(SocketEventBatch.from('pcap', readCaptureFile(path, { perspective })));
  engine.flushAll();
  return records;
}
