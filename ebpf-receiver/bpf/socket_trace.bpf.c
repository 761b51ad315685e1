// SPDX-License-Identifier: GPL-2.0
/* Socket data capture on syscall tracepoints. The enter side remembers the call's arguments
 * per thread, the exit side (once the kernel says how many bytes moved) reads the socket's
 * 5-tuple and the first bytes of the payload and writes one record into a ring buffer.
 * Only AF_INET/AF_INET6 TCP and UDP sockets are reported. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "socket_trace.h"
#include "tls_trace.h"
#include "tcp_metrics.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define MSG_PEEK 2
#define EINPROGRESS 115
/* iovecs read per syscall, messages per sendmmsg/recvmmsg: the verifier needs bounds */
#define MAX_IOVECS 16
#define MAX_MMSG_MESSAGES 4

/* Set by user space before load. */
const volatile __u32 self_pid = 0;
const volatile __u32 payload_limit = 1024;
const volatile __u32 filter_flags = 0;
/* ring buffer fill (bytes) above which a submit wakes the consumer early */
const volatile __u64 wakeup_threshold = 1 << 22;
/* the TLS uprobes (tls_trace.bpf.c) are attached: syscalls inside SSL calls carry ciphertext */
const volatile bool tls_enabled = false;

__u64 next_socket_id = 0;
/* Set by the submit that woke the reader early; the reader clears it once it has drained (it is
 * mapped into user space). Without it every submit above the threshold would raise its own
 * interrupt while the reader catches up. */
__u32 early_wakeup_sent = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

/* ring buffer reservations that failed: events the consumer never saw */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

enum payload_layout {
	/* no call pending */
	LAYOUT_NONE,
	LAYOUT_BUFFER,
	LAYOUT_IOVEC,
	LAYOUT_MSGHDR,
	LAYOUT_MMSGHDR,
	LAYOUT_CONNECT,
};

struct pending_call {
	__u64 sk;
	/* buffer, iovec array, msghdr or mmsghdr array, by layout */
	__u64 data;
	/* sendto/recvfrom peer address, for unconnected UDP */
	__u64 peer;
	__u32 count;
	__s32 fd;
	__u8 layout;
	__u8 direction;
	/* the SSL call the thread is in, and the last socket it read (tls_trace.bpf.c) */
	struct tls_thread tls;
};

/* The call each thread is in, kept with the thread (freed when it exits): cheaper than a hash
 * map keyed by thread id, and nothing leaks when a thread dies inside a syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pending_call);
} pending_calls SEC(".maps");

struct socket_tuple {
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u16 local_port;
	__u16 remote_port;
	__u8 ip_version;
	__u8 l4_protocol;
};

/* The tuple is kept because TCP forgets the local port once the connection is closed, before
 * the process calls close(); the owner, for connections that end without a close() (the
 * process exited, the peer reset). */
struct socket_info {
	__u64 id;
	struct socket_tuple tuple;
	__u32 pid;
	__s32 fd;
	char comm[SOCKET_TRACE_COMM_LEN];
	__u8 role;
	/* a TLS library reports its plaintext: the syscalls' ciphertext is not reported */
	__u8 tls;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct socket_info);
} sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_allow SEC(".maps"), pid_deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, char[SOCKET_TRACE_COMM_LEN]);
	__type(value, __u8);
} comm_allow SEC(".maps"), comm_deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u8);
} port_allow SEC(".maps"), port_deny SEC(".maps");

/* One event under construction per CPU. The payload area is twice the largest payload so the
 * verifier can prove every copy (offset < max, length <= max) stays inside it; that is more than
 * a per-CPU map value may hold, so it is a plain array with one slot per CPU (user space sets
 * max_entries to the number of possible CPUs). */
struct event_buffer {
	struct socket_event header;
	__u8 payload[2 * SOCKET_TRACE_MAX_PAYLOAD];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_buffer);
} event_buffers SEC(".maps");

