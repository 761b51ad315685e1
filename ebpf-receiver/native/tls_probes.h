// Where the TLS uprobes (bpf/tls_trace.bpf.c) go: every OpenSSL the host runs, as a shared
// libssl or linked into an executable (node). Each file is attached once with pid -1, which
// covers every process that maps it, including processes started later.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

struct socket_trace;
struct bpf_link;

namespace flowtel {

class TlsProbes {
 public:
  // `extra_paths`: files to attach besides the ones found (a libssl in an unusual place).
  TlsProbes(socket_trace *skeleton, std::vector<std::string> extra_paths);
  ~TlsProbes();
  TlsProbes(const TlsProbes &) = delete;
  TlsProbes &operator=(const TlsProbes &) = delete;

  // Looks for OpenSSL in the running processes' executables and libraries (/proc/*/maps) and
  // attaches to the files not seen before; returns how many were attached.
  size_t scan();
  // The files attached (as found: /proc/<pid>/root/... for another mount namespace).
  std::vector<std::string> attached() const;
  // Releases the links (each release waits out an RCU grace period: done together).
  void detach();

 private:
  bool attach(const std::string &path);
  std::vector<std::string> candidates() const;

  socket_trace *skeleton_;
  const std::vector<std::string> extra_paths_;
  mutable std::mutex mutex_;
  // (device, inode) of every file looked at, OpenSSL or not
  std::set<std::pair<dev_t, ino_t>> seen_;
  std::vector<std::string> attached_;
  std::vector<bpf_link *> links_;
};

}  // namespace flowtel
