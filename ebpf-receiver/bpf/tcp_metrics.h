/* The payload of a SOCKET_EVENT_TCP record (tcp_metrics.bpf.c): the kernel's own figures of one
 * TCP connection. A record of its own kind, so the header of the data path stays as it is. */
#ifndef FLOWTEL_TCP_METRICS_H
#define FLOWTEL_TCP_METRICS_H

/* Why the record was written. */
enum tcp_report {
	/* a connect completed (SYN_SENT -> ESTABLISHED): connect latency, the handshake's RTT */
	TCP_REPORT_ESTABLISHED = 1,
	/* a segment was retransmitted (tcp:tcp_retransmit_skb) */
	TCP_REPORT_RETRANSMIT = 2,
	/* the connection ended (-> CLOSE): its final figures */
	TCP_REPORT_CLOSED = 3,
	/* a connect failed (SYN_SENT -> CLOSE): `failure` says how */
	TCP_REPORT_CONNECT_FAILED = 4,
	/* the peer advertised a zero window (tcp:tcp_probe, when enabled) */
	TCP_REPORT_ZERO_WINDOW = 5,
};

/* How a connect failed, from the error TCP gave the socket. */
enum tcp_connect_failure {
	TCP_FAILURE_NONE = 0,
	/* the peer answered the SYN with a reset (ECONNREFUSED): nothing listens there */
	TCP_FAILURE_REFUSED = 1,
	/* no answer to the SYN and its retransmissions (ETIMEDOUT) */
	TCP_FAILURE_TIMED_OUT = 2,
	/* an ICMP error: host or network unreachable (EHOSTUNREACH, ENETUNREACH, ...) */
	TCP_FAILURE_UNREACHABLE = 3,
	/* the process gave up (closed the socket) before an answer */
	TCP_FAILURE_ABORTED = 4,
};

struct tcp_metrics {
	/* SYN_SENT to ESTABLISHED, 0 for accepted connections and failed connects */
	__u64 connect_latency_ns;
	/* tcp_sock's bytes_acked and bytes_received when the record was written */
	__u64 bytes_acked;
	__u64 bytes_received;
	/* smoothed RTT and its mean deviation, microseconds (tcp_sock srtt_us >> 3, mdev_us >> 2) */
	__u32 srtt_us;
	__u32 rttvar_us;
	/* segments retransmitted (tcp:tcp_retransmit_skb), of which of a SYN or SYN-ACK */
	__u32 retransmits;
	__u32 syn_retransmits;
	/* tcp_sock's total_retrans (counts what happened before the capture started too) */
	__u32 total_retrans;
	__u32 resets_sent;
	__u32 resets_received;
	/* times the peer's advertised window fell to zero (only with tcp:tcp_probe attached) */
	__u32 zero_windows;
	__u32 segs_out;
	__u32 segs_in;
	/* enum tcp_report, enum tcp_connect_failure */
	__u8 report;
	__u8 failure;
	/* the TCP state the connection left (for CLOSED: the state it closed from) */
	__u8 old_state;
	__u8 reserved[5];
};

#endif
