#include "diagnostics.h"

#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace flowtel {

namespace {

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool has_capability(int capability) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[capability / 32].effective >> (capability % 32)) & 1;
}

bool is_directory(const char *path) {
  struct stat st {};
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

std::mutex log_mutex;
LibbpfLog *active_log = nullptr;

// The verifier's log comes as one message of up to megabytes: format it whole.
int collect(enum libbpf_print_level, const char *format, va_list args) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (!active_log) return 0;
  va_list measure;
  va_copy(measure, args);
  int length = vsnprintf(nullptr, 0, format, measure);
  va_end(measure);
  if (length <= 0) return 0;
  std::string text(static_cast<size_t>(length) + 1, '\0');
  vsnprintf(text.data(), text.size(), format, args);
  text.resize(static_cast<size_t>(length));
  active_log->append(text);
  return 0;
}

}  // namespace

std::string missing_privileges() {
  if (geteuid() == 0) return "";
  bool modern = has_capability(CAP_BPF) && has_capability(CAP_PERFMON);
  if (modern || has_capability(CAP_SYS_ADMIN)) return "";
  return "flowtel is not running as root: eBPF capture needs root (or the CAP_BPF, CAP_PERFMON and "
         "CAP_SYS_ADMIN capabilities). Run flowtel as root, e.g. `sudo npm start`, or remove the ebpf "
         "receiver from the pipelines.";
}

std::string missing_btf() {
  struct stat st {};
  if (stat("/sys/kernel/btf/vmlinux", &st) == 0) return "";
  return "this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): the capture programs use "
         "CO-RE and need a kernel built with CONFIG_DEBUG_INFO_BTF=y (standard on Debian 11+, Ubuntu "
         "20.10+, RHEL 8.2+). Use such a kernel, or capture with the pcap receiver instead.";
}

std::string ensure_tracefs() {
  if (is_directory("/sys/kernel/tracing/events") || is_directory("/sys/kernel/debug/tracing/events")) return "";
  if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0) return "";
  return std::string("tracefs is not mounted and mounting it failed (") + strerror(errno) +
         "): syscall tracepoints are found there. Mount it with `mount -t tracefs nodev /sys/kernel/tracing`.";
}

LibbpfLog::LibbpfLog() {
  std::lock_guard<std::mutex> lock(log_mutex);
  active_log = this;
  libbpf_set_print(collect);
}

LibbpfLog::~LibbpfLog() {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (active_log == this) active_log = nullptr;
}

// Called with log_mutex held.
void LibbpfLog::append(const std::string &text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) lines_.push_back(line);
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

std::string LibbpfLog::tail(size_t lines) const {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::string out;
  size_t first = lines_.size() > lines ? lines_.size() - lines : 0;
  for (size_t i = first; i < lines_.size(); i++) out += lines_[i] + "\n";
  return out;
}

}  // namespace flowtel