static __always_inline bool in_map(void *map, const void *key)
{
	return bpf_map_lookup_elem(map, key) != NULL;
}

/* Kernel pointers are followed with plain loads on BTF-typed pointers (the verifier makes them
 * fault-safe) rather than a bpf_probe_read_kernel() call per field: the capture runs on every
 * read and write on the host, and the helper calls were much of its cost. bpf_rdonly_cast gives
 * a type back to a pointer that came from untyped memory. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define TYPED(type, pointer) ((type *)bpf_rdonly_cast((const void *)(pointer), bpf_core_type_id_kernel(type)))

static __always_inline void process_comm(char comm[SOCKET_TRACE_COMM_LEN])
{
	struct task_struct *task = bpf_get_current_task_btf();
	__builtin_memcpy(comm, task->group_leader->comm, SOCKET_TRACE_COMM_LEN);
}

static __always_inline bool process_wanted(__u32 pid)
{
	if (pid == self_pid)
		return false;
	if ((filter_flags & FILTER_PID_DENY) && in_map(&pid_deny, &pid))
		return false;
	if ((filter_flags & FILTER_PID_ALLOW) && !in_map(&pid_allow, &pid))
		return false;
	if (filter_flags & (FILTER_COMM_ALLOW | FILTER_COMM_DENY)) {
		char comm[SOCKET_TRACE_COMM_LEN] = {};
		process_comm(comm);
		if ((filter_flags & FILTER_COMM_DENY) && in_map(&comm_deny, comm))
			return false;
		if ((filter_flags & FILTER_COMM_ALLOW) && !in_map(&comm_allow, comm))
			return false;
	}
	return true;
}

static __always_inline bool ports_wanted(__u16 local, __u16 remote)
{
	if ((filter_flags & FILTER_PORT_DENY) && (in_map(&port_deny, &local) || in_map(&port_deny, &remote)))
		return false;
	if ((filter_flags & FILTER_PORT_ALLOW) && !in_map(&port_allow, &local) && !in_map(&port_allow, &remote))
		return false;
	return true;
}

/* Kernels before 6.13 count a file's references in f_count; later ones in f_ref, which holds
 * the count minus one. */
