/* What a thread's pending call (socket_trace.bpf.c) keeps for the TLS uprobes (tls_trace.bpf.c). */
#ifndef FLOWTEL_TLS_TRACE_H
#define FLOWTEL_TLS_TRACE_H

enum tls_operation {
	TLS_OP_READ = 1,
	TLS_OP_WRITE = 2,
	/* SSL_do_handshake, SSL_shutdown: ciphertext only, no plaintext to report */
	TLS_OP_STATE = 3,
};

/* An SSL call whose syscalls come later than this after its start is taken as one whose return
 * the uprobes missed (a thread that longjmp'd out of it): the thread's syscalls count again. */
#define TLS_CALL_STALE_NS 1000000000ULL

struct tls_thread {
	/* the SSL object of the call the thread is in, 0 when none */
	__u64 ssl;
	/* the plaintext buffer of SSL_read/SSL_write */
	__u64 buffer;
	/* SSL_read_ex/SSL_write_ex: where the library stores the bytes moved (0 for the plain calls) */
	__u64 moved_out;
	/* when the call began: a call whose return was never seen stops counting after a while */
	__u64 since_ns;
	/* the socket and descriptor a syscall inside the call used (0 when none) */
	__u64 sk;
	__s32 fd;
	__u8 op;
	/* the socket this thread read last outside SSL calls, and its descriptor */
	__u64 last_read_sk;
	__s32 last_read_fd;
};

#endif
