// The payload of a TCP socket event (SocketEventKind.TCP): the kernel's figures of one TCP
// connection, as the ebpf receiver's tcp programs write them (ebpf-receiver/bpf/tcp_metrics.h,
// little-endian). A fixed layout of its own kind, so the data path's event header is unchanged.

/** Why the figures were taken. */
export const TcpReport = {
  /** a connect completed: connect latency, the handshake's RTT */
  ESTABLISHED: 1,
  /** a segment was retransmitted: the counts so far */
  RETRANSMIT: 2,
  /** the connection ended: its final figures */
  CLOSED: 3,
  /** a connect failed: `failure` says how */
  CONNECT_FAILED: 4,
  /** the peer advertised a zero window */
  ZERO_WINDOW: 5,
} as const;

/** How a connect failed. */
export const TcpConnectFailure = {
  NONE: 0,
  /** answered by a reset: nothing listens there */
  REFUSED: 1,
  /** no answer to the SYN and its retransmissions */
  TIMED_OUT: 2,
  /** an ICMP error: host or network unreachable */
  UNREACHABLE: 3,
  /** the process gave up before an answer */
  ABORTED: 4,
} as const;

export interface TcpMetrics {
  report: number;
  failure: number;
  /** the TCP state the connection left (Linux's numbering: 1 ESTABLISHED, 2 SYN_SENT, ...) */
  oldState: number;
  /** SYN_SENT to ESTABLISHED, 0 when not measured (accepted connections, failures) */
  connectLatencyNs: number;
  /** smoothed RTT and its mean deviation, microseconds */
  srttUs: number;
  rttvarUs: number;
  /** segments retransmitted while the capture watched, of which of a SYN */
  retransmits: number;
  synRetransmits: number;
  /** the kernel's count over the connection's whole life */
  totalRetrans: number;
  resetsSent: number;
  resetsReceived: number;
  /** times the peer's window fell to zero (0 unless zero windows are captured) */
  zeroWindows: number;
  bytesAcked: number;
  bytesReceived: number;
  segsOut: number;
  segsIn: number;
}

/** Byte offsets of the payload's fields (struct tcp_metrics). */
export const TCP_METRICS_LAYOUT = {
  connect_latency_ns: 0,
  bytes_acked: 8,
  bytes_received: 16,
  srtt_us: 24,
  rttvar_us: 28,
  retransmits: 32,
  syn_retransmits: 36,
  total_retrans: 40,
  resets_sent: 44,
  resets_received: 48,
  zero_windows: 52,
  segs_out: 56,
  segs_in: 60,
  report: 64,
  failure: 65,
  old_state: 66,
  size: 72,
} as const;

const L = TCP_METRICS_LAYOUT;

/** 64-bit counters as numbers: exact below 2^53 (a connection moving 9 PB). */
function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x100000000;
}

/** The figures of a TCP event's payload; undefined when it is too short to be one. */
export function readTcpMetrics(payload: Uint8Array): TcpMetrics | undefined {
  if (payload.length < L.size) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, L.size);
  return {
    report: payload[L.report],
    failure: payload[L.failure],
    oldState: payload[L.old_state],
    connectLatencyNs: u64(view, L.connect_latency_ns),
    srttUs: view.getUint32(L.srtt_us, true),
    rttvarUs: view.getUint32(L.rttvar_us, true),
    retransmits: view.getUint32(L.retransmits, true),
    synRetransmits: view.getUint32(L.syn_retransmits, true),
    totalRetrans: view.getUint32(L.total_retrans, true),
    resetsSent: view.getUint32(L.resets_sent, true),
    resetsReceived: view.getUint32(L.resets_received, true),
    zeroWindows: view.getUint32(L.zero_windows, true),
    bytesAcked: u64(view, L.bytes_acked),
    bytesReceived: u64(view, L.bytes_received),
    segsOut: view.getUint32(L.segs_out, true),
    segsIn: view.getUint32(L.segs_in, true),
  };
}

/** The payload of a TCP event with these figures (pcap-derived events, tests). */
export function writeTcpMetrics(m: TcpMetrics): Uint8Array {
  const out = new Uint8Array(L.size);
  const view = new DataView(out.buffer);
  const u64 = (at: number, v: number) => {
    view.setUint32(at, v % 0x100000000, true);
    view.setUint32(at + 4, Math.floor(v / 0x100000000), true);
  };
  u64(L.connect_latency_ns, m.connectLatencyNs);
  u64(L.bytes_acked, m.bytesAcked);
  u64(L.bytes_received, m.bytesReceived);
  view.setUint32(L.srtt_us, m.srttUs, true);
  view.setUint32(L.rttvar_us, m.rttvarUs, true);
  view.setUint32(L.retransmits, m.retransmits, true);
  view.setUint32(L.syn_retransmits, m.synRetransmits, true);
  view.setUint32(L.total_retrans, m.totalRetrans, true);
  view.setUint32(L.resets_sent, m.resetsSent, true);
  view.setUint32(L.resets_received, m.resetsReceived, true);
  view.setUint32(L.zero_windows, m.zeroWindows, true);
  view.setUint32(L.segs_out, m.segsOut, true);
  view.setUint32(L.segs_in, m.segsIn, true);
  out[L.report] = m.report;
  out[L.failure] = m.failure;
  out[L.old_state] = m.oldState;
  return out;
}