struct file___f_count {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

static __always_inline __s64 file_references(struct file *file)
{
	if (bpf_core_field_exists(file->f_ref))
		return file->f_ref.refcnt.counter + 1;
	return ((struct file___f_count *)file)->f_count.counter;
}

/* The TCP/UDP inet socket behind a descriptor of the current process, or NULL; `shared` (when
 * asked) says whether other descriptors, here or in another process, hold the same open file. */
static __always_inline struct sock *inet_socket_of_fd(__s32 fd, bool *shared)
{
	if (fd < 0)
		return NULL;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	if (!fdt || (__u32)fd >= fdt->max_fds)
		return NULL;
	struct file *untyped = NULL;
	bpf_probe_read_kernel(&untyped, sizeof(untyped), &fdt->fd[fd]);
	if (!untyped)
		return NULL;
	struct file *file = TYPED(struct file, untyped);
	if ((file->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct sock *sk = TYPED(struct socket, file->private_data)->sk;
	if (!sk)
		return NULL;
	__u16 family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	if (sk->sk_protocol != IPPROTO_TCP && sk->sk_protocol != IPPROTO_UDP)
		return NULL;
	if (shared)
		*shared = file_references(file) > 1;
	return sk;
}

/* Fills the 5-tuple from a socket that inet_socket_of_fd returned (kept as an address). */
static __always_inline void read_tuple(struct socket_event *e, __u64 address)
{
	struct sock *sk = TYPED(struct sock, address);
	struct sock_common *common = &sk->__sk_common;
	e->l4_protocol = sk->sk_protocol;
	e->local_port = common->skc_num;
	e->remote_port = bpf_ntohs(common->skc_dport);
	__builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
	__builtin_memset(e->remote_addr, 0, sizeof(e->remote_addr));
	if (common->skc_family == AF_INET) {
		e->ip_version = 4;
		*(__u32 *)e->local_addr = common->skc_rcv_saddr;
		*(__u32 *)e->remote_addr = common->skc_daddr;
	} else {
		e->ip_version = 6;
		__builtin_memcpy(e->local_addr, &common->skc_v6_rcv_saddr, sizeof(e->local_addr));
		__builtin_memcpy(e->remote_addr, &common->skc_v6_daddr, sizeof(e->remote_addr));
	}
}


/* The peer of an unconnected UDP socket, from the user's sockaddr (0 when there is none). */
static __always_inline void read_peer(struct socket_event *e, __u64 user_sockaddr)
{
	if (!user_sockaddr || e->remote_port != 0)
		return;
	__u16 family = 0;
	bpf_probe_read_user(&family, sizeof(family), (void *)user_sockaddr);
	if (family == AF_INET) {
		struct sockaddr_in in = {};
		bpf_probe_read_user(&in, sizeof(in), (void *)user_sockaddr);
		e->remote_port = bpf_ntohs(in.sin_port);
		__builtin_memcpy(e->remote_addr, &in.sin_addr, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 in6 = {};
		bpf_probe_read_user(&in6, sizeof(in6), (void *)user_sockaddr);
		e->remote_port = bpf_ntohs(in6.sin6_port);
		__builtin_memcpy(e->remote_addr, &in6.sin6_addr, 16);
	}
}

static __always_inline __u64 new_socket_id(void)
{
	return __sync_fetch_and_add(&next_socket_id, 1) + 1;
}

static __always_inline void remember(struct socket_info *info, const struct socket_event *e)
{
	struct socket_tuple *t = &info->tuple;
	__builtin_memcpy(t->local_addr, e->local_addr, sizeof(t->local_addr));
	__builtin_memcpy(t->remote_addr, e->remote_addr, sizeof(t->remote_addr));
	t->local_port = e->local_port;
	t->remote_port = e->remote_port;
	t->ip_version = e->ip_version;
	t->l4_protocol = e->l4_protocol;
	info->pid = e->pid;
	info->fd = e->fd;
	__builtin_memcpy(info->comm, e->comm, sizeof(info->comm));
}

static __always_inline void restore_tuple(struct socket_event *e, const struct socket_tuple *t)
{
	__builtin_memcpy(e->local_addr, t->local_addr, sizeof(e->local_addr));
	__builtin_memcpy(e->remote_addr, t->remote_addr, sizeof(e->remote_addr));
	e->local_port = t->local_port;
	e->remote_port = t->remote_port;
	e->ip_version = t->ip_version;
	e->l4_protocol = t->l4_protocol;
}

static __always_inline bool same_tuple(const struct socket_tuple *t, const struct socket_event *e)
{
	const __u64 *known_local = (const __u64 *)t->local_addr, *known_remote = (const __u64 *)t->remote_addr;
	const __u64 *local = (const __u64 *)e->local_addr, *remote = (const __u64 *)e->remote_addr;
	return t->local_port == e->local_port && t->remote_port == e->remote_port && known_local[0] == local[0] &&
	       known_local[1] == local[1] && known_remote[0] == remote[0] && known_remote[1] == remote[1];
}

/* The socket's identity: created on first sight (role unknown: it predates the capture or
 * never connected/accepted), replaced when a connect or accept starts a new connection. A
 * connect() repeated on the connection it made (how non-blocking connects learn they are done)
 * sets `repeated` instead. */
static __always_inline struct socket_info *socket_identity(struct sock *sk, __u8 new_role, const struct socket_event *e,
							   bool *repeated)
{
	__u64 key = (__u64)sk;
	struct socket_info *known = bpf_map_lookup_elem(&sockets, &key);
	*repeated = known && new_role != SOCKET_ROLE_UNKNOWN && known->role == new_role && same_tuple(&known->tuple, e);
	if (known && (new_role == SOCKET_ROLE_UNKNOWN || *repeated))
		return known;
	struct socket_info fresh = { .id = new_socket_id(), .role = new_role };
	remember(&fresh, e);
	bpf_map_update_elem(&sockets, &key, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&sockets, &key);
}

static __always_inline struct event_buffer *event_buffer(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&event_buffers, &cpu);
}

/* Header fields every event has; false when the event is filtered out or repeats a connect.
 * `peer` is the user's sockaddr of a sendto/recvfrom/msghdr, for unconnected UDP. A close is
 * reported only for sockets seen before, with the tuple of their first event. `plaintext`: the
 * TLS uprobes' data, which marks the socket; a syscall's data on a marked socket is ciphertext
 * and is not reported. */
static __always_inline bool begin_event(struct event_buffer *b, struct sock *sk, __s32 fd, __u8 kind, __u8 new_role, __u64 peer,
					bool plaintext)
{
	struct socket_event *e = &b->header;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	e->timestamp_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->fd = fd;
	e->kind = kind;
	e->direction = SOCKET_DIRECTION_EGRESS;
	e->byte_count = 0;
	e->payload_length = 0;
	e->flags = plaintext ? SOCKET_EVENT_FLAG_TLS : 0;
	process_comm(e->comm);
	struct socket_info *info;
	if (kind == SOCKET_EVENT_CLOSE) {
		__u64 key = (__u64)sk;
		info = bpf_map_lookup_elem(&sockets, &key);
		if (!info)
			return false;
		restore_tuple(e, &info->tuple);
		if (!ports_wanted(e->local_port, e->remote_port))
			return false;
	} else {
		bool repeated;
		read_tuple(e, (__u64)sk);
		read_peer(e, peer);
		if (!ports_wanted(e->local_port, e->remote_port))
			return false;
		info = socket_identity(sk, new_role, e, &repeated);
		if (!info || repeated)
			return false;
		if (plaintext)
			info->tls = 1;
		else if (info->tls && kind == SOCKET_EVENT_DATA)
			return false;
	}
	e->socket_id = info->id;
	e->role = info->role;
	return true;
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);
	if (lost)
		__sync_fetch_and_add(lost, 1);
}

/* Polling consumers batch well; a wake-up per event costs more than the capture itself. Only a
 * filling ring buffer wakes the consumer early. */
static __always_inline __u64 wakeup_flags(void)
{
	if (early_wakeup_sent || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < wakeup_threshold)
		return BPF_RB_NO_WAKEUP;
	early_wakeup_sent = 1;
	return BPF_RB_FORCE_WAKEUP;
}

#include "tcp_metrics.bpf.c"

/* A length the verifier knows is at most SOCKET_TRACE_MAX_PAYLOAD. The empty asm keeps clang from
 * using the unbounded copy of the value after the comparison, which the verifier would reject. */
static __always_inline __u32 bounded_length(__u64 length)
{
	if (length > SOCKET_TRACE_MAX_PAYLOAD)
		length = SOCKET_TRACE_MAX_PAYLOAD;
	asm volatile("" : "+r"(length));
	return length;
}

static __always_inline void submit(struct event_buffer *b)
{
	__u32 length = bounded_length(b->header.payload_length);
	if (bpf_ringbuf_output(&events, b, sizeof(struct socket_event) + length, wakeup_flags()) != 0)
		count_lost();
}

static __always_inline __u32 payload_wanted(__u32 moved)
{
	return bounded_length(moved > payload_limit ? payload_limit : moved);
}

static __always_inline __u32 copy_buffer(struct event_buffer *b, __u64 user_buffer, __u32 want)
{
	__u32 length = bounded_length(want);
	if (bpf_probe_read_user(b->payload, length, (void *)user_buffer) != 0)
		return 0;
	return length;
}

static __always_inline __u32 copy_iovecs(struct event_buffer *b, __u64 user_iovecs, __u64 count, __u32 want)
{
	__u32 copied = 0;
	for (int i = 0; i < MAX_IOVECS; i++) {
		if (i >= count || copied >= want)
			break;
		struct iovec iov = {};
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(user_iovecs + i * sizeof(struct iovec))) != 0)
			break;
		__u32 offset = copied & (SOCKET_TRACE_MAX_PAYLOAD - 1);
		__u32 length = bounded_length(iov.iov_len > want - copied ? want - copied : iov.iov_len);
		if (bpf_probe_read_user(&b->payload[offset], length, iov.iov_base) != 0)
			break;
		copied += length;
	}
	return copied;
}

