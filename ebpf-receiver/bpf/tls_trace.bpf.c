// SPDX-License-Identifier: GPL-2.0
/* TLS plaintext from uprobes on OpenSSL's SSL_read, SSL_write, SSL_read_ex, SSL_write_ex (and
 * SSL_do_handshake, SSL_shutdown, whose ciphertext is kept out of the capture), in a shared
 * libssl or an executable that links OpenSSL statically (node). Part of socket_trace.bpf.c (it
 * includes this file): the plaintext leaves as that program's socket events, on the socket the
 * ciphertext travels on, with SOCKET_EVENT_FLAG_TLS.
 *
 * Which socket: an SSL object over a descriptor (curl, nginx, Python, stunnel) makes its read
 * or write syscall inside the SSL call, on the same thread; the syscall programs see the thread
 * is in an SSL call, note the socket and report nothing (that is the ciphertext). A library
 * that feeds OpenSSL through memory BIOs (Node.js) reads the socket first and calls SSL_read
 * afterwards, and writes the socket after SSL_write returned: an SSL call without a syscall of
 * its own that follows a socket read on its thread (with no SSL call between them) is tied to
 * that socket, and the SSL object keeps it (tls_sockets) for the calls that follow no read. A socket with plaintext is marked, and
 * its syscalls' data (the ciphertext) is no longer reported. */
#include <bpf/bpf_tracing.h>

struct tls_key {
	__u64 ssl;
	__u32 pid;
	__u32 pad;
};

struct tls_socket {
	__u64 sk;
	__s32 fd;
	__u32 pad;
};

/* The socket of each SSL object (per process: SSL pointers are addresses in it). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tls_key);
	__type(value, struct tls_socket);
} tls_sockets SEC(".maps");

/* plaintext whose socket could not be told (an SSL object over something else than an inet
 * socket, or one whose first call was a write with no syscall in it): not reported */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tls_unbound SEC(".maps");

static __always_inline int tls_enter(__u8 op, __u64 ssl, __u64 buffer, __u64 moved_out)
{
	if (!ssl || !process_wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct pending_call *call =
		bpf_task_storage_get(&pending_calls, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	/* a handshake driven from inside a read or write belongs to that call */
	if (op == TLS_OP_STATE && call->tls.ssl && now - call->tls.since_ns < TLS_CALL_STALE_NS)
		return 0;
	call->tls.ssl = ssl;
	call->tls.buffer = buffer;
	call->tls.moved_out = moved_out;
	call->tls.since_ns = now;
	call->tls.sk = 0;
	call->tls.fd = -1;
	call->tls.op = op;
	return 0;
}

/* The socket of the SSL call that just returned, learned as the header comment says. A write
 * keeps its SSL object's socket: a socket read before it is a reply's, on any connection. Only
 * the first write of an object not tied yet takes that socket (Node.js's first SSL_write
 * finishes the handshake from the socket's last bytes). */
static __always_inline bool tls_socket_of(const struct tls_thread *tls, struct tls_socket *out)
{
	struct tls_key key = { .ssl = tls->ssl, .pid = bpf_get_current_pid_tgid() >> 32 };
	if (tls->sk) {
		out->sk = tls->sk;
		out->fd = tls->fd;
	} else {
		struct tls_socket *known =
			tls->op == TLS_OP_WRITE || !tls->last_read_sk ? bpf_map_lookup_elem(&tls_sockets, &key) : NULL;
		if (known) {
			*out = *known;
			return true;
		}
		if (!tls->last_read_sk)
			return false;
		out->sk = tls->last_read_sk;
		out->fd = tls->last_read_fd;
	}
	bpf_map_update_elem(&tls_sockets, &key, out, BPF_ANY);
	return true;
}

static __always_inline void count_unbound(void)
{
	__u32 zero = 0;
	__u64 *unbound = bpf_map_lookup_elem(&tls_unbound, &zero);
	if (unbound)
		__sync_fetch_and_add(unbound, 1);
}

/* `ret`: every function hooked returns an int (the upper half of the register is not its sign) */
static __always_inline int tls_exit(int ret, bool state)
{
	struct pending_call *stored = bpf_task_storage_get(&pending_calls, bpf_get_current_task_btf(), 0, 0);
	if (!stored || !stored->tls.ssl || (stored->tls.op == TLS_OP_STATE) != state)
		return 0;
	struct tls_thread tls = stored->tls;
	stored->tls.ssl = 0;
	/* a read is tied to the socket read before it only once */
	stored->tls.last_read_sk = 0;
	struct tls_socket socket;
	bool bound = tls_socket_of(&tls, &socket);
	if (state) {
		if (bound) {
			__u64 key = socket.sk;
			struct socket_info *info = bpf_map_lookup_elem(&sockets, &key);
			if (info)
				info->tls = 1;
		}
		return 0;
	}
	__u64 moved = 0;
	if (tls.moved_out) {
		/* SSL_read_ex/SSL_write_ex: 1 on success, the count in *moved_out */
		if (ret != 1 || bpf_probe_read_user(&moved, sizeof(moved), (void *)tls.moved_out) != 0)
			return 0;
	} else {
		if (ret <= 0)
			return 0;
		moved = ret;
	}
	if (moved == 0)
		return 0;
	if (!bound) {
		count_unbound();
		return 0;
	}
	struct event_buffer *b = event_buffer();
	if (!b || !begin_event(b, (struct sock *)socket.sk, socket.fd, SOCKET_EVENT_DATA, SOCKET_ROLE_UNKNOWN, 0, true))
		return 0;
	b->header.direction = tls.op == TLS_OP_WRITE ? SOCKET_DIRECTION_EGRESS : SOCKET_DIRECTION_INGRESS;
	b->header.byte_count = moved > 0xffffffff ? 0xffffffff : moved;
	b->header.payload_length = copy_buffer(b, tls.buffer, payload_wanted(moved));
	submit(b);
	return 0;
}

/* int SSL_read(SSL *ssl, void *buf, int num), SSL_write likewise */
SEC("uprobe")
int BPF_KPROBE(tls_read_enter, void *ssl, void *buffer)
{
	return tls_enter(TLS_OP_READ, (__u64)ssl, (__u64)buffer, 0);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_enter, void *ssl, void *buffer)
{
	return tls_enter(TLS_OP_WRITE, (__u64)ssl, (__u64)buffer, 0);
}

/* int SSL_read_ex(SSL *ssl, void *buf, size_t num, size_t *readbytes), SSL_write_ex likewise */
SEC("uprobe")
int BPF_KPROBE(tls_read_ex_enter, void *ssl, void *buffer, __u64 num, void *moved)
{
	return tls_enter(TLS_OP_READ, (__u64)ssl, (__u64)buffer, (__u64)moved);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_ex_enter, void *ssl, void *buffer, __u64 num, void *moved)
{
	return tls_enter(TLS_OP_WRITE, (__u64)ssl, (__u64)buffer, (__u64)moved);
}

/* int SSL_do_handshake(SSL *ssl), int SSL_shutdown(SSL *ssl) */
SEC("uprobe")
int BPF_KPROBE(tls_state_enter, void *ssl)
{
	return tls_enter(TLS_OP_STATE, (__u64)ssl, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_data_exit, int ret)
{
	return tls_exit(ret, false);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_state_exit, int ret)
{
	return tls_exit(ret, true);
}
