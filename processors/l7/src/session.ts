// One side of one connection: its protocol, the parser's state, and the requests waiting for
// their responses. Pairing is by the protocol's own id when it has one (DNS id, HTTP/2
// stream, Kafka correlation id), otherwise in order, which is what pipelining means.
import type { Correlator } from './correlate.ts';
import type { L7Message } from './message.ts';
import { isFailure, type Direction, type ProtocolParser } from './parser.ts';
import type { ConnectionInfo, L7Record, SpanIds } from './record.ts';

/** One direction's message in progress. */
class DirectionState {
  /** whether a message's first bytes were seen and it is not complete yet */
  inProgress = false;
  beganNs = 0n;
  beganTid = 0;
  /** bytes were lost and no message has parsed since, so errors are expected */
  resyncing = false;
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
  /** per protocol name: how its messages fared */
  messages: Map<string, MessageCounts>;
}

/** One protocol's messages: read whole, read from the head the capture kept, or lost to a parse failure or a gap. */
export interface MessageCounts {
  whole: number;
  truncated: number;
  unparseable: number;
}

function messageCounts(counters: SessionCounters, protocol: string): MessageCounts {
  let counts = counters.messages.get(protocol);
  if (!counts) counters.messages.set(protocol, (counts = { whole: 0, truncated: 0, unparseable: 0 }));
  return counts;
}

/** A waiting request's record given up on: it ends where the request did. */
function markUnanswered(p: L7Record): L7Record {
  p.unanswered = true;
  return p;
}

export class Session {
  readonly conn: ConnectionInfo;
  readonly parser: ProtocolParser<any>;
  private readonly state: unknown;
  private readonly correlator: Correlator;
  private readonly limits: SessionLimits;
  private readonly counters: SessionCounters;
  private readonly counts: MessageCounts;
  /** requests waiting for their responses: the records they become, completed when answered */
  private pending: L7Record[] = [];
  /** when and on which thread the bytes of the message in progress began, per direction (fields, not a map: they change per message) */
  private readonly toServer = new DirectionState();
  private readonly toClient = new DirectionState();
  private failures = 0;
  lastSeenNs = 0n;
  /** an event came since the engine queued it for eviction (see L7Engine.evictOldest) */
  usedSinceQueued = false;

  constructor(
    conn: ConnectionInfo,
    parser: ProtocolParser<any>,
    state: unknown,
    correlator: Correlator,
    limits: SessionLimits,
    counters: SessionCounters,
  ) {
    this.conn = conn;
    this.parser = parser;
    this.state = state;
    this.correlator = correlator;
    this.limits = limits;
    this.counters = counters;
    this.counts = messageCounts(counters, parser.name);
  }

  get givenUp(): boolean {
    return this.failures >= this.limits.maxFailures;
  }

  private side(direction: Direction): DirectionState {
    return direction === 'toServer' ? this.toServer : this.toClient;
  }

  /** Feeds one event's payload (whose first bytes were seen at `startNs`); adds the records it completed to `out`. */
  feed(payload: Uint8Array, direction: Direction, ns: bigint, tid: number, out: L7Record[], startNs = ns): void {
    this.lastSeenNs = ns;
    if (this.givenUp) return;
    const side = this.side(direction);
    if (!side.inProgress) {
      side.inProgress = true;
      side.beganNs = startNs;
      side.beganTid = tid;
    }
    const result = this.parser.parse(payload, direction, this.state);
    if (isFailure(result)) {
      // the middle of a message whose bytes the capture lost is no sign of another protocol
      if (!side.resyncing) this.failures++;
      this.counters.parseErrors++;
      this.counts.unparseable++;
      side.inProgress = false;
      return;
    }
    if (!Array.isArray(result)) return;
    this.failures = 0;
    side.inProgress = false;
    for (const message of result) this.take(message, direction, side.beganNs, side.beganTid, ns, out);
  }

  /** `bytes` more of this direction went by without being captured. */
  gap(direction: Direction, bytes: number, ns: bigint, out: L7Record[]): void {
    if (this.givenUp || !this.parser.gap) return;
    const result = this.parser.gap(this.state, direction, bytes);
    const side = this.side(direction);
    if (Array.isArray(result)) {
      // the parser stays in step: the loss fell in a body it skips, or it read the message's
      // head and skips the rest
      if (result.length === 0) return;
      side.inProgress = false;
      this.failures = 0;
      for (const message of result) this.take(message, direction, side.beganNs, side.beganTid, ns, out);
      return;
    }
    side.resyncing = true;
    // nothing in progress: the lost bytes were between messages or in a body already reported
    if (!side.inProgress) return;
    side.inProgress = false;
    this.counts.unparseable++;
    // A response lost its middle (a large Redis array, a MySQL result set): it still answers
    // the oldest request, or every later one would take its predecessor's answer.
    const oldest = this.pending[0];
    if (direction === 'toClient' && oldest?.request && oldest.request.pair_key === undefined) {
      this.pending.shift();
      this.answer(
        oldest,
        { protocol: this.parser.name, kind: 'response', response_status: 'unknown', size: bytes, attributes: {} },
        ns,
        out,
      );
    }
  }

