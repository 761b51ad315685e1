#include "profile_sampler.h"

#include <linux/perf_event.h>
#include <linux/types.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "bpf_maps.h"
#include "diagnostics.h"
#include "profiler.h"
#include "profiler.skel.h"

namespace flowtel {

namespace {

const size_t kLogTailLines = 30;

}  // namespace

Profiler::Profiler(const ProfilerOptions &options, RecordHandler on_record) : on_record_(std::move(on_record)) {
  if (std::string why = missing_privileges(); !why.empty()) throw CaptureError("NOT_PERMITTED", why);
  if (std::string why = missing_btf(); !why.empty()) throw CaptureError("NO_BTF", why);
  if (!is_power_of_two(options.ring_buffer_bytes) || options.ring_buffer_bytes < 4096)
    throw CaptureError("BAD_OPTION", "the ring buffer size must be a power of two of at least 4096 bytes");
  if (options.samples_per_second == 0) throw CaptureError("BAD_OPTION", "samples_per_second must be at least 1");

  LibbpfLog log;
  skeleton_ = profiler__open();
  if (!skeleton_) throw CaptureError("OPEN", "libbpf could not open the profiler programs:\n" + log.tail(kLogTailLines));
  try {
    configure(options);
    if (int err = profiler__load(skeleton_); err != 0)
      throw CaptureError("VERIFIER", std::string("the kernel refused to load the profiler programs or their maps (") +
                                         strerror(-err) +
                                         "); they need Linux 6.2+ with BTF. The last lines of libbpf's and the verifier's log:\n" +
                                         log.tail(kLogTailLines));
    fill_filters(options);
    attach_perf_events(options.samples_per_second);
    if (options.off_cpu_threshold > 0) {
      skeleton_->links.on_switch = bpf_program__attach(skeleton_->progs.on_switch);
      if (!skeleton_->links.on_switch)
        throw CaptureError("ATTACH", std::string("attaching to the sched_switch tracepoint failed (") + strerror(errno) +
                                         "): off-CPU profiling needs BTF-typed tracepoints (Linux 5.5+).\n" +
                                         log.tail(kLogTailLines));
    }
    ring_ = ring_buffer__new(bpf_map__fd(skeleton_->maps.samples), &Profiler::on_sample, this, nullptr);
    if (!ring_) throw CaptureError("RING", std::string("cannot map the ring buffer: ") + strerror(errno));
  } catch (...) {
    for (bpf_link *link : perf_links_) bpf_link__destroy(link);
    profiler__destroy(skeleton_);
    throw;
  }
}

Profiler::~Profiler() {
  detach();
  if (ring_) ring_buffer__free(ring_);
  profiler__destroy(skeleton_);
}

void Profiler::configure(const ProfilerOptions &options) {
  auto *rodata = skeleton_->rodata;
  rodata->send_idle = options.send_idle;
  rodata->off_cpu = options.off_cpu_threshold > 0;
  rodata->off_cpu_draw =
      options.off_cpu_threshold >= 1 ? 0xffffffffu : static_cast<uint32_t>(options.off_cpu_threshold * 4294967296.0);
  rodata->off_cpu_min_ns = options.off_cpu_min_ns;
  rodata->wakeup_threshold = options.ring_buffer_bytes / 2;
  rodata->filter_flags =
      (options.pid_allow.empty() ? 0 : PROFILER_PID_ALLOW) | (options.pid_deny.empty() ? 0 : PROFILER_PID_DENY) |
      (options.comm_allow.empty() ? 0 : PROFILER_COMM_ALLOW) | (options.comm_deny.empty() ? 0 : PROFILER_COMM_DENY) |
      (options.cgroup_allow.empty() ? 0 : PROFILER_CGROUP_ALLOW) | (options.cgroup_deny.empty() ? 0 : PROFILER_CGROUP_DENY);
  bpf_map__set_max_entries(skeleton_->maps.samples, options.ring_buffer_bytes);
  // the sched_switch program is loaded (the skeleton loads every program) but attached only
  // when off-CPU profiling is on
}

void Profiler::fill_filters(const ProfilerOptions &options) {
  auto comm_keys = [](const std::vector<std::string> &names) {
    std::vector<char> keys(names.size() * PROFILER_COMM_LEN, 0);
    for (size_t i = 0; i < names.size(); i++)
      memcpy(&keys[i * PROFILER_COMM_LEN], names[i].data(), std::min<size_t>(names[i].size(), PROFILER_COMM_LEN - 1));
    return keys;
  };
  auto &maps = skeleton_->maps;
  put_all(maps.pid_allow, options.pid_allow.data(), sizeof(uint32_t), options.pid_allow.size(), "pid allow");
  put_all(maps.pid_deny, options.pid_deny.data(), sizeof(uint32_t), options.pid_deny.size(), "pid deny");
  std::vector<char> comms = comm_keys(options.comm_allow);
  put_all(maps.comm_allow, comms.data(), PROFILER_COMM_LEN, options.comm_allow.size(), "comm allow");
  comms = comm_keys(options.comm_deny);
  put_all(maps.comm_deny, comms.data(), PROFILER_COMM_LEN, options.comm_deny.size(), "comm deny");
  put_all(maps.cgroup_allow, options.cgroup_allow.data(), sizeof(uint64_t), options.cgroup_allow.size(), "cgroup allow");
  put_all(maps.cgroup_deny, options.cgroup_deny.data(), sizeof(uint64_t), options.cgroup_deny.size(), "cgroup deny");
}

// One software cpu-clock event per CPU with a fixed period (nanoseconds of that CPU's time), so
// every sample stands for exactly 1/samples_per_second of a CPU.
void Profiler::attach_perf_events(uint32_t samples_per_second) {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) throw CaptureError("OPEN", "cannot count the possible CPUs");
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.sample_period = 1000000000ull / samples_per_second;
  for (int cpu = 0; cpu < cpus; cpu++) {
    int fd = static_cast<int>(syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
    if (fd < 0) {
      if (errno == ENODEV) continue;  // a possible CPU that is offline
      throw CaptureError("PERF_EVENT", std::string("perf_event_open(cpu-clock) on CPU ") + std::to_string(cpu) +
                                           " failed: " + strerror(errno) +
                                           " (perf events need CONFIG_PERF_EVENTS and, as non-root, "
                                           "kernel.perf_event_paranoid <= 0 or CAP_PERFMON)");
    }
    bpf_link *link = bpf_program__attach_perf_event(skeleton_->progs.on_cpu, fd);
    if (!link) {
      int err = errno;
      close(fd);
      throw CaptureError(
          "ATTACH", std::string("attaching the sampler to CPU ") + std::to_string(cpu) + "'s perf event failed: " + strerror(err));
    }
    // the link owns the perf event's descriptor now
    perf_links_.push_back(link);
  }
  if (perf_links_.empty()) throw CaptureError("PERF_EVENT", "no online CPU accepted a perf event");
}

int Profiler::on_sample(void *self, void *data, size_t size) {
  static_cast<Profiler *>(self)->on_record_(data, size);
  return 0;
}

int Profiler::ring_fd() const { return bpf_map__fd(skeleton_->maps.samples); }

int Profiler::drain() {
  int drained = ring_buffer__consume(ring_);
  skeleton_->bss->early_wakeup_sent = 0;
  return drained;
}

uint64_t Profiler::lost(uint32_t reason) const {
  int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> per_cpu(cpus > 0 ? cpus : 1, 0);
  if (bpf_map__lookup_elem(skeleton_->maps.lost, &reason, sizeof(reason), per_cpu.data(), per_cpu.size() * sizeof(uint64_t), 0) !=
      0)
    return 0;
  uint64_t total = 0;
  for (uint64_t n : per_cpu) total += n;
  return total;
}

uint64_t Profiler::lost_ring() const { return lost(0); }
uint64_t Profiler::lost_storage() const { return lost(1); }

Profiler::RunStats Profiler::runs_of(const struct bpf_program *program) {
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  RunStats out;
  if (bpf_obj_get_info_by_fd(bpf_program__fd(program), &info, &length) == 0) {
    out.runs = info.run_cnt;
    out.run_time_ns = info.run_time_ns;
  }
  return out;
}

Profiler::RunStats Profiler::on_cpu_runs() const { return runs_of(skeleton_->progs.on_cpu); }
Profiler::RunStats Profiler::on_switch_runs() const { return runs_of(skeleton_->progs.on_switch); }

// Perf event links release at once; the tracepoint link waits out an RCU grace period.
void Profiler::detach() {
  for (bpf_link *link : perf_links_) bpf_link__destroy(link);
  perf_links_.clear();
  if (skeleton_ && skeleton_->links.on_switch) {
    bpf_link__destroy(skeleton_->links.on_switch);
    skeleton_->links.on_switch = nullptr;
  }
}

}  // namespace flowtel
