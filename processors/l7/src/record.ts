// A request log: one request with its response (or none, when it timed out or the connection
// closed first), the connection it travelled on, and the trace ids it was given.
import type { L7Message } from './message.ts';

export interface ConnectionInfo {
  pid: number;
  comm: string;
  role: 'client' | 'server';
  l4: 'tcp' | 'udp';
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  /** the payload is a TLS connection's plaintext, read from the TLS library */
  tls: boolean;
  /** the receiver that captured it (ebpf, pcap) */
  source: string;
  /** the client's address:port>the server's (correlate.ts flowKey), the same for both ends */
  flow: string;
  /** what the kernel reported of the TCP connection under it so far (ebpf capture's TCP events) */
  tcp?: TcpState;
}

/** A TCP connection as its TCP events told it: the latest smoothed RTT, when segments were retransmitted. */
export interface TcpState {
  srttUs: number;
  /** capture times of the latest retransmissions (at most MAX_RETRANSMIT_TIMES) */
  retransmitNs: bigint[];
}

/** The network's view of one request: the connection's RTT and the retransmissions between its first and last byte. */
export interface RecordTcp {
  rttUs: number;
  retransmits: number;
}

export interface SpanIds {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  traceState: string;
}

export interface L7Record {
  protocol: string;
  conn: ConnectionInfo;
  request?: L7Message;
  response?: L7Message;
  /** the first byte of the request, or of the lone response */
  startNs: bigint;
  /** the last byte of the response, or of the request when there is none */
  endNs: bigint;
  /** the thread that read (server) or wrote (client) the request */
  tid: number;
  /** the response never came: the request timed out or the connection closed */
  unanswered: boolean;
  ids: SpanIds;
  /** set when the connection's TCP figures are known (tcp.rtt, tcp.retransmits) */
  tcp?: RecordTcp;
}

export const isServer = (r: L7Record) => r.conn.role === 'server';
export const clientSide = (r: L7Record) =>
  isServer(r)
    ? { addr: r.conn.remoteAddr, port: r.conn.remotePort }
    : { addr: r.conn.localAddr, port: r.conn.localPort };
export const serverSide = (r: L7Record) =>
  isServer(r)
    ? { addr: r.conn.localAddr, port: r.conn.localPort }
    : { addr: r.conn.remoteAddr, port: r.conn.remotePort };
