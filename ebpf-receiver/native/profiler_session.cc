#include "profiler_session.h"

#include <linux/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "profiler.h"
#include "profile_sampler.h"
#include "js_options.h"

namespace flowtel {

namespace {

uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// the identity part of a record: everything after count and total_ns
const size_t kIdentityOffset = offsetof(struct profile_record, cgroup_id);

}  // namespace

void deliver_report(Napi::Env env, Napi::Function on_report, ProfilerSession *, ProfileReport *report) {
  if (env == nullptr) {
    delete report;
    return;
  }
  Napi::Value count = Napi::Number::New(env, report->count);
  Napi::Value start = Napi::BigInt::New(env, report->start_ns);
  Napi::Value end = Napi::BigInt::New(env, report->end_ns);
  // an empty vector has no storage, and V8 would take a null external buffer for a detached one
  Napi::ArrayBuffer buffer = report->bytes.empty() ? Napi::ArrayBuffer::New(env, 0)
                                                   : Napi::ArrayBuffer::New(
                                                         env, report->bytes.data(), report->bytes.size(),
                                                         [](Napi::Env, void *, ProfileReport *owner) { delete owner; }, report);
  if (report->bytes.empty()) delete report;
  on_report.Call({buffer, count, start, end});
}

Napi::Function ProfilerSession::Define(Napi::Env env) {
  return DefineClass(env, "ProfilerSession",
                     {InstanceMethod<&ProfilerSession::Stop>("stop"), InstanceMethod<&ProfilerSession::Stats>("stats")});
}

ProfilerSession::ProfilerSession(const Napi::CallbackInfo &info) : Napi::ObjectWrap<ProfilerSession>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction())
    throw Napi::TypeError::New(env, "new ProfilerSession(options, onReport): options object and callback expected");
  Napi::Object options = info[0].As<Napi::Object>();
  ProfilerOptions profiler_options = profiler_options_from(options);
  report_interval_ms_ = report_interval_ms_from(options);
  poll_interval_ms_ = std::min<uint32_t>(100, report_interval_ms_);

  try {
    profiler_ = std::make_unique<Profiler>(profiler_options, [this](const void *record, size_t size) { Add(record, size); });
  } catch (const CaptureError &err) {
    Napi::Error error = Napi::Error::New(env, err.what());
    error.Set("code", Napi::String::New(env, err.code));
    throw error;
  }

  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ring_ready{EPOLLIN | EPOLLET, {.fd = profiler_->ring_fd()}};
  epoll_event wake{EPOLLIN, {.fd = wake_fd_}};
  if (wake_fd_ < 0 || epoll_fd_ < 0 || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, profiler_->ring_fd(), &ring_ready) != 0 ||
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0) {
    profiler_.reset();
    if (wake_fd_ >= 0) close(wake_fd_);
    if (epoll_fd_ >= 0) close(epoll_fd_);
    throw Napi::Error::New(env, "cannot set up the poll thread's wait (eventfd/epoll)");
  }
  channel_ = ReportChannel::New(env, info[1].As<Napi::Function>(), "flowtel ebpf profiler", 0, 1, this,
                                &ProfilerSession::OnChannelClosed, static_cast<void *>(nullptr));
  interval_start_ns_ = clock_ns(CLOCK_REALTIME);
  Ref();
  poller_ = std::thread(&ProfilerSession::Poll, this);
}

ProfilerSession::~ProfilerSession() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

// Aggregation costs a hash of the record's identity and frames (at most 2 KiB) per sample: at
// 20 samples/s per CPU that is nothing; off-CPU intervals are bounded by off_cpu_min_duration
// and off_cpu_threshold.
void ProfilerSession::Add(const void *data, size_t size) {
  if (size < sizeof(struct profile_sample)) return;
  const auto *s = static_cast<const struct profile_sample *>(data);
  unsigned user = std::min<unsigned>(s->user_depth, PROFILER_MAX_DEPTH);
  unsigned kernel = std::min<unsigned>(s->kernel_depth, PROFILER_MAX_DEPTH);
  profile_record head{};
  head.cgroup_id = s->cgroup_id;
  head.pid = s->pid;
  head.tid = s->tid;
  head.user_depth = static_cast<__u16>(user);
  head.kernel_depth = static_cast<__u16>(kernel);
  head.kind = s->kind;
  memcpy(head.comm, s->comm, PROFILER_COMM_LEN);
  std::string key(sizeof(head) - kIdentityOffset + (user + kernel) * sizeof(uint64_t), '\0');
  memcpy(key.data(), reinterpret_cast<const char *>(&head) + kIdentityOffset, sizeof(head) - kIdentityOffset);
  char *frames = key.data() + sizeof(head) - kIdentityOffset;
  memcpy(frames, s->user, user * sizeof(uint64_t));
  memcpy(frames + user * sizeof(uint64_t), s->kernel, kernel * sizeof(uint64_t));
  Totals &totals = aggregate_[key];
  totals.count += 1;
  totals.total_ns += s->value_ns;
  pending_samples_ += 1;
  samples_ += 1;
}

