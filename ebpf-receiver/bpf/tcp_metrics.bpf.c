// SPDX-License-Identifier: GPL-2.0
/* TCP network metrics from tracepoints (no kprobes): the kernel keeps most figures of a
 * connection itself (tcp_sock's smoothed RTT, retransmissions, bytes, segments); these programs
 * read them when something happens and count what it does not keep per socket (resets, SYN
 * retransmissions, zero windows). Each report is a SOCKET_EVENT_TCP record whose payload is a
 * struct tcp_metrics (tcp_metrics.h), on the socket id the data events of the connection carry:
 *   connect completed (SYN_SENT -> ESTABLISHED): the connect latency and the handshake's RTT;
 *     a connection accepted: the handshake's RTT;
 *   connect failed (SYN_SENT -> CLOSE): refused, timed out, unreachable, or given up, from the
 *     error TCP left on the socket; reported although the connect() returned no socket to the
 *     capture (a blocking connect that fails);
 *   a segment retransmitted (tcp:tcp_retransmit_skb): the counts so far, so a request can be
 *     told to have suffered them;
 *   the peer's window fell to zero (tcp:tcp_probe, per received segment: off by default);
 *   the connection ended (tcp:tcp_destroy_sock, after the reset an abortive close sends): its
 *     final figures.
 * Part of socket_trace.bpf.c (it includes this file): it shares the `sockets` map (the identity
 * of captured connections), the ring buffer and the filters. */

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE_STATE 7
#define ETIMEDOUT 110
#define ECONNREFUSED 111
#define EHOSTDOWN 112
#define EHOSTUNREACH 113
#define ENETUNREACH 101

/* Set by user space before load: the tcp programs are attached. */
const volatile bool tcp_metrics_enabled = false;

/* What TCP does not keep per socket, and the identity of a connection between its close() (when
 * `sockets` forgets it) and the end of TCP's own close (FIN handshake, TIME_WAIT). */
struct tcp_conn {
	/* the capture's identity of the connection; id 0 while the capture has not seen it */
	struct socket_info info;
	/* when the connect began (-> SYN_SENT) */
	__u64 syn_sent_ns;
	struct tcp_metrics counts;
	/* the ESTABLISHED report was written */
	__u8 established_reported;
	/* the peer's window was zero at the last segment */
	__u8 zero_window;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct tcp_conn);
} tcp_conns SEC(".maps");

static __always_inline __u8 connect_failure(__u64 sk)
{
	int err = TYPED(struct sock, sk)->sk_err;
	if (err == ECONNREFUSED)
		return TCP_FAILURE_REFUSED;
	if (err == ETIMEDOUT)
		return TCP_FAILURE_TIMED_OUT;
	if (err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN)
		return TCP_FAILURE_UNREACHABLE;
	return TCP_FAILURE_ABORTED;
}

/* The connection's entry; created only for connections the capture knows (`sockets`), so
 * counting costs nothing for the rest of the host. */
static __always_inline struct tcp_conn *counted_conn(__u64 sk)
{
	struct tcp_conn *conn = bpf_map_lookup_elem(&tcp_conns, &sk);
	if (conn || !in_map(&sockets, &sk))
		return conn;
	struct tcp_conn fresh = {};
	bpf_map_update_elem(&tcp_conns, &sk, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tcp_conns, &sk);
}

/* Writes one SOCKET_EVENT_TCP record for `sk`. `info` is the capture's identity of it; one with
 * id 0 (a connect that failed before the capture saw a socket) gets a new id and the tuple the
 * socket still has. Runs in softirq as well as in syscalls: the record is built in the ring. */
static __always_inline void tcp_report(__u64 sk, struct socket_info *info, const struct tcp_conn *conn, __u8 report, __u8 old_state,
				       __u8 failure)
{
	struct {
		struct socket_event header;
		struct tcp_metrics metrics;
	} *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost();
		return;
	}
	struct socket_event *e = &r->header;
	__builtin_memset(e, 0, sizeof(*e));
	if (info->id == 0) {
		info->id = new_socket_id();
		read_tuple(e, sk);
	} else {
		restore_tuple(e, &info->tuple);
	}
	if (!ports_wanted(e->local_port, e->remote_port)) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return;
	}
	e->timestamp_ns = bpf_ktime_get_ns();
	e->socket_id = info->id;
	e->pid = info->pid;
	e->fd = info->fd;
	e->kind = SOCKET_EVENT_TCP;
	e->role = info->role;
	e->payload_length = sizeof(struct tcp_metrics);
	__builtin_memcpy(e->comm, info->comm, sizeof(e->comm));

	struct tcp_metrics *m = &r->metrics;
	if (conn)
		*m = conn->counts;
	else
		__builtin_memset(m, 0, sizeof(*m));
	struct tcp_sock *tp = TYPED(struct tcp_sock, sk);
	m->srtt_us = tp->srtt_us >> 3;
	m->rttvar_us = tp->mdev_us >> 2;
	m->total_retrans = tp->total_retrans;
	m->bytes_acked = tp->bytes_acked;
	m->bytes_received = tp->bytes_received;
	m->segs_out = tp->segs_out;
	m->segs_in = tp->segs_in;
	m->report = report;
	m->failure = failure;
	m->old_state = old_state;
	bpf_ringbuf_submit(r, wakeup_flags());
}

