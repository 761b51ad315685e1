// The parsing core of the l7 processor: socket events in, request logs (L7Record) out. One
// engine serves every pipeline that names the same l7 processor, so a capture is parsed once
// however many signals it feeds; it hands each record to every pipeline's sink.
import {
  Direction as SocketDirection,
  L4Protocol,
  readTcpMetrics,
  SocketEventKind,
  SocketRole,
  TcpReport,
  type SocketEventBatch,
  type TcpMetrics,
} from '@flowtel/pdata';
import { Correlator, flowKey, type CorrelationOptions } from './correlate.ts';
import { inferProtocol } from './infer.ts';
import type { Direction, ParseOptions, ProtocolParser } from './parser.ts';
import type { ConnectionInfo, L7Record, TcpState } from './record.ts';
import { Session, type SessionCounters } from './session.ts';

export interface EngineOptions {
  parsers: readonly ProtocolParser<any>[];
  parse: Partial<ParseOptions>;
  correlation: CorrelationOptions;
  requestTimeoutNs: bigint;
  idleTimeoutNs: bigint;
  maxSessions: number;
  maxPendingPerSession: number;
}

export interface EngineCounters extends SessionCounters {
  events: number;
  records: number;
  /** sessions dropped to stay under max_sessions, with what they were waiting for */
  evictedSessions: number;
  /** connections whose protocol none of the parsers recognised */
  unknownProtocol: number;
}

export type RecordSink = (records: L7Record[]) => void;
/** Receives the TCP events' figures with the connection they describe (for TCP metrics). */
export type TcpSink = (report: TcpMetrics, conn: TcpConnection) => void;

/** The connection a TCP event describes, from the event itself (it may have no session). */
export interface TcpConnection {
  source: string;
  /** the socket's key: one connection's reports share it */
  key: number | string;
  pid: number;
  comm: string;
  role: 'client' | 'server' | 'unknown';
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
}

/** One side of one connection: a number when the socket id fits in 32 bits (capture counts them), else a string. */
type SessionKey = number | string;

const NS_PER_MS = 1_000_000n;
/**
 * How long a server's record waits for its caller on this host, in capture time. Both ends'
 * events reach the engine in ring-buffer batches (every poll_interval, 10 ms): a client thread
 * preempted between its write and the syscall's return (a loaded host) has its event in a later
 * batch than the server's read and answer, and a record emitted before it comes has no parent.
 */
const CALLER_WAIT_NS = 1000n * NS_PER_MS;
/** Records waiting for their caller at most; past it they go out unlinked. */
const MAX_WAITING_RECORDS = 16384;
const MAX_INFERENCE_TRIES = 4;
/** what a TLS plaintext stream adds to its socket's numeric session key (roles take 0 to 2) */
const TLS_KEY = 4;
/** reads this short are a header read on its own (mosquitto reads one byte, then the length) */
const SHORT_READ = 16;
/** retransmission times kept per connection, to count those during a request */
const MAX_RETRANSMIT_TIMES = 64;