static __always_inline int enter_call(__s32 fd, __u8 layout, __u8 direction, __u64 data, __u64 count, __u64 peer, __u64 flags)
{
	if (direction == SOCKET_DIRECTION_INGRESS && (flags & MSG_PEEK))
		return 0;
	if (!process_wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct sock *sk = inet_socket_of_fd(fd, NULL);
	if (!sk)
		return 0;
	struct pending_call *call =
		bpf_task_storage_get(&pending_calls, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call)
		return 0;
	/* ciphertext moved by an SSL call: its uprobes report the plaintext and learn the socket */
	if (tls_enabled && call->tls.ssl && layout != LAYOUT_CONNECT &&
	    bpf_ktime_get_ns() - call->tls.since_ns < TLS_CALL_STALE_NS) {
		call->tls.sk = (__u64)sk;
		call->tls.fd = fd;
		return 0;
	}
	call->sk = (__u64)sk;
	call->data = data;
	call->peer = peer;
	call->count = count;
	call->fd = fd;
	call->layout = layout;
	call->direction = direction;
	return 0;
}

/* The pending call of this thread, which is then no longer pending; returns its storage. */
static __always_inline struct pending_call *take_call(struct pending_call *call)
{
	struct pending_call *stored = bpf_task_storage_get(&pending_calls, bpf_get_current_task_btf(), 0, 0);
	if (!stored || stored->layout == LAYOUT_NONE)
		return NULL;
	*call = *stored;
	stored->layout = LAYOUT_NONE;
	return stored;
}

/* `layout` is a constant in every program, so each keeps only the copy it needs: the verifier
 * then walks far fewer paths. */
static __always_inline void emit_data(struct event_buffer *b, const struct pending_call *call, const __u8 layout, __u64 data,
				      __u64 count, __u64 peer, __u32 moved)
{
	if (!begin_event(b, (struct sock *)call->sk, call->fd, SOCKET_EVENT_DATA, SOCKET_ROLE_UNKNOWN, peer, false))
		return;
	b->header.direction = call->direction;
	b->header.byte_count = moved;
	__u32 want = payload_wanted(moved);
	b->header.payload_length = layout == LAYOUT_BUFFER ? copy_buffer(b, data, want) : copy_iovecs(b, data, count, want);
	submit(b);
}

/* A function of its own, not inlined: four inlined copies in the sendmmsg/recvmmsg loop would
 * not fit in the 512-byte stack. */
static __noinline void emit_msghdr(struct event_buffer *b, const struct pending_call *call, __u64 user_msghdr, __u32 moved)
{
	struct user_msghdr msg = {};
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)user_msghdr) != 0)
		return;
	emit_data(b, call, LAYOUT_IOVEC, (__u64)msg.msg_iov, msg.msg_iovlen, (__u64)msg.msg_name, moved);
}

