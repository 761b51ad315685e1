// The profiler's kernel side in one session: open, configure, load and attach profiler.bpf.c
// (a cpu-clock perf event per CPU, the sched_switch tracepoint when off-CPU is on), read its
// ring buffer, detach. No Node-API here, as capture.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "capture.h"

struct profiler;
struct ring_buffer;
struct bpf_link;
struct bpf_program;

namespace flowtel {

struct ProfilerOptions {
  uint32_t samples_per_second = 20;
  bool send_idle = false;
  // probability that a switch-out is recorded, 0 (off-CPU off) to 1
  double off_cpu_threshold = 0;
  uint64_t off_cpu_min_ns = 1000000;
  uint32_t ring_buffer_bytes = 4u << 20;
  std::vector<uint32_t> pid_allow, pid_deny;
  std::vector<std::string> comm_allow, comm_deny;
  std::vector<uint64_t> cgroup_allow, cgroup_deny;
};

class Profiler {
 public:
  using RecordHandler = std::function<void(const void *record, size_t size)>;

  // Loads and attaches; throws CaptureError saying what is wrong and what to do.
  Profiler(const ProfilerOptions &options, RecordHandler on_record);
  ~Profiler();
  Profiler(const Profiler &) = delete;
  Profiler &operator=(const Profiler &) = delete;

  int ring_fd() const;
  // Hands every record the ring holds to the handler; returns how many.
  int drain();
  // Samples the kernel side could not store: the ring was full, task storage failed.
  uint64_t lost_ring() const;
  uint64_t lost_storage() const;
  // Runs of a program and the time they took in all (kernel.bpf_stats_enabled must be on for
  // the kernel to count them): {run_cnt, run_time_ns}.
  struct RunStats {
    uint64_t runs = 0;
    uint64_t run_time_ns = 0;
  };
  RunStats on_cpu_runs() const;
  RunStats on_switch_runs() const;
  // CPUs that got a perf event.
  size_t cpus() const { return perf_links_.size(); }
  // Stops sampling; what the ring already holds can still be drained.
  void detach();

 private:
  void configure(const ProfilerOptions &options);
  void fill_filters(const ProfilerOptions &options);
  void attach_perf_events(uint32_t samples_per_second);
  uint64_t lost(uint32_t reason) const;
  static RunStats runs_of(const struct bpf_program *program);
  static int on_sample(void *self, void *data, size_t size);

  struct profiler *skeleton_ = nullptr;
  ring_buffer *ring_ = nullptr;
  std::vector<bpf_link *> perf_links_;
  RecordHandler on_record_;
};

}  // namespace flowtel
