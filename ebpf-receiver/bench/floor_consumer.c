/* The floor for the capture benchmark: the same kernel programs as the addon, with a consumer
 * that only counts events. Runs until SIGINT/SIGTERM, then prints one JSON line:
 *   floor_consumer [payload_limit] [poll_interval_ms] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "socket_trace.skel.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int count_event(void *counter, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(unsigned long long *)counter;
	return 0;
}

static unsigned long long lost_events(struct socket_trace *skel)
{
	int cpus = libbpf_num_possible_cpus();
	unsigned long long per_cpu[cpus > 0 ? cpus : 1], total = 0;
	unsigned int zero = 0;
	if (cpus <= 0 || bpf_map__lookup_elem(skel->maps.lost_events, &zero, sizeof(zero), per_cpu, sizeof(per_cpu), 0) != 0)
		return 0;
	for (int i = 0; i < cpus; i++)
		total += per_cpu[i];
	return total;
}

int main(int argc, char **argv)
{
	unsigned int payload_limit = argc > 1 ? (unsigned int)atoi(argv[1]) : 1024;
	unsigned int poll_ms = argc > 2 ? (unsigned int)atoi(argv[2]) : 10;
	unsigned long long events = 0;

	struct socket_trace *skel = socket_trace__open();
	if (!skel) {
		fprintf(stderr, "floor_consumer: cannot open the BPF object\n");
		return 1;
	}
	skel->rodata->self_pid = getpid();
	skel->rodata->payload_limit = payload_limit;
	/* as the receiver's defaults: TCP metrics on, zero windows (tcp_probe, per segment) off */
	skel->rodata->tcp_metrics_enabled = true;
	bpf_program__set_autoload(skel->progs.tcp_window, false);
	bpf_map__set_max_entries(skel->maps.event_buffers, libbpf_num_possible_cpus());
	if (socket_trace__load(skel) != 0 || socket_trace__attach(skel) != 0) {
		fprintf(stderr, "floor_consumer: cannot load or attach (root? BTF? tracefs mounted?)\n");
		socket_trace__destroy(skel);
		return 1;
	}
	struct ring_buffer *ring = ring_buffer__new(bpf_map__fd(skel->maps.events), count_event, &events, NULL);
	if (!ring) {
		fprintf(stderr, "floor_consumer: cannot map the ring buffer\n");
		socket_trace__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "floor_consumer: attached\n");

	struct timespec interval = { .tv_sec = poll_ms / 1000, .tv_nsec = (poll_ms % 1000) * 1000000L };
	while (!stopping) {
		ring_buffer__consume(ring);
		skel->bss->early_wakeup_sent = 0;
		nanosleep(&interval, NULL);
	}
	ring_buffer__consume(ring);
	printf("{\"events\":%llu,\"lost\":%llu}\n", events, lost_events(skel));
	ring_buffer__free(ring);
	socket_trace__destroy(skel);
	return 0;
}