/* After accept() gave the capture a server's connection: its handshake's RTT (measured from the
 * SYN-ACK to its ACK), so a server's requests have an RTT before anything is retransmitted. */
static __always_inline void tcp_accepted(__u64 sk)
{
	if (!tcp_metrics_enabled)
		return;
	struct socket_info *info = bpf_map_lookup_elem(&sockets, &sk);
	if (info && info->tuple.l4_protocol == IPPROTO_TCP && info->role == SOCKET_ROLE_SERVER)
		tcp_report(sk, info, NULL, TCP_REPORT_ESTABLISHED, TCP_SYN_RECV, TCP_FAILURE_NONE);
}

/* The capture is about to forget a connection (close(), or TCP's own close): its final report, at
 * the socket's destruction, needs the identity. `closing_pid`: the process in close(), else 0. */
static __always_inline void tcp_closing(__u64 sk, const struct socket_info *info, __u32 closing_pid)
{
	if (!tcp_metrics_enabled || info->tuple.l4_protocol != IPPROTO_TCP)
		return;
	struct tcp_conn *conn = bpf_map_lookup_elem(&tcp_conns, &sk);
	if (!conn) {
		struct tcp_conn fresh = {};
		bpf_map_update_elem(&tcp_conns, &sk, &fresh, BPF_NOEXIST);
		conn = bpf_map_lookup_elem(&tcp_conns, &sk);
		if (!conn)
			return;
	}
	conn->info = *info;
	/* the process that closed it: a forked server's child, not the parent that accepted it */
	if (closing_pid)
		conn->info.pid = closing_pid;
}