interface Unrecognised {
  tries: number;
  lastNs: bigint;
  /** short payloads not recognised yet, inferred again together with what follows them */
  head?: Uint8Array;
  headEgress?: boolean;
  headNs?: bigint;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export class L7Engine {
  private readonly options: EngineOptions;
  private readonly sessions = new Map<SessionKey, Session>();
  /** connections not recognised yet: how often inference failed, and when last seen */
  private readonly unknown = new Map<SessionKey, Unrecognised>();
  /** a small number per capture source, for numeric session keys */
  private readonly sources = new Map<string, number>();
  private readonly correlator: Correlator;
  private readonly sinks = new Set<RecordSink>();
  private readonly tcpSinks = new Set<TcpSink>();
  /** TCP connections the TCP events told of, by their (plaintext-less) session key */
  private readonly tcp = new Map<SessionKey, TcpState>();
  private readonly seen = new WeakSet<SocketEventBatch>();
  readonly counters: EngineCounters = {
    events: 0,
    records: 0,
    evictedSessions: 0,
    unknownProtocol: 0,
    pendingOverflow: 0,
    parseErrors: 0,
    messages: new Map(),
  };
  /** the capture's clock: the newest event time, and the wall time it was seen at */
  /** server records whose caller on this host may still come, oldest first (see CALLER_WAIT_NS) */
  private waiting: L7Record[] = [];
  private clockNs = 0n;
  private clockWallMs = 0;

  constructor(options: EngineOptions) {
    this.options = options;
    this.correlator = new Correlator(options.correlation);
  }

  addSink(sink: RecordSink): void {
    this.sinks.add(sink);
  }

  removeSink(sink: RecordSink): void {
    this.sinks.delete(sink);
  }

  addTcpSink(sink: TcpSink): void {
    this.tcpSinks.add(sink);
  }

  removeTcpSink(sink: TcpSink): void {
    this.tcpSinks.delete(sink);
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Parses a batch unless another pipeline's instance already did. */
  ingest(batch: SocketEventBatch): void {
    if (this.seen.has(batch)) return;
    this.seen.add(batch);
    const out: L7Record[] = [];
    const socketIds = new Uint32Array(batch.socketId.buffer, batch.socketId.byteOffset, batch.count * 2);
    let source = this.sources.get(batch.source);
    if (source === undefined) this.sources.set(batch.source, (source = this.sources.size));
    for (let i = 0; i < batch.count; i++) this.event(batch, i, out, this.sessionKey(batch, i, socketIds, source));
    this.emit(out, this.clockNs);
  }

  /**
   * Source, socket id, TLS and role in one key. Socket ids are counters, so nearly always a number
   * built from the id's 32-bit halves: no BigInt and no string per event (little-endian halves).
   * A TLS socket's plaintext is a stream of its own: the ciphertext the capture saw before it
   * knew the socket was TLS (a Node.js handshake) does not disturb it.
   */
  private sessionKey(b: SocketEventBatch, i: number, socketIds: Uint32Array, source: number): SessionKey {
    const low = socketIds[2 * i];
    const high = socketIds[2 * i + 1];
    if (high === 0 && source < 0x10000) return (source * 0x100000000 + low) * 8 + b.tls[i] * TLS_KEY + b.role[i];
    return `${b.source}:${b.socketId[i]}:${b.role[i]}${b.tls[i] ? ':tls' : ''}`;
  }

  /** The other stream of the same socket: its plaintext for the ciphertext's key, and back. */
  private static otherStream(key: SessionKey, tls: boolean): SessionKey {
    if (typeof key === 'number') return tls ? key - TLS_KEY : key + TLS_KEY;
    return tls ? key.slice(0, -4) : `${key}:tls`;
  }

  private event(b: SocketEventBatch, i: number, out: L7Record[], key: SessionKey): void {
    this.counters.events++;
    const ns = b.timestampNs[i];
    if (ns > this.clockNs) {
      this.clockNs = ns;
      this.clockWallMs = Date.now();
    }
    if (b.kind[i] === SocketEventKind.CLOSE) {
      this.close(key, b.pid[i], ns, out);
      this.close(L7Engine.otherStream(key, b.tls[i] === 1), b.pid[i], ns, out);
      return;
    }
    if (b.kind[i] === SocketEventKind.TCP) return this.tcpEvent(b, i, key);
    if (b.kind[i] !== SocketEventKind.DATA || b.payloadLength[i] === 0) return;
    const unrecognised = this.unknown.get(key);
    if (unrecognised && unrecognised.tries >= MAX_INFERENCE_TRIES) return;
    const egress = b.direction[i] === SocketDirection.EGRESS;
    let payload = b.payloadOf(i);
    let startNs = ns;
    let session = this.sessions.get(key);
    if (!session) {
      const l4 = b.l4Protocol[i] === L4Protocol.UDP ? 'udp' : 'tcp';
      if (l4 === 'tcp' && unrecognised?.head && unrecognised.headEgress === egress) {
        payload = concat(unrecognised.head, payload);
        startNs = unrecognised.headNs!;
      }
      const found = this.recognise(b, i, payload, egress, l4);
      if (!found) {
        // a capture that starts mid-stream may begin inside a message: try a few more payloads
        const head = l4 === 'tcp' && payload.length < SHORT_READ ? payload.slice() : undefined;
        const tries = (unrecognised?.tries ?? 0) + (head ? 0 : 1);
        if (tries === MAX_INFERENCE_TRIES) this.counters.unknownProtocol++;
        this.unknown.set(key, { tries, lastNs: ns, head, headEgress: egress, headNs: startNs });
        return;
      }
      this.unknown.delete(key);
      const localAddr = b.localAddr[i];
      const localPort = b.localPort[i];
      const remoteAddr = b.remoteAddr[i];
      const remotePort = b.remotePort[i];
      const conn: ConnectionInfo = {
        pid: b.pid[i],
        comm: b.comm[i],
        role: found.role,
        l4,
        localAddr,
        localPort,
        remoteAddr,
        remotePort,
        tls: b.tls[i] === 1,
        source: b.source,
        flow:
          found.role === 'client'
            ? flowKey(localAddr, localPort, remoteAddr, remotePort)
            : flowKey(remoteAddr, remotePort, localAddr, localPort),
      };
      // the connect's report comes before the connection's first bytes
      const tcp = this.tcp.get(b.tls[i] ? L7Engine.otherStream(key, true) : key);
      if (tcp) conn.tcp = tcp;
      if (this.sessions.size >= this.options.maxSessions) this.evictOldest(out);
      session = new Session(
        conn,
        found.parser,
        found.parser.createState({ ...this.options.parse, l4 }),
        this.correlator,
        { maxPending: this.options.maxPendingPerSession, maxFailures: 8 },
        this.counters,
      );
      this.sessions.set(key, session);
    } else {
      session.usedSinceQueued = true;
    }
    // client writes and server reads travel towards the server
    const direction: Direction = (session.conn.role === 'client') === egress ? 'toServer' : 'toClient';
    const before = out.length;
    session.feed(payload, direction, ns, b.tid[i], out, startNs);
    // the connection's figures as they stand when the request completes
    const tcp = session.conn.tcp;
    if (tcp) for (let j = before; j < out.length; j++) out[j].tcp = L7Engine.recordTcp(tcp, out[j]);
    // eBPF copies the head of a syscall's bytes: the parser must know the rest of a stream went by
    const lost = b.byteCount[i] - b.payloadLength[i];
    if (lost > 0 && b.l4Protocol[i] !== L4Protocol.UDP) session.gap(direction, lost, ns, out);
  }

  /**
   * A TCP event: the connection's RTT and retransmission times are kept for its requests (the
   * plaintext stream of a TLS socket shares them), and the figures go to the TCP sinks.
   */
  private tcpEvent(b: SocketEventBatch, i: number, key: SessionKey): void {
    const report = readTcpMetrics(b.payloadOf(i));
    if (!report) return;
    const ended = report.report === TcpReport.CLOSED || report.report === TcpReport.CONNECT_FAILED;
    let state = this.tcp.get(key);
    if (ended) {
      this.tcp.delete(key);
    } else if (!state) {
      if (this.tcp.size >= this.options.maxSessions) this.tcp.delete(this.tcp.keys().next().value!);
      state = { srttUs: report.srttUs, retransmitNs: [] };
      this.tcp.set(key, state);
      for (const stream of [key, L7Engine.otherStream(key, false)]) {
        const session = this.sessions.get(stream);
        if (session) session.conn.tcp = state;
      }
    }
    if (state) {
      state.srttUs = report.srttUs;
      if (report.report === TcpReport.RETRANSMIT) {
        if (state.retransmitNs.length >= MAX_RETRANSMIT_TIMES) state.retransmitNs.shift();
        state.retransmitNs.push(b.timestampNs[i]);
      }
    }
    if (this.tcpSinks.size === 0) return;
    const role = b.role[i] === SocketRole.CLIENT ? 'client' : b.role[i] === SocketRole.SERVER ? 'server' : 'unknown';
    const conn: TcpConnection = {
      source: b.source,
      key,
      pid: b.pid[i],
      comm: b.comm[i],
      role,
      localAddr: b.localAddr[i],
      localPort: b.localPort[i],
      remoteAddr: b.remoteAddr[i],
      remotePort: b.remotePort[i],
    };
    for (const sink of this.tcpSinks) sink(report, conn);
  }

  private close(key: SessionKey, pid: number, ns: bigint, out: L7Record[]): void {
    this.unknown.delete(key);
    const s = this.sessions.get(key);
    // Capture reports every close() of a descriptor. Another process closing its copy (a server
    // that forks per connection: the parent, once the child has it, as dnsmasq over TCP and
    // PostgreSQL's postmaster do) does not end the connection its owner still answers on; a
    // connection left that way ends when its owner closes it or it idles out.
    if (s && s.conn.pid === pid) {
      s.close(ns, out);
      this.sessions.delete(key);
    }
  }

  /**
   * The protocol of a new connection, and which end of it this socket is. Capture cannot tell
   * the end of a socket opened before it started, handed to a forked child (PostgreSQL's
   * backends) or used without connect (a UDP server): there the first payload that reads as a
   * request, or else as a response, says it.
   */
  private recognise(
    b: SocketEventBatch,
    i: number,
    payload: Uint8Array,
    egress: boolean,
    l4: 'tcp' | 'udp',
  ): { parser: ProtocolParser<any>; role: 'client' | 'server' } | undefined {
    type Role = 'client' | 'server';
    const known: Role | undefined =
      b.role[i] === SocketRole.SERVER ? 'server' : b.role[i] === SocketRole.CLIENT ? 'client' : undefined;
    const roles: Role[] = known ? [known] : egress ? ['client', 'server'] : ['server', 'client'];
    for (const role of roles) {
      const direction: Direction = (role === 'client') === egress ? 'toServer' : 'toClient';
      const serverPort = role === 'client' ? b.remotePort[i] : b.localPort[i];
      const parser = inferProtocol(this.options.parsers, payload, direction, l4, serverPort);
      if (parser) return { parser, role };
    }
    return undefined;
  }

  /**
   * Closes the least recently used connection (CLOCK): sessions wait in the map in the order
   * they were queued, and one used since then goes to the back instead, with its mark cleared.
   * Moving a session on every event instead cost a delete and an insert per event.
   */
  private evictOldest(out: L7Record[]): void {
    for (const [key, session] of this.sessions) {
      this.sessions.delete(key);
      if (session.usedSinceQueued) {
        session.usedSinceQueued = false;
        this.sessions.set(key, session);
        continue;
      }
      this.counters.evictedSessions++;
      session.close(session.lastSeenNs, out);
      return;
    }
  }

  /** The capture's notion of now: the newest event time plus the wall time since. */
  nowNs(): bigint {
    return this.clockNs === 0n ? 0n : this.clockNs + BigInt(Date.now() - this.clockWallMs) * NS_PER_MS;
  }

  /** Requests that waited too long, and connections idle too long, become records. */
  expire(nowNs = this.nowNs()): void {
    const out: L7Record[] = [];
    for (const [key, s] of this.sessions) {
      if (nowNs - s.lastSeenNs > this.options.idleTimeoutNs) {
        s.close(nowNs, out);
        this.sessions.delete(key);
      } else {
        s.expire(nowNs, this.options.requestTimeoutNs, out);
      }
    }
    for (const [key, u] of this.unknown) if (nowNs - u.lastNs > this.options.idleTimeoutNs) this.unknown.delete(key);
    this.emit(out, nowNs);
  }

  /** Everything still held becomes a record: shutdown, or the end of a replayed file. */
  flushAll(): void {
    const out: L7Record[] = [];
    for (const s of this.sessions.values()) s.close(this.nowNs(), out);
    this.sessions.clear();
    this.unknown.clear();
    this.emit(out, undefined);
  }

  /** The connection's RTT as last reported and the retransmissions between the request's first and last byte. */
  private static recordTcp(state: TcpState, r: L7Record): { rttUs: number; retransmits: number } {
    let retransmits = 0;
    for (const ns of state.retransmitNs) if (ns >= r.startNs && ns <= r.endNs) retransmits++;
    return { rttUs: state.srttUs, retransmits };
  }

  /**
   * Hands records to the sinks, which make spans of them at once. A server's record whose caller
   * was not seen yet waits (up to CALLER_WAIT_NS after it ended, by `nowNs`; undefined: the end)
   * for the caller's request, which gives it its parent (Correlator.awaitingCaller).
   */
  private emit(records: L7Record[], nowNs: bigint | undefined): void {
    let ready = records;
    if (this.waiting.length > 0) {
      const still: L7Record[] = [];
      ready = [];
      for (const r of this.waiting) {
        if (nowNs !== undefined && r.endNs + CALLER_WAIT_NS > nowNs && this.correlator.awaitingCaller(r.conn, r.ids))
          still.push(r);
        else ready.push(r);
      }
      this.waiting = still;
      for (const r of records) ready.push(r);
    }
    if (nowNs !== undefined && ready.length > 0) {
      const waiting = this.waiting;
      ready = ready.filter((r) => {
        const wait =
          r.conn.role === 'server' &&
          waiting.length < MAX_WAITING_RECORDS &&
          r.endNs + CALLER_WAIT_NS > nowNs &&
          this.correlator.awaitingCaller(r.conn, r.ids);
        if (wait) waiting.push(r);
        return !wait;
      });
    }
    if (ready.length === 0) return;
    // records that ended otherwise (a timeout, a close) take the figures as they are now
    for (const r of ready) if (r.conn.tcp && !r.tcp) r.tcp = L7Engine.recordTcp(r.conn.tcp, r);
    this.counters.records += ready.length;
    for (const sink of this.sinks) sink(ready);
  }
}
