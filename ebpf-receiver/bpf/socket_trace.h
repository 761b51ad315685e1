/* The event layout shared by the kernel programs (socket_trace.bpf.c), the addon and the floor
 * consumer. One ring buffer record is a struct socket_event followed by payload_length bytes.
 * Numeric values of kind, role and direction are the ones @flowtel/pdata uses (socket.ts). */
#ifndef FLOWTEL_SOCKET_TRACE_H
#define FLOWTEL_SOCKET_TRACE_H

#define SOCKET_TRACE_MAX_PAYLOAD 16384
#define SOCKET_TRACE_COMM_LEN 16

enum socket_event_kind {
	SOCKET_EVENT_DATA = 0,
	SOCKET_EVENT_CONNECT = 1,
	SOCKET_EVENT_ACCEPT = 2,
	SOCKET_EVENT_CLOSE = 3,
	/* TCP's own figures of a connection: the payload is a struct tcp_metrics (tcp_metrics.h) */
	SOCKET_EVENT_TCP = 4,
};

enum socket_role {
	SOCKET_ROLE_UNKNOWN = 0,
	SOCKET_ROLE_CLIENT = 1,
	SOCKET_ROLE_SERVER = 2,
};

enum socket_direction {
	SOCKET_DIRECTION_EGRESS = 0,
	SOCKET_DIRECTION_INGRESS = 1,
};

/* Bits of socket_event.flags. */
enum socket_event_flag {
	/* the plaintext of a TLS connection, from the uprobes on the TLS library (tls_trace.bpf.c) */
	SOCKET_EVENT_FLAG_TLS = 1 << 0,
};

/* Bits of the programs' filter_flags: which filter maps are in force. */
enum socket_trace_filter {
	FILTER_PID_ALLOW = 1 << 0,
	FILTER_PID_DENY = 1 << 1,
	FILTER_COMM_ALLOW = 1 << 2,
	FILTER_COMM_DENY = 1 << 3,
	FILTER_PORT_ALLOW = 1 << 4,
	FILTER_PORT_DENY = 1 << 5,
};

struct socket_event {
	/* CLOCK_MONOTONIC nanoseconds at the syscall's exit */
	__u64 timestamp_ns;
	/* unique for the socket's life within one capture session */
	__u64 socket_id;
	/* process id (tgid) and thread id */
	__u32 pid;
	__u32 tid;
	__s32 fd;
	/* what the syscall returned (bytes moved), 0 for connect/accept/close */
	__u32 byte_count;
	/* payload bytes following this header */
	__u32 payload_length;
	__u16 local_port;
	__u16 remote_port;
	/* network order; IPv4 in the first 4 bytes */
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u8 kind;
	/* 4 or 6 */
	__u8 ip_version;
	/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 l4_protocol;
	__u8 role;
	__u8 direction;
	/* SOCKET_EVENT_FLAG_* bits */
	__u8 flags;
	__u8 reserved[2];
	/* the process's (thread group leader's) name */
	char comm[SOCKET_TRACE_COMM_LEN];
};

#endif