/* From the inet_sock_set_state program (socket_trace.bpf.c), before it handles a close. */
static __always_inline void tcp_state_change(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (!tcp_metrics_enabled || ctx->protocol != IPPROTO_TCP)
		return;
	__u64 sk = (__u64)ctx->skaddr;
	int old_state = ctx->oldstate, new_state = ctx->newstate;
	if (new_state == TCP_SYN_SENT) {
		/* in the connect() call: the process is the current one */
		__u32 pid = bpf_get_current_pid_tgid() >> 32;
		if (!process_wanted(pid))
			return;
		struct tcp_conn fresh = { .syn_sent_ns = bpf_ktime_get_ns() };
		fresh.info.pid = pid;
		fresh.info.fd = -1;
		fresh.info.role = SOCKET_ROLE_CLIENT;
		process_comm(fresh.info.comm);
		bpf_map_update_elem(&tcp_conns, &sk, &fresh, BPF_ANY);
		return;
	}
	if (old_state == TCP_SYN_SENT && new_state == TCP_ESTABLISHED) {
		struct tcp_conn *conn = bpf_map_lookup_elem(&tcp_conns, &sk);
		if (!conn)
			return;
		conn->counts.connect_latency_ns = bpf_ktime_get_ns() - conn->syn_sent_ns;
		/* a blocking connect returns after this: tcp_connected reports it then, once the
		 * capture has given the connection its id */
		struct socket_info *info = bpf_map_lookup_elem(&sockets, &sk);
		if (info) {
			conn->established_reported = 1;
			tcp_report(sk, info, conn, TCP_REPORT_ESTABLISHED, old_state, TCP_FAILURE_NONE);
		}
		return;
	}
	if (new_state != TCP_CLOSE_STATE)
		return;
	struct tcp_conn *conn = bpf_map_lookup_elem(&tcp_conns, &sk);
	if (old_state == TCP_SYN_SENT) {
		/* now, while the socket holds the error (the process may read and clear it) */
		struct socket_info *known = bpf_map_lookup_elem(&sockets, &sk);
		struct socket_info info;
		if (known)
			info = *known;
		else if (conn)
			info = conn->info;
		else
			return;
		tcp_report(sk, &info, conn, TCP_REPORT_CONNECT_FAILED, old_state, connect_failure(sk));
		if (conn)
			bpf_map_delete_elem(&tcp_conns, &sk);
		return;
	}
	/* The final figures wait for the socket's destruction: an abortive close (SO_LINGER 0, unread
	 * data) sends its reset after this change. The capture forgets the socket now (tcp_closed). */
	struct socket_info *known = bpf_map_lookup_elem(&sockets, &sk);
	if (known)
		tcp_closing(sk, known, 0);
	conn = bpf_map_lookup_elem(&tcp_conns, &sk);
	if (conn)
		conn->counts.old_state = old_state;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int tcp_destroyed(struct trace_event_raw_tcp_event_sk *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	struct tcp_conn *conn = bpf_map_lookup_elem(&tcp_conns, &sk);
	if (!conn)
		return 0;
	if (conn->info.id != 0) {
		struct socket_info info = conn->info;
		tcp_report(sk, &info, conn, TCP_REPORT_CLOSED, conn->counts.old_state, TCP_FAILURE_NONE);
	}
	bpf_map_delete_elem(&tcp_conns, &sk);
	return 0;
}

/* After a connect() returned 0 or EINPROGRESS and the capture gave the connection its id: a
 * blocking connect's handshake completed inside the call, before the id existed. */
static __always_inline void tcp_connected(__u64 sk)
{
	if (!tcp_metrics_enabled)
		return;
	struct tcp_conn *conn = bpf_map_lookup_elem(&tcp_conns, &sk);
	if (!conn || conn->established_reported || conn->counts.connect_latency_ns == 0)
		return;
	struct socket_info *info = bpf_map_lookup_elem(&sockets, &sk);
	if (!info)
		return;
	conn->established_reported = 1;
	tcp_report(sk, info, conn, TCP_REPORT_ESTABLISHED, TCP_SYN_SENT, TCP_FAILURE_NONE);
}

/* A report on a connection the capture knows, or knew until its close() (a FIN retransmitted). */
static __always_inline void tcp_report_known(__u64 sk, struct tcp_conn *conn, __u8 report, __u8 state)
{
	struct socket_info *info = bpf_map_lookup_elem(&sockets, &sk);
	if (info) {
		tcp_report(sk, info, conn, report, state, TCP_FAILURE_NONE);
	} else if (conn->info.id != 0) {
		struct socket_info known = conn->info;
		tcp_report(sk, &known, conn, report, state, TCP_FAILURE_NONE);
	}
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcp_retransmit(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	struct tcp_conn *conn = counted_conn(sk);
	if (!conn)
		return 0;
	conn->counts.retransmits++;
	if (ctx->state == TCP_SYN_SENT || ctx->state == TCP_SYN_RECV)
		conn->counts.syn_retransmits++;
	tcp_report_known(sk, conn, TCP_REPORT_RETRANSMIT, ctx->state);
	return 0;
}

SEC("tracepoint/tcp/tcp_send_reset")
int tcp_reset_sent(struct trace_event_raw_tcp_send_reset *ctx)
{
	/* no socket: a reset for a segment nobody listens for (a closed port) */
	if (!ctx->skaddr)
		return 0;
	struct tcp_conn *conn = counted_conn((__u64)ctx->skaddr);
	if (conn)
		conn->counts.resets_sent++;
	return 0;
}

SEC("tracepoint/tcp/tcp_receive_reset")
int tcp_reset_received(struct trace_event_raw_tcp_event_sk *ctx)
{
	struct tcp_conn *conn = counted_conn((__u64)ctx->skaddr);
	if (conn)
		conn->counts.resets_received++;
	return 0;
}

/* Every segment an established connection receives: attached only when zero windows are asked
 * for. snd_wnd is the peer's window as known before this segment. */
SEC("tracepoint/tcp/tcp_probe")
int tcp_window(struct trace_event_raw_tcp_probe *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	struct tcp_conn *conn = counted_conn(sk);
	if (!conn)
		return 0;
	bool zero = ctx->snd_wnd == 0;
	if (zero == (bool)conn->zero_window)
		return 0;
	conn->zero_window = zero;
	if (!zero)
		return 0;
	conn->counts.zero_windows++;
	tcp_report_known(sk, conn, TCP_REPORT_ZERO_WINDOW, TCP_ESTABLISHED);
	return 0;
}
