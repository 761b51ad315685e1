// Why capture cannot start, in words an operator can act on.
#pragma once

#include <string>
#include <vector>

namespace flowtel {

// Empty when the process may load BPF programs and attach to tracepoints, else why not.
std::string missing_privileges();

// Empty when the kernel exposes its BTF (CO-RE needs it), else what to do.
std::string missing_btf();

// Mounts tracefs when no tracing directory is mounted (tracepoint ids live there). Empty on
// success, else what to do.
std::string ensure_tracefs();

// Collects what libbpf prints (the verifier's log among it) while alive, so an error can show
// its tail. libbpf's printer is process-wide: one collector at a time.
class LibbpfLog {
 public:
  LibbpfLog();
  ~LibbpfLog();
  LibbpfLog(const LibbpfLog &) = delete;
  LibbpfLog &operator=(const LibbpfLog &) = delete;
  // The last `lines` lines collected.
  std::string tail(size_t lines) const;
  // Takes one message from libbpf, split into lines.
  void append(const std::string &text);

 private:
  std::vector<std::string> lines_;
};

}  // namespace flowtel
