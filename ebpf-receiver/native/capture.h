// The kernel side of one capture session: open, configure, load and attach the socket_trace
// programs, read their ring buffer, detach. No Node-API here: the addon and tests of the C++
// side build on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct socket_trace;
struct ring_buffer;
struct bpf_map;

namespace flowtel {

class TlsProbes;

struct CaptureOptions {
  uint32_t self_pid = 0;
  uint32_t payload_limit = 1024;
  uint32_t ring_buffer_bytes = 16u << 20;
  std::vector<uint32_t> pid_allow, pid_deny;
  std::vector<std::string> comm_allow, comm_deny;
  std::vector<uint16_t> port_allow, port_deny;
  // TLS plaintext from uprobes on OpenSSL (tls_probes.h), with these files besides the ones found
  bool tls = false;
  std::vector<std::string> tls_paths;
  // TCP metrics from the tcp tracepoints (tcp_metrics.bpf.c); zero windows need tcp:tcp_probe,
  // which runs for every received segment
  bool tcp = false;
  bool tcp_zero_window = false;
};

// Why a capture could not start. `code` is stable for programs, the message is for people.
class CaptureError : public std::runtime_error {
 public:
  CaptureError(std::string code, const std::string &message) : std::runtime_error(message), code(std::move(code)) {}
  const std::string code;
};

class Capture {
 public:
  using RecordHandler = std::function<void(const void *record, size_t size)>;

  // Loads and attaches; throws CaptureError saying what is wrong and what to do.
  Capture(const CaptureOptions &options, RecordHandler on_record);
  ~Capture();
  Capture(const Capture &) = delete;
  Capture &operator=(const Capture &) = delete;

  // The ring buffer's descriptor, for waiting on early wake-ups.
  int ring_fd() const;
  // Hands every record the ring holds to the handler; returns how many.
  int drain();
  // Ring buffer reservations the kernel programs could not make (events lost).
  uint64_t lost() const;
  // TLS plaintext not reported because its socket could not be told.
  uint64_t tls_unbound() const;
  // The files the TLS uprobes are attached to (empty without TLS).
  std::vector<std::string> tls_targets() const;
  // Attaches the TLS uprobes to OpenSSL files that appeared since the last look.
  void rescan_tls();
  // Stops new events; what the ring already holds can still be drained.
  void detach();

 private:
  void configure(const CaptureOptions &options);
  int load_without_profiler_signals();
  void fill_filters(const CaptureOptions &options);
  static int on_sample(void *self, void *data, size_t size);
  uint64_t per_cpu_sum(bpf_map *map) const;

  socket_trace *skeleton_ = nullptr;
  ring_buffer *ring_ = nullptr;
  std::unique_ptr<TlsProbes> tls_;
  RecordHandler on_record_;
};

}  // namespace flowtel