static __always_inline int exit_call(long ret, const __u8 layout)
{
	struct pending_call call;
	struct pending_call *stored = take_call(&call);
	/* another layout is left from a call whose exit this capture missed */
	if (!stored || call.layout != layout)
		return 0;
	/* a library that hands TLS its ciphertext itself (memory BIOs: Node.js) reads the socket
	 * before the SSL call that decrypts it: tls_trace.bpf.c ties the two */
	if (tls_enabled && call.direction == SOCKET_DIRECTION_INGRESS && ret > 0 && layout != LAYOUT_CONNECT) {
		stored->tls.last_read_sk = call.sk;
		stored->tls.last_read_fd = call.fd;
	}
	struct event_buffer *b = event_buffer();
	if (!b)
		return 0;
	if (layout == LAYOUT_CONNECT) {
		if (ret != 0 && ret != -EINPROGRESS)
			return 0;
		if (begin_event(b, (struct sock *)call.sk, call.fd, SOCKET_EVENT_CONNECT, SOCKET_ROLE_CLIENT, 0, false))
			submit(b);
		tcp_connected(call.sk);
		return 0;
	}
	if (ret <= 0)
		return 0;
	if (layout == LAYOUT_BUFFER || layout == LAYOUT_IOVEC) {
		emit_data(b, &call, layout, call.data, call.count, call.peer, ret);
	} else if (layout == LAYOUT_MSGHDR) {
		emit_msghdr(b, &call, call.data, ret);
	} else {
		/* sendmmsg/recvmmsg return how many messages moved; each says how many bytes */
		for (int i = 0; i < MAX_MMSG_MESSAGES; i++) {
			if (i >= ret)
				break;
			__u64 message = call.data + i * sizeof(struct mmsghdr);
			__u32 length = 0;
			if (bpf_probe_read_user(&length, sizeof(length), (void *)(message + offsetof(struct mmsghdr, msg_len))) !=
			    0)
				break;
			emit_msghdr(b, &call, message, length);
		}
	}
	return 0;
}

