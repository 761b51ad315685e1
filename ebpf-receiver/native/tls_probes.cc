#include "tls_probes.h"

#include <dirent.h>
#include <sys/stat.h>

#include <bpf/libbpf.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "socket_trace.skel.h"

namespace flowtel {

namespace {

// Where distributions put libssl: attached at start even when no process maps it yet, so the
// first curl or Python started afterwards is covered.
const char *const kLibraryDirs[] = {"/usr/lib/x86_64-linux-gnu",
                                    "/lib/x86_64-linux-gnu",
                                    "/usr/lib/aarch64-linux-gnu",
                                    "/lib/aarch64-linux-gnu",
                                    "/usr/lib64",
                                    "/lib64",
                                    "/usr/lib",
                                    "/lib",
                                    "/usr/local/lib"};

bool is_libssl(const std::string &path) {
  size_t slash = path.rfind('/');
  return path.compare(slash == std::string::npos ? 0 : slash + 1, 9, "libssl.so") == 0;
}

bool numeric(const char *name) {
  for (const char *c = name; *c; c++)
    if (*c < '0' || *c > '9') return false;
  return *name != 0;
}

}  // namespace

TlsProbes::TlsProbes(socket_trace *skeleton, std::vector<std::string> extra_paths)
    : skeleton_(skeleton), extra_paths_(std::move(extra_paths)) {}

TlsProbes::~TlsProbes() { detach(); }

std::vector<std::string> TlsProbes::candidates() const {
  std::vector<std::string> out(extra_paths_);
  // node (flowtel's own executable) links OpenSSL statically: other Node.js processes use it too
  out.push_back("/proc/self/exe");
  for (const char *dir : kLibraryDirs) {
    DIR *d = opendir(dir);
    if (!d) continue;
    while (dirent *entry = readdir(d))
      if (is_libssl(entry->d_name)) out.push_back(std::string(dir) + "/" + entry->d_name);
    closedir(d);
  }
  DIR *proc = opendir("/proc");
  if (!proc) return out;
  while (dirent *entry = readdir(proc)) {
    if (!numeric(entry->d_name)) continue;
    std::string pid_dir = std::string("/proc/") + entry->d_name;
    // the executable, for OpenSSL linked in statically
    out.push_back(pid_dir + "/exe");
    std::ifstream maps(pid_dir + "/maps");
    std::string line;
    while (std::getline(maps, line)) {
      size_t path = line.find('/');
      if (path == std::string::npos || line.find("r-xp") == std::string::npos) continue;
      std::string file = line.substr(path);
      // through the process's root: the path means that inside its mount namespace
      if (is_libssl(file)) out.push_back(pid_dir + "/root" + file);
    }
  }
  closedir(proc);
  return out;
}

size_t TlsProbes::scan() {
  size_t attached = 0;
  for (const std::string &candidate : candidates()) {
    // the file itself, not the /proc link to it: the name says which OpenSSL was attached
    char *real = realpath(candidate.c_str(), nullptr);
    std::string path = real ? real : candidate;
    free(real);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!seen_.insert({st.st_dev, st.st_ino}).second) continue;
    }
    if (attach(path)) attached++;
  }
  return attached;
}

// SSL_read first: a file without it is no OpenSSL, and nothing else is tried there. The _ex
// calls are OpenSSL 1.1.1+, the rest every version.
bool TlsProbes::attach(const std::string &path) {
  struct Probe {
    const char *function;
    bpf_program *program;
    bool retprobe;
  };
  auto &p = skeleton_->progs;
  const Probe probes[] = {
      {"SSL_read", p.tls_read_enter, false},          {"SSL_read", p.tls_data_exit, true},
      {"SSL_write", p.tls_write_enter, false},        {"SSL_write", p.tls_data_exit, true},
      {"SSL_read_ex", p.tls_read_ex_enter, false},    {"SSL_read_ex", p.tls_data_exit, true},
      {"SSL_write_ex", p.tls_write_ex_enter, false},  {"SSL_write_ex", p.tls_data_exit, true},
      {"SSL_do_handshake", p.tls_state_enter, false}, {"SSL_do_handshake", p.tls_state_exit, true},
      {"SSL_shutdown", p.tls_state_enter, false},     {"SSL_shutdown", p.tls_state_exit, true},
  };
  std::vector<bpf_link *> links;
  for (const Probe &probe : probes) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = probe.retprobe, .func_name = probe.function);
    bpf_link *link = bpf_program__attach_uprobe_opts(probe.program, -1, path.c_str(), 0, &opts);
    if (!link) {
      // without SSL_read or SSL_write there is nothing to read
      if (links.size() < 4) {
        for (bpf_link *l : links) bpf_link__destroy(l);
        return false;
      }
      continue;
    }
    links.push_back(link);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  links_.insert(links_.end(), links.begin(), links.end());
  attached_.push_back(path);
  return true;
}

std::vector<std::string> TlsProbes::attached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return attached_;
}

void TlsProbes::detach() {
  std::vector<bpf_link *> links;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    links.swap(links_);
  }
  std::vector<std::thread> releases;
  for (bpf_link *link : links) releases.emplace_back([link] { bpf_link__destroy(link); });
  for (std::thread &release : releases) release.join();
}

}  // namespace flowtel
