#include "capture.h"

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "bpf_maps.h"
#include "diagnostics.h"
#include "socket_trace.h"
#include "socket_trace.skel.h"
#include "tls_probes.h"

namespace flowtel {

namespace {

const size_t kLogTailLines = 30;

}  // namespace

Capture::Capture(const CaptureOptions &options, RecordHandler on_record) : on_record_(std::move(on_record)) {
  if (std::string why = missing_privileges(); !why.empty()) throw CaptureError("NOT_PERMITTED", why);
  if (std::string why = missing_btf(); !why.empty()) throw CaptureError("NO_BTF", why);
  if (std::string why = ensure_tracefs(); !why.empty()) throw CaptureError("NO_TRACEFS", why);
  if (!is_power_of_two(options.ring_buffer_bytes) || options.ring_buffer_bytes < 4096)
    throw CaptureError("BAD_OPTION", "the ring buffer size must be a power of two of at least 4096 bytes");

  LibbpfLog log;
  skeleton_ = socket_trace__open();
  if (!skeleton_) throw CaptureError("OPEN", "libbpf could not open the capture programs:\n" + log.tail(kLogTailLines));
  try {
    configure(options);
    if (int err = load_without_profiler_signals(); err != 0)
      throw CaptureError("VERIFIER", std::string("the kernel refused to load the capture programs or their maps (") +
                                         strerror(-err) +
                                         "); they need Linux 6.2+ with BTF. The last lines of libbpf's and the verifier's log:\n" +
                                         log.tail(kLogTailLines));
    fill_filters(options);
    if (int err = socket_trace__attach(skeleton_); err != 0)
      throw CaptureError("ATTACH", std::string("attaching to the syscall tracepoints failed (") + strerror(-err) +
                                       "): the kernel needs CONFIG_FTRACE_SYSCALLS.\n" + log.tail(kLogTailLines));
    ring_ = ring_buffer__new(bpf_map__fd(skeleton_->maps.events), &Capture::on_sample, this, nullptr);
    if (!ring_) throw CaptureError("RING", std::string("cannot map the ring buffer: ") + strerror(errno));
    if (options.tls) {
      tls_ = std::make_unique<TlsProbes>(skeleton_, options.tls_paths);
      tls_->scan();
    }
  } catch (...) {
    tls_.reset();
    if (ring_) ring_buffer__free(ring_);
    socket_trace__destroy(skeleton_);
    throw;
  }
}

Capture::~Capture() {
  tls_.reset();
  if (ring_) ring_buffer__free(ring_);
  socket_trace__destroy(skeleton_);
}

// The verifier gives up (EAGAIN) when a signal is pending, and V8's CPU profiler (--cpu-prof)
// signals the JS thread every millisecond: hold SIGPROF back while the programs load.
int Capture::load_without_profiler_signals() {
  sigset_t profiler, previous;
  sigemptyset(&profiler);
  sigaddset(&profiler, SIGPROF);
  pthread_sigmask(SIG_BLOCK, &profiler, &previous);
  int err = socket_trace__load(skeleton_);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return err;
}

void Capture::configure(const CaptureOptions &options) {
  auto *rodata = skeleton_->rodata;
  rodata->self_pid = options.self_pid;
  rodata->payload_limit = options.payload_limit;
  // Half full: early enough that a burst between two polls does not overflow the ring.
  rodata->wakeup_threshold = options.ring_buffer_bytes / 2;
  rodata->tls_enabled = options.tls;
  rodata->tcp_metrics_enabled = options.tcp;
  rodata->filter_flags = (options.pid_allow.empty() ? 0 : FILTER_PID_ALLOW) | (options.pid_deny.empty() ? 0 : FILTER_PID_DENY) |
                         (options.comm_allow.empty() ? 0 : FILTER_COMM_ALLOW) | (options.comm_deny.empty() ? 0 : FILTER_COMM_DENY) |
                         (options.port_allow.empty() ? 0 : FILTER_PORT_ALLOW) | (options.port_deny.empty() ? 0 : FILTER_PORT_DENY);
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) throw CaptureError("OPEN", "cannot count the possible CPUs");
  bpf_map__set_max_entries(skeleton_->maps.event_buffers, cpus);
  bpf_map__set_max_entries(skeleton_->maps.events, options.ring_buffer_bytes);
  if (!options.tls)
    for (bpf_program *tls : {skeleton_->progs.tls_read_enter, skeleton_->progs.tls_write_enter, skeleton_->progs.tls_read_ex_enter,
                             skeleton_->progs.tls_write_ex_enter, skeleton_->progs.tls_state_enter, skeleton_->progs.tls_data_exit,
                             skeleton_->progs.tls_state_exit})
      bpf_program__set_autoload(tls, false);
  for (bpf_program *tcp : {skeleton_->progs.tcp_retransmit, skeleton_->progs.tcp_reset_sent, skeleton_->progs.tcp_reset_received,
                           skeleton_->progs.tcp_destroyed})
    bpf_program__set_autoload(tcp, options.tcp);
  bpf_program__set_autoload(skeleton_->progs.tcp_window, options.tcp && options.tcp_zero_window);
}

