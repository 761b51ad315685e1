#include "socket_capture.h"

#include <sys/epoll.h>

#include <chrono>
#include <sys/eventfd.h>
#include <unistd.h>

#include "js_options.h"

namespace flowtel {

namespace {

// Bytes of batches waiting for the JS thread; beyond this the poller stops draining, the ring
// fills and the kernel side counts what it cannot store, so backpressure ends in the
// lost-events counter. This queue, not the ring, absorbs the JS thread's pauses (a GC, a large
// batch encoded for the store): its memory is taken only while the JS thread lags, where the
// ring's is resident from start to stop. DeepFlow's agent splits it the same way (a perf
// buffer of 128 pages per CPU, a user-space ring of 65,536 entries).
const size_t kMaxQueuedBytes = size_t{64} << 20;

Napi::Error capture_error(Napi::Env env, const CaptureError &err) {
  Napi::Error error = Napi::Error::New(env, err.what());
  error.Set("code", Napi::String::New(env, err.code));
  return error;
}

}  // namespace

void deliver_batch(Napi::Env env, Napi::Function on_batch, SocketCapture *capture, EventBatch *batch) {
  if (env == nullptr) {
    capture->Delivered(batch->bytes.size());
    delete batch;
    return;
  }
  size_t length = batch->bytes.size();
  void *data = batch->bytes.data();
  capture->Delivered(length);
  // V8 accounts an external backing store's size itself: no AdjustExternalMemory on top, which
  // would count it twice and force extra full collections.
  auto buffer = Napi::ArrayBuffer::New(
      env, data, length, [](Napi::Env, void *, EventBatch *owner) { delete owner; }, batch);
  on_batch.Call({buffer, Napi::Number::New(env, batch->count)});
}

Napi::Function SocketCapture::Define(Napi::Env env) {
  return DefineClass(env, "SocketCapture",
                     {InstanceMethod<&SocketCapture::Stop>("stop"), InstanceMethod<&SocketCapture::Stats>("stats"),
                      InstanceMethod<&SocketCapture::TlsTargets>("tlsTargets")});
}

SocketCapture::SocketCapture(const Napi::CallbackInfo &info) : Napi::ObjectWrap<SocketCapture>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction())
    throw Napi::TypeError::New(env, "new SocketCapture(options, onBatch): options object and callback expected");
  Napi::Object options = info[0].As<Napi::Object>();
  PollOptions poll = poll_options_from(options);
  batch_size_ = poll.batch_size;
  poll_interval_ms_ = poll.poll_interval_ms;
  tls_rescan_ms_ = poll.tls_rescan_ms;
  batch_ = std::make_unique<EventBatch>();

  try {
    capture_ = std::make_unique<Capture>(capture_options_from(options), [this](const void *record, size_t size) {
      batch_->append(record, size);
      if (batch_->count >= batch_size_) Flush();
    });
  } catch (const CaptureError &err) {
    throw capture_error(env, err);
  }

  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  // Edge-triggered: the ring's descriptor reports readable as long as it holds data, but only
  // the kernel side's deliberate wake-ups (ring half full) should end a poll interval early.
  epoll_event ring_ready{EPOLLIN | EPOLLET, {.fd = capture_->ring_fd()}};
  epoll_event wake{EPOLLIN, {.fd = wake_fd_}};
  if (wake_fd_ < 0 || epoll_fd_ < 0 || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, capture_->ring_fd(), &ring_ready) != 0 ||
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0) {
    capture_.reset();
    // a throwing constructor gets no destructor call
    if (wake_fd_ >= 0) close(wake_fd_);
    if (epoll_fd_ >= 0) close(epoll_fd_);
    throw Napi::Error::New(env, "cannot set up the poll thread's wait (eventfd/epoll)");
  }

  channel_ = BatchChannel::New(env, info[1].As<Napi::Function>(), "flowtel ebpf capture", 0, 1, this,
                               &SocketCapture::OnChannelClosed, static_cast<void *>(nullptr));
  // Like a listening server, a running capture keeps the process alive, and it is not collected
  // while it runs: stop() ends both.
  Ref();
  poller_ = std::thread(&SocketCapture::Poll, this);
}