void ProfilerSession::Report() {
  auto *report = new ProfileReport();
  report->start_ns = interval_start_ns_;
  report->end_ns = clock_ns(CLOCK_REALTIME);
  report->samples = pending_samples_;
  interval_start_ns_ = report->end_ns;
  pending_samples_ = 0;
  size_t total = 0;
  for (const auto &[key, totals] : aggregate_) total += kIdentityOffset + key.size();
  report->bytes.resize(total);
  uint8_t *at = report->bytes.data();
  for (const auto &[key, totals] : aggregate_) {
    memcpy(at, &totals.count, sizeof(uint64_t));
    memcpy(at + sizeof(uint64_t), &totals.total_ns, sizeof(uint64_t));
    memcpy(at + kIdentityOffset, key.data(), key.size());
    at += kIdentityOffset + key.size();
  }
  report->count = static_cast<uint32_t>(aggregate_.size());
  aggregate_.clear();
  if (channel_closed_ || channel_.BlockingCall(report) != napi_ok) {
    channel_closed_ = true;
    delete report;
    return;
  }
  reports_ += 1;
}

void ProfilerSession::Poll() {
  epoll_event ready[2];
  uint64_t next_report = clock_ns(CLOCK_MONOTONIC) + uint64_t{report_interval_ms_} * 1000000;
  for (;;) {
    bool last_round = stopping_.load();
    if (last_round) profiler_->detach();
    profiler_->drain();
    lost_ = profiler_->lost_ring() + profiler_->lost_storage();
    uint64_t now = clock_ns(CLOCK_MONOTONIC);
    if (last_round || now >= next_report) {
      Report();
      next_report = now + uint64_t{report_interval_ms_} * 1000000;
    }
    if (last_round || channel_closed_) break;
    epoll_wait(epoll_fd_, ready, 2, static_cast<int>(poll_interval_ms_));
    uint64_t signals;
    [[maybe_unused]] ssize_t ignored = read(wake_fd_, &signals, sizeof(signals));
  }
  channel_.Release();
}

void ProfilerSession::WakePoller() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = write(wake_fd_, &one, sizeof(one));
}

Napi::Value ProfilerSession::Stop(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!stopped_) {
    stopped_.emplace(Napi::Promise::Deferred::New(env));
    stopping_ = true;
    WakePoller();
  }
  return stopped_->Promise();
}

void ProfilerSession::OnChannelClosed(Napi::Env env, void *, ProfilerSession *self) {
  self->stopping_ = true;
  self->WakePoller();
  if (self->poller_.joinable()) self->poller_.join();
  self->profiler_.reset();
  if (self->stopped_) self->stopped_->Resolve(env.Undefined());
  self->Unref();
}

Napi::Value ProfilerSession::Stats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("samples", Napi::Number::New(env, static_cast<double>(samples_.load())));
  stats.Set("lost", Napi::Number::New(env, static_cast<double>(lost_.load())));
  stats.Set("reports", Napi::Number::New(env, static_cast<double>(reports_.load())));
  stats.Set("cpus", Napi::Number::New(env, profiler_ ? static_cast<double>(profiler_->cpus()) : 0));
  // the programs' runs and run time, counted while kernel.bpf_stats_enabled is 1
  if (profiler_) {
    auto runs = [&](const char *name, Profiler::RunStats r) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("runs", Napi::Number::New(env, static_cast<double>(r.runs)));
      o.Set("runTimeNs", Napi::Number::New(env, static_cast<double>(r.run_time_ns)));
      stats.Set(name, o);
    };
    runs("onCpu", profiler_->on_cpu_runs());
    runs("onSwitch", profiler_->on_switch_runs());
  }
  return stats;
}

}  // namespace flowtel
