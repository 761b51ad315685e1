/* The sample layout shared by the profiler's kernel programs (profiler.bpf.c) and the addon
 * (native/profiler.cc). One ring buffer record is one struct profile_sample: an on-CPU sample
 * (a perf event fired on a CPU running the thread) or an off-CPU interval (the thread was
 * switched out for value_ns nanoseconds, with the stack it was switched out at). */
#ifndef FLOWTEL_PROFILER_H
#define FLOWTEL_PROFILER_H

#define PROFILER_COMM_LEN 16
/* the kernel's own limit for bpf_get_stack (sysctl kernel.perf_event_max_stack defaults to 127) */
#define PROFILER_MAX_DEPTH 127

enum profile_sample_kind {
	PROFILE_ON_CPU = 1,
	PROFILE_OFF_CPU = 2,
};

/* Bits of the programs' filter_flags: which filter maps are in force. */
enum profiler_filter {
	PROFILER_PID_ALLOW = 1 << 0,
	PROFILER_PID_DENY = 1 << 1,
	PROFILER_COMM_ALLOW = 1 << 2,
	PROFILER_COMM_DENY = 1 << 3,
	PROFILER_CGROUP_ALLOW = 1 << 4,
	PROFILER_CGROUP_DENY = 1 << 5,
};

struct profile_sample {
	/* on-CPU: 0 (user space knows the sampling period); off-CPU: nanoseconds switched out */
	__u64 value_ns;
	/* cgroup v2 id (the inode number of its directory in /sys/fs/cgroup) */
	__u64 cgroup_id;
	/* process id (tgid) and thread id */
	__u32 pid;
	__u32 tid;
	/* frames in user[] and kernel[]; 0 when there is none (kernel threads have no user stack) */
	__u16 user_depth;
	__u16 kernel_depth;
	__u8 kind;
	__u8 reserved[3];
	/* the process's (thread group leader's) name */
	char comm[PROFILER_COMM_LEN];
	/* return addresses, innermost first */
	__u64 user[PROFILER_MAX_DEPTH];
	__u64 kernel[PROFILER_MAX_DEPTH];
};

/* What the addon hands to JS per report: one record per distinct (pid, tid, kind, cgroup,
 * comm, stacks), followed by user_depth then kernel_depth 8-byte frames. Not a kernel layout;
 * here so both sides of the addon read it from one place. */
struct profile_record {
	/* samples (on-CPU) or intervals (off-CPU) aggregated */
	__u64 count;
	/* off-CPU: nanoseconds switched out in all; on-CPU: 0 */
	__u64 total_ns;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u16 user_depth;
	__u16 kernel_depth;
	__u8 kind;
	__u8 reserved[3];
	char comm[PROFILER_COMM_LEN];
};

#endif
