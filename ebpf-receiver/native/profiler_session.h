// The JS face of the profiler: `new ProfilerSession(options, onReport)` loads and attaches the
// programs and starts a thread that drains the ring buffer every poll interval, aggregates the
// samples per (pid, tid, kind, stack) and hands the aggregate to `onReport` on the JS thread
// once per report interval (and once more at stop).
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "profile_sampler.h"

namespace flowtel {

// One report: aggregated records back to back (struct profile_record then its frames) and the
// wall-clock interval they cover.
struct ProfileReport {
  std::vector<uint8_t> bytes;
  uint32_t count = 0;
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  uint64_t samples = 0;
};

class ProfilerSession;
void deliver_report(Napi::Env env, Napi::Function on_report, ProfilerSession *session, ProfileReport *report);
using ReportChannel = Napi::TypedThreadSafeFunction<ProfilerSession, ProfileReport, deliver_report>;

class ProfilerSession : public Napi::ObjectWrap<ProfilerSession> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ProfilerSession(const Napi::CallbackInfo &info);
  ~ProfilerSession() override;

 private:
  struct Totals {
    uint64_t count = 0;
    uint64_t total_ns = 0;
  };

  Napi::Value Stop(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);
  void Poll();
  void Add(const void *record, size_t size);
  void Report();
  void WakePoller();
  static void OnChannelClosed(Napi::Env env, void *, ProfilerSession *self);

  std::unique_ptr<Profiler> profiler_;
  // key: the record's identity (struct profile_record without its totals, then the frames)
  std::unordered_map<std::string, Totals> aggregate_;
  uint64_t interval_start_ns_ = 0;
  uint64_t pending_samples_ = 0;
  ReportChannel channel_;
  std::thread poller_;
  int wake_fd_ = -1;
  int epoll_fd_ = -1;
  uint32_t report_interval_ms_ = 5000;
  uint32_t poll_interval_ms_ = 100;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> channel_closed_{false};
  std::atomic<uint64_t> samples_{0};
  std::atomic<uint64_t> lost_{0};
  std::atomic<uint64_t> reports_{0};
  std::optional<Napi::Promise::Deferred> stopped_;
};

}  // namespace flowtel