#define ARG(ctx, n) ((ctx)->args[n])

SEC("tracepoint/syscalls/sys_enter_read")
int enter_read(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_BUFFER, SOCKET_DIRECTION_INGRESS, ARG(ctx, 1), 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_write")
int enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_BUFFER, SOCKET_DIRECTION_EGRESS, ARG(ctx, 1), 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_readv")
int enter_readv(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_IOVEC, SOCKET_DIRECTION_INGRESS, ARG(ctx, 1), ARG(ctx, 2), 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_IOVEC, SOCKET_DIRECTION_EGRESS, ARG(ctx, 1), ARG(ctx, 2), 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_BUFFER, SOCKET_DIRECTION_EGRESS, ARG(ctx, 1), 0, ARG(ctx, 4), ARG(ctx, 3));
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_BUFFER, SOCKET_DIRECTION_INGRESS, ARG(ctx, 1), 0, ARG(ctx, 4), ARG(ctx, 3));
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_MSGHDR, SOCKET_DIRECTION_EGRESS, ARG(ctx, 1), 0, 0, ARG(ctx, 2));
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_MSGHDR, SOCKET_DIRECTION_INGRESS, ARG(ctx, 1), 0, 0, ARG(ctx, 2));
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_MMSGHDR, SOCKET_DIRECTION_EGRESS, ARG(ctx, 1), ARG(ctx, 2), 0, ARG(ctx, 3));
}

SEC("tracepoint/syscalls/sys_enter_recvmmsg")
int enter_recvmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_MMSGHDR, SOCKET_DIRECTION_INGRESS, ARG(ctx, 1), ARG(ctx, 2), 0, ARG(ctx, 3));
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return enter_call(ARG(ctx, 0), LAYOUT_CONNECT, SOCKET_DIRECTION_EGRESS, 0, 0, 0, 0);
}