  private take(
    message: L7Message,
    direction: Direction,
    beganNs: bigint,
    tid: number,
    ns: bigint,
    out: L7Record[],
  ): void {
    const side = this.side(direction);
    if (message.kind !== 'response') {
      side.resyncing = false;
      this.count(message);
    }
    if (message.kind === 'request') {
      const ids = this.correlator.onRequest(this.conn, message, tid);
      this.pending.push(this.record(message, undefined, beganNs, ns, tid, ids));
      if (this.pending.length > this.limits.maxPending) {
        this.counters.pendingOverflow++;
        out.push(markUnanswered(this.pending.shift()!));
      }
      return;
    }
    if (message.kind === 'session') {
      const ids = this.correlator.onRequest(this.conn, message, tid);
      out.push(this.record(message, undefined, beganNs, ns, tid, ids));
      return;
    }
    const matched = this.matching(message);
    if (matched || !side.resyncing) this.count(message);
    if (matched) {
      side.resyncing = false;
      this.answer(matched, message, ns, out);
    } else if (side.resyncing) {
      // the rest of a response whose middle the capture lost, read as if it were a new one
      this.counters.parseErrors++;
      this.counts.unparseable++;
    } else {
      // a response to a request sent before capture started: still a request log
      const ids = this.correlator.onRequest(this.conn, message, tid);
      out.push(this.record(undefined, message, beganNs, ns, tid, ids));
    }
  }

  private count(message: L7Message): void {
    // gRPC rides on the HTTP/2 parser: its calls count as gRPC, as their records say
    const counts = message.protocol === this.parser.name ? this.counts : messageCounts(this.counters, message.protocol);
    if (message.captured === undefined) counts.whole++;
    else counts.truncated++;
  }

  /** The waiting request a response answers, taken off the list: by the protocol's id, else the oldest. */
  private matching(response: L7Message): L7Record | undefined {
    if (response.pair_key === undefined) return this.pending.shift();
    const i = this.pending.findIndex((p) => p.request?.pair_key === response.pair_key);
    return i >= 0 ? this.pending.splice(i, 1)[0] : undefined;
  }

  /** The waiting request's record gets its response and ends with it. */
  private answer(p: L7Record, response: L7Message, ns: bigint, out: L7Record[]): void {
    p.response = response;
    p.endNs = ns;
    out.push(p);
    if (this.conn.role === 'server') this.correlator.onServerResponse(this.conn, p.tid, p.ids.spanId);
  }

  private record(
    request: L7Message | undefined,
    response: L7Message | undefined,
    startNs: bigint,
    endNs: bigint,
    tid: number,
    ids: SpanIds,
  ): L7Record {
    return {
      protocol: this.parser.name,
      conn: this.conn,
      request,
      response,
      startNs,
      endNs,
      tid,
      unanswered: false,
      ids,
    };
  }

  /** Requests waiting longer than `timeoutNs` before `nowNs` become unanswered records. */
  expire(nowNs: bigint, timeoutNs: bigint, out: L7Record[]): void {
    while (this.pending.length && nowNs - this.pending[0].endNs > timeoutNs)
      out.push(markUnanswered(this.pending.shift()!));
  }

  /** The connection closed: what the parser still holds, then every waiting request. */
  close(nowNs: bigint, out: L7Record[]): void {
    if (!this.givenUp) {
      let flushed: L7Message[] = [];
      try {
        flushed = this.parser.flush?.(this.state) ?? [];
      } catch {
        this.counters.parseErrors++;
        this.counts.unparseable++;
      }
      // what a flush reports ends the connection: a response there is the answer side's
      for (const m of flushed) this.take(m, 'toClient', this.lastSeenNs, 0, nowNs, out);
    }
    for (const p of this.pending.splice(0)) out.push(markUnanswered(p));
    this.correlator.forgetConnection(this.conn);
  }

  get waiting(): number {
    return this.pending.length;
  }
}