void Capture::fill_filters(const CaptureOptions &options) {
  auto comm_keys = [](const std::vector<std::string> &names) {
    std::vector<char> keys(names.size() * SOCKET_TRACE_COMM_LEN, 0);
    for (size_t i = 0; i < names.size(); i++)
      memcpy(&keys[i * SOCKET_TRACE_COMM_LEN], names[i].data(), std::min<size_t>(names[i].size(), SOCKET_TRACE_COMM_LEN - 1));
    return keys;
  };
  auto &maps = skeleton_->maps;
  put_all(maps.pid_allow, options.pid_allow.data(), sizeof(uint32_t), options.pid_allow.size(), "pid allow");
  put_all(maps.pid_deny, options.pid_deny.data(), sizeof(uint32_t), options.pid_deny.size(), "pid deny");
  std::vector<char> comms = comm_keys(options.comm_allow);
  put_all(maps.comm_allow, comms.data(), SOCKET_TRACE_COMM_LEN, options.comm_allow.size(), "comm allow");
  comms = comm_keys(options.comm_deny);
  put_all(maps.comm_deny, comms.data(), SOCKET_TRACE_COMM_LEN, options.comm_deny.size(), "comm deny");
  put_all(maps.port_allow, options.port_allow.data(), sizeof(uint16_t), options.port_allow.size(), "port allow");
  put_all(maps.port_deny, options.port_deny.data(), sizeof(uint16_t), options.port_deny.size(), "port deny");
}

int Capture::on_sample(void *self, void *data, size_t size) {
  static_cast<Capture *>(self)->on_record_(data, size);
  return 0;
}

int Capture::ring_fd() const { return bpf_map__fd(skeleton_->maps.events); }

int Capture::drain() {
  int drained = ring_buffer__consume(ring_);
  skeleton_->bss->early_wakeup_sent = 0;
  return drained;
}

uint64_t Capture::per_cpu_sum(bpf_map *map) const {
  int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> per_cpu(cpus > 0 ? cpus : 1, 0);
  const uint32_t zero = 0;
  if (bpf_map__lookup_elem(map, &zero, sizeof(zero), per_cpu.data(), per_cpu.size() * sizeof(uint64_t), 0) != 0) return 0;
  uint64_t total = 0;
  for (uint64_t n : per_cpu) total += n;
  return total;
}

uint64_t Capture::lost() const { return per_cpu_sum(skeleton_->maps.lost_events); }

uint64_t Capture::tls_unbound() const { return per_cpu_sum(skeleton_->maps.tls_unbound); }

std::vector<std::string> Capture::tls_targets() const { return tls_ ? tls_->attached() : std::vector<std::string>{}; }

void Capture::rescan_tls() {
  if (tls_) tls_->scan();
}

// Releasing a tracepoint link waits out an RCU grace period in the kernel (~70 ms here). One
// after another the ~26 links kept stop() on the JS thread for ~1.8 s; released together they
// wait out the same grace periods.
void Capture::detach() {
  const bpf_object_skeleton *s = skeleton_->skeleton;
  std::vector<std::thread> releases;
  for (int i = 0; i < s->prog_cnt; i++) {
    auto *prog = reinterpret_cast<const bpf_prog_skeleton *>(reinterpret_cast<const char *>(s->progs) + i * s->prog_skel_sz);
    bpf_link **link = prog->link;
    if (*link == nullptr) continue;
    releases.emplace_back([link] {
      bpf_link__destroy(*link);
      *link = nullptr;
    });
  }
  if (tls_) releases.emplace_back([this] { tls_->detach(); });
  for (std::thread &release : releases) release.join();
}

}  // namespace flowtel