SocketCapture::~SocketCapture() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void SocketCapture::Poll() {
  epoll_event ready[2];
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_rescan = Clock::now() + std::chrono::milliseconds(tls_rescan_ms_);
  for (;;) {
    bool last_round = stopping_.load();
    // Detached here, off the JS thread (releasing the links takes about a second), and before
    // the last drain, so that drain sees every event there will be.
    if (last_round) capture_->detach();
    // the last round drains the ring whatever the queue holds: nothing else will
    if (last_round || queued_bytes_.load() < kMaxQueuedBytes) {
      capture_->drain();
      Flush();
    }
    lost_ = capture_->lost();
    tls_unbound_ = capture_->tls_unbound();
    if (last_round || channel_closed_) break;
    // OpenSSL files that processes started since the last look brought (a few ms of /proc reads)
    if (tls_rescan_ms_ > 0 && Clock::now() >= next_rescan) {
      capture_->rescan_tls();
      next_rescan = Clock::now() + std::chrono::milliseconds(tls_rescan_ms_);
    }
    epoll_wait(epoll_fd_, ready, 2, static_cast<int>(poll_interval_ms_));
    // Reset the stop signal so the next wait sleeps; stopping_ says what it meant.
    uint64_t signals;
    [[maybe_unused]] ssize_t ignored = read(wake_fd_, &signals, sizeof(signals));
  }
  channel_.Release();
}

void SocketCapture::Flush() {
  if (batch_->count == 0 || channel_closed_) {
    batch_->bytes.clear();
    batch_->count = 0;
    return;
  }
  uint32_t count = batch_->count;
  size_t bytes = batch_->bytes.size();
  EventBatch *full = batch_.release();
  batch_ = std::make_unique<EventBatch>();
  batch_->bytes.reserve(full->bytes.capacity());
  queued_bytes_ += bytes;
  napi_status status = channel_.BlockingCall(full);
  if (status == napi_ok) {
    delivered_ += count;
  } else {
    queued_bytes_ -= bytes;
    delete full;
    channel_closed_ = true;
  }
}

void SocketCapture::WakePoller() {
  uint64_t one = 1;
  // Fails only when the counter is full, that is when a wake-up is pending already.
  [[maybe_unused]] ssize_t ignored = write(wake_fd_, &one, sizeof(one));
}

Napi::Value SocketCapture::Stop(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!stopped_) {
    stopped_.emplace(Napi::Promise::Deferred::New(env));
    // the poller detaches, drains once more and releases the channel
    stopping_ = true;
    WakePoller();
  }
  return stopped_->Promise();
}

// On the JS thread once the poller released the channel (or Node is tearing the environment
// down, which closes the channel and so ends the poller too).
void SocketCapture::OnChannelClosed(Napi::Env env, void *, SocketCapture *self) {
  self->stopping_ = true;
  self->WakePoller();
  if (self->poller_.joinable()) self->poller_.join();
  self->capture_.reset();
  if (self->stopped_) self->stopped_->Resolve(env.Undefined());
  self->Unref();
}

Napi::Value SocketCapture::Stats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("delivered", Napi::Number::New(env, static_cast<double>(delivered_.load())));
  stats.Set("lost", Napi::Number::New(env, static_cast<double>(lost_.load())));
  stats.Set("tlsUnbound", Napi::Number::New(env, static_cast<double>(tls_unbound_.load())));
  return stats;
}

Napi::Value SocketCapture::TlsTargets(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  if (!capture_) return out;
  std::vector<std::string> targets = capture_->tls_targets();
  for (size_t i = 0; i < targets.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, targets[i]));
  return out;
}

}  // namespace flowtel