#define EXIT_PROGRAM(name, layout)                            \
	SEC("tracepoint/syscalls/sys_exit_" #name)            \
	int exit_##name(struct trace_event_raw_sys_exit *ctx) \
	{                                                     \
		return exit_call(ctx->ret, layout);           \
	}

EXIT_PROGRAM(read, LAYOUT_BUFFER)
EXIT_PROGRAM(write, LAYOUT_BUFFER)
EXIT_PROGRAM(readv, LAYOUT_IOVEC)
EXIT_PROGRAM(writev, LAYOUT_IOVEC)
EXIT_PROGRAM(sendto, LAYOUT_BUFFER)
EXIT_PROGRAM(recvfrom, LAYOUT_BUFFER)
EXIT_PROGRAM(sendmsg, LAYOUT_MSGHDR)
EXIT_PROGRAM(recvmsg, LAYOUT_MSGHDR)
EXIT_PROGRAM(sendmmsg, LAYOUT_MMSGHDR)
EXIT_PROGRAM(recvmmsg, LAYOUT_MMSGHDR)
EXIT_PROGRAM(connect, LAYOUT_CONNECT)

/* An accept or close of the current process's descriptor; returns its socket, or NULL. */
static __always_inline struct sock *report_lifecycle(__s32 fd, __u8 kind, __u8 new_role)
{
	if (!process_wanted(bpf_get_current_pid_tgid() >> 32))
		return NULL;
	bool shared = false;
	struct sock *sk = inet_socket_of_fd(fd, &shared);
	struct event_buffer *b = event_buffer();
	if (!sk || !b)
		return NULL;
	/* Closing one of several descriptors of a connection does not end it: a server that forks
	 * per connection closes the parent's copy while the child serves it (dnsmasq over TCP,
	 * PostgreSQL's postmaster). Forgetting the socket there gave the child's later events a new
	 * socket id and no role, splitting one conversation in two. The last close reports it. */
	if (kind == SOCKET_EVENT_CLOSE && shared)
		return NULL;
	if (begin_event(b, sk, fd, kind, new_role, 0, false))
		submit(b);
	return sk;
}

/* accept needs no enter side: the new descriptor is the return value. */
#define ACCEPT_PROGRAM(name)                                                                           \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                     \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)                                          \
	{                                                                                              \
		if (ctx->ret < 0)                                                                      \
			return 0;                                                                      \
		struct sock *sk = report_lifecycle(ctx->ret, SOCKET_EVENT_ACCEPT, SOCKET_ROLE_SERVER); \
		if (sk)                                                                                \
			tcp_accepted((__u64)sk);                                                       \
		return 0;                                                                              \
	}

ACCEPT_PROGRAM(accept)
ACCEPT_PROGRAM(accept4)

/* close reports and forgets the sockets it saw; before the call, while the socket exists. */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx)
{
	struct sock *sk = report_lifecycle(ARG(ctx, 0), SOCKET_EVENT_CLOSE, SOCKET_ROLE_UNKNOWN);
	if (sk) {
		__u64 key = (__u64)sk;
		struct socket_info *info = tcp_metrics_enabled ? bpf_map_lookup_elem(&sockets, &key) : NULL;
		if (info)
			tcp_closing(key, info, bpf_get_current_pid_tgid() >> 32);
		bpf_map_delete_elem(&sockets, &key);
	}
	return 0;
}

#define TCP_CLOSE 7

/* Every TCP state change goes to the TCP metrics first (tcp_metrics.bpf.c: connect latency,
 * failed connects). A connection that ends without close() (its process exited, the peer reset
 * it) is reported when TCP closes it. This can run in softirq on top of a syscall program, so it builds its
 * event in the ring buffer itself rather than in the CPU's event buffer. */
SEC("tracepoint/sock/inet_sock_set_state")
int tcp_closed(struct trace_event_raw_inet_sock_set_state *ctx)
{
	tcp_state_change(ctx);
	if (ctx->newstate != TCP_CLOSE || ctx->protocol != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)ctx->skaddr;
	struct socket_info *known = bpf_map_lookup_elem(&sockets, &key);
	if (!known)
		return 0;
	struct socket_info info = *known;
	bpf_map_delete_elem(&sockets, &key);
	if (!ports_wanted(info.tuple.local_port, info.tuple.remote_port))
		return 0;
	struct socket_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	restore_tuple(e, &info.tuple);
	e->timestamp_ns = bpf_ktime_get_ns();
	e->socket_id = info.id;
	e->pid = info.pid;
	e->fd = info.fd;
	e->kind = SOCKET_EVENT_CLOSE;
	e->role = info.role;
	__builtin_memcpy(e->comm, info.comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, wakeup_flags());
	return 0;
}

#include "tls_trace.bpf.c"
