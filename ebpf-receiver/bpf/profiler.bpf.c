// SPDX-License-Identifier: GPL-2.0
/* The profiler's kernel side. On-CPU: a software cpu-clock perf event per CPU runs on_cpu at the
 * sampling rate, which writes the running thread's user and kernel stacks into a ring buffer
 * record. Off-CPU: at sched_switch the thread going out gets its stacks and the time kept in its
 * task storage (when the sampling draw picks it); when it is switched in again and was out for
 * at least off_cpu_min_ns, one record carries that time. User space aggregates the records per
 * (pid, tid, stack) and symbolizes them.
 *
 * Stacks come from the kernel's own unwinder (bpf_get_stack): frame pointers for user code, ORC
 * for the kernel. Only tracepoints and perf events are used, no kprobes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "profiler.h"

char LICENSE[] SEC("license") = "GPL";

#define BPF_F_USER_STACK (1ULL << 8)

/* Set by user space before load. */
const volatile __u32 filter_flags = 0;
/* samples of the idle task (pid 0) are kept only when asked for */
const volatile bool send_idle = false;
const volatile bool off_cpu = false;
/* an off-CPU interval is recorded when bpf_get_prandom_u32() < this (off_cpu_threshold * 2^32) */
const volatile __u32 off_cpu_draw = 0;
const volatile __u64 off_cpu_min_ns = 1000000;
/* ring buffer fill (bytes) above which a submit wakes the consumer early */
const volatile __u64 wakeup_threshold = 1 << 20;

__u32 early_wakeup_sent = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} samples SEC(".maps");

enum lost_reason {
	/* the ring buffer was full */
	LOST_RING = 0,
	/* off-CPU start could not be kept (task storage allocation failed) */
	LOST_STORAGE = 1,
	LOST_REASONS,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOST_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_allow SEC(".maps"), pid_deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, char[PROFILER_COMM_LEN]);
	__type(value, __u8);
} comm_allow SEC(".maps"), comm_deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} cgroup_allow SEC(".maps"), cgroup_deny SEC(".maps");

/* A switched-out thread's stacks, kept until it runs again. Task storage is freed with the
 * thread, so a thread that exits while switched out leaks nothing. */
struct off_cpu_start {
	__u64 switched_out_ns;
	struct profile_sample sample;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct off_cpu_start);
} off_cpu_starts SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &reason);
	if (n)
		*n += 1;
}

static __always_inline bool in_map(void *map, const void *key)
{
	return bpf_map_lookup_elem(map, key) != NULL;
}

/* Who the current thread is, checked before a sample (2 KiB) is reserved or stored. */
struct thread_id {
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	char comm[PROFILER_COMM_LEN];
};

/* The current thread passes the filters. */
static __always_inline bool current_wanted(struct thread_id *t)
{
	__u64 id = bpf_get_current_pid_tgid();
	t->pid = id >> 32;
	t->tid = (__u32)id;
	if (t->pid == 0 && !send_idle)
		return false;
	if ((filter_flags & PROFILER_PID_DENY) && in_map(&pid_deny, &t->pid))
		return false;
	if ((filter_flags & PROFILER_PID_ALLOW) && !in_map(&pid_allow, &t->pid))
		return false;
	struct task_struct *task = bpf_get_current_task_btf();
	__builtin_memcpy(t->comm, task->group_leader->comm, PROFILER_COMM_LEN);
	if ((filter_flags & PROFILER_COMM_DENY) && in_map(&comm_deny, t->comm))
		return false;
	if ((filter_flags & PROFILER_COMM_ALLOW) && !in_map(&comm_allow, t->comm))
		return false;
	t->cgroup_id = bpf_get_current_cgroup_id();
	if ((filter_flags & PROFILER_CGROUP_DENY) && in_map(&cgroup_deny, &t->cgroup_id))
		return false;
	if ((filter_flags & PROFILER_CGROUP_ALLOW) && !in_map(&cgroup_allow, &t->cgroup_id))
		return false;
	return true;
}

static __always_inline void set_thread(struct profile_sample *s, const struct thread_id *t, __u8 kind)
{
	s->cgroup_id = t->cgroup_id;
	s->pid = t->pid;
	s->tid = t->tid;
	__builtin_memcpy(s->comm, t->comm, PROFILER_COMM_LEN);
	s->kind = kind;
}

static __always_inline __u16 depth_of(long bytes)
{
	return bytes > 0 ? bytes / sizeof(__u64) : 0;
}

static __always_inline void take_stacks(void *ctx, struct profile_sample *s)
{
	s->kernel_depth = depth_of(bpf_get_stack(ctx, s->kernel, sizeof(s->kernel), 0));
	/* 0 frames for kernel threads (no user context) */
	s->user_depth = depth_of(bpf_get_stack(ctx, s->user, sizeof(s->user), BPF_F_USER_STACK));
}

/* Wakes the reader only when the ring is filling up: it polls on its own interval otherwise. */
static __always_inline void submit(struct profile_sample *s)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) > wakeup_threshold && !early_wakeup_sent) {
		early_wakeup_sent = 1;
		flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(s, flags);
}

SEC("perf_event")
int on_cpu(struct bpf_perf_event_data *ctx)
{
	struct thread_id t;
	if (!current_wanted(&t))
		return 0;
	struct profile_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		count_lost(LOST_RING);
		return 0;
	}
	set_thread(s, &t, PROFILE_ON_CPU);
	s->value_ns = 0;
	take_stacks(ctx, s);
	submit(s);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	if (!off_cpu)
		return 0;
	__u64 now = bpf_ktime_get_ns();

	/* next was out since it was recorded going out (if it was) */
	struct off_cpu_start *start = bpf_task_storage_get(&off_cpu_starts, next, 0, 0);
	if (start && start->switched_out_ns) {
		__u64 out_ns = now - start->switched_out_ns;
		start->switched_out_ns = 0;
		if (out_ns >= off_cpu_min_ns) {
			struct profile_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
			if (s) {
				bpf_probe_read_kernel(s, sizeof(*s), &start->sample);
				s->value_ns = out_ns;
				submit(s);
			} else {
				count_lost(LOST_RING);
			}
		}
	}

	/* prev is the current task: its stacks are the ones it blocks (or is preempted) in */
	if (off_cpu_draw != 0xffffffff && bpf_get_prandom_u32() >= off_cpu_draw)
		return 0;
	struct thread_id t;
	if (!current_wanted(&t))
		return 0;
	start = bpf_task_storage_get(&off_cpu_starts, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!start) {
		count_lost(LOST_STORAGE);
		return 0;
	}
	set_thread(&start->sample, &t, PROFILE_OFF_CPU);
	take_stacks(ctx, &start->sample);
	start->switched_out_ns = bpf_ktime_get_ns();
	return 0;
}
