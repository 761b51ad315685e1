// One side of one connection: its protocol, the parser's state, and the requests waiting for
// their responses. Pairing is by the protocol's own id when it has one (DNS id, HTTP/2
// stream, Kafka correlation id), otherwise in order, which is what pipelining means.
import type { Correlator } from './correlate.ts';
import type { L7Message } from './message.ts';
import { isFailure, type Direction, type ProtocolParser } from './parser.ts';
import type { ConnectionInfo, L7Record, SpanIds } from './record.ts';

interface Pending {
  /** absent for a response whose request was sent before capture started */
  request?: L7Message;
  startNs: bigint;
  endNs: bigint;
  tid: number;
  ids: SpanIds;
}

export interface SessionLimits {
  maxPending: number;
  /** parse failures in a row before the connection is given up on */
  maxFailures: number;
}

export interface SessionCounters {
  /** requests dropped unanswered because too many were waiting on one connection */
  pendingOverflow: number;
  parseErrors: number;
}

export class Session {
  readonly conn: ConnectionInfo;
  readonly parser: ProtocolParser<any>;
  private readonly state: unknown;
  private readonly correlator: Correlator;
  private readonly limits: SessionLimits;
  private readonly counters: SessionCounters;
  private pending: Pending[] = [];
  /** when and on which thread the bytes of the message in progress began, per direction */
  private readonly began: Partial<Record<Direction, { ns: bigint; tid: number }>> = {};
  private failures = 0;
  /** per direction: bytes were lost and no message has parsed since, so errors are expected */
  private readonly resyncing: Partial<Record<Direction, boolean>> = {};
  lastSeenNs = 0n;

  constructor(conn: ConnectionInfo, parser: ProtocolParser<any>, state: unknown, correlator: Correlator, limits: SessionLimits, counters: SessionCounters) {
    this.conn = conn;
    this.parser = parser;
    this.state = state;
    this.correlator = correlator;
    this.limits = limits;
    this.counters = counters;
  }

  get givenUp(): boolean {
    return this.failures >= this.limits.maxFailures;
  }

  /** Feeds one event's payload (whose first bytes were seen at `startNs`); adds the records it completed to `out`. */
  feed(payload: Uint8Array, direction: Direction, ns: bigint, tid: number, out: L7Record[], startNs = ns): void {
    this.lastSeenNs = ns;
    if (this.givenUp) return;
    this.began[direction] ??= { ns: startNs, tid };
    const result = this.parser.parse(payload, direction, this.state);
    if (isFailure(result)) {
      // the middle of a message whose bytes the capture lost is no sign of another protocol
      if (!this.resyncing[direction]) this.failures++;
      this.counters.parseErrors++;
      delete this.began[direction];
      return;
    }
    if (!Array.isArray(result)) return;
    this.failures = 0;
    const began = this.began[direction]!;
    delete this.began[direction];
    for (const message of result) this.take(message, direction, began, ns, out);
  }

  /** `bytes` more of this direction went by without being captured. */
  gap(direction: Direction, bytes: number, ns: bigint, out: L7Record[]): void {
    if (this.givenUp || !this.parser.gap) return;
    this.parser.gap(this.state, direction, bytes);
    this.resyncing[direction] = true;
    // nothing in progress: the lost bytes were between messages or in a body already reported
    if (!this.began[direction]) return;
    delete this.began[direction];
    // A response lost its middle (a large Redis array, a MySQL result set): it still answers
    // the oldest request, or every later one would take its predecessor's answer.
    const oldest = this.pending[0];
    if (direction === 'toClient' && oldest?.request && oldest.request.pair_key === undefined) {
      this.pending.shift();
      this.answer(oldest, { protocol: this.parser.name, kind: 'response', response_status: 'unknown', size: bytes, attributes: {} }, ns, out);
    }
  }

  private take(message: L7Message, direction: Direction, began: { ns: bigint; tid: number }, ns: bigint, out: L7Record[]): void {
    if (message.kind !== 'response') this.resyncing[direction] = false;
    if (message.kind === 'request') {
      const ids = this.correlator.onRequest(this.conn, message, began.tid);
      this.pending.push({ request: message, startNs: began.ns, endNs: ns, tid: began.tid, ids });
      if (this.pending.length > this.limits.maxPending) {
        this.counters.pendingOverflow++;
        out.push(this.unanswered(this.pending.shift()!));
      }
      return;
    }
    if (message.kind === 'session') {
      const ids = this.correlator.onRequest(this.conn, message, began.tid);
      out.push(this.record({ request: message, startNs: began.ns, endNs: ns, tid: began.tid, ids }, undefined, ns, false));
      return;
    }
    const i = message.pair_key === undefined ? 0 : this.pending.findIndex((p) => p.request?.pair_key === message.pair_key);
    const matched = i >= 0 ? this.pending.splice(i, 1)[0] : undefined;
    if (matched) {
      this.resyncing[direction] = false;
      this.answer(matched, message, ns, out);
    } else if (this.resyncing[direction]) {
      // the rest of a response whose middle the capture lost, read as if it were a new one
      this.counters.parseErrors++;
    } else {
      // a response to a request sent before capture started: still a request log
      const ids = this.correlator.onRequest(this.conn, message, began.tid);
      out.push(this.record({ startNs: began.ns, endNs: ns, tid: began.tid, ids }, message, ns, false));
    }
  }

  private answer(p: Pending, response: L7Message, ns: bigint, out: L7Record[]): void {
    out.push(this.record(p, response, ns, false));
    if (this.conn.role === 'server') this.correlator.onServerResponse(this.conn, p.tid, p.ids.spanId);
  }

  private record(p: Pending, response: L7Message | undefined, endNs: bigint, unanswered: boolean): L7Record {
    return {
      protocol: this.parser.name,
      conn: this.conn,
      request: p.request,
      response,
      startNs: p.startNs,
      endNs: response ? endNs : p.endNs,
      tid: p.tid,
      unanswered,
      ids: p.ids,
    };
  }

  private unanswered(p: Pending): L7Record {
    return this.record(p, undefined, p.endNs, true);
  }

  /** Requests waiting longer than `timeoutNs` before `nowNs` become unanswered records. */
  expire(nowNs: bigint, timeoutNs: bigint, out: L7Record[]): void {
    while (this.pending.length && nowNs - this.pending[0].endNs > timeoutNs) out.push(this.unanswered(this.pending.shift()!));
  }

  /** The connection closed: what the parser still holds, then every waiting request. */
  close(nowNs: bigint, out: L7Record[]): void {
    if (!this.givenUp) {
      let flushed: L7Message[] = [];
      try {
        flushed = this.parser.flush?.(this.state) ?? [];
      } catch {
        this.counters.parseErrors++;
      }
      // what a flush reports ends the connection: a response there is the answer side's
      for (const m of flushed) this.take(m, 'toClient', { ns: this.lastSeenNs, tid: 0 }, nowNs, out);
    }
    for (const p of this.pending.splice(0)) out.push(this.unanswered(p));
    this.correlator.forgetConnection(this.conn);
  }

  get waiting(): number {
    return this.pending.length;
  }
}
