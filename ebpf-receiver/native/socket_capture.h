// The JS face of a capture: `new SocketCapture(options, onBatch)` loads and attaches the
// programs and starts a thread that drains the ring buffer every poll interval (or earlier when
// the kernel side finds the ring half full) and hands batches to `onBatch` on the JS thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include "capture.h"
#include "event_batch.h"

namespace flowtel {

class SocketCapture;
void deliver_batch(Napi::Env env, Napi::Function on_batch, SocketCapture *capture, EventBatch *batch);
using BatchChannel = Napi::TypedThreadSafeFunction<SocketCapture, EventBatch, deliver_batch>;

class SocketCapture : public Napi::ObjectWrap<SocketCapture> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit SocketCapture(const Napi::CallbackInfo &info);
  ~SocketCapture() override;
  /** a batch of `bytes` left the queue for the JS thread */
  void Delivered(size_t bytes) { queued_bytes_ -= bytes; }

 private:
  Napi::Value Stop(const Napi::CallbackInfo &info);
  Napi::Value Stats(const Napi::CallbackInfo &info);
  Napi::Value TlsTargets(const Napi::CallbackInfo &info);
  void Poll();
  void Flush();
  void WakePoller();
  static void OnChannelClosed(Napi::Env env, void *, SocketCapture *self);

  std::unique_ptr<Capture> capture_;
  std::unique_ptr<EventBatch> batch_;
  BatchChannel channel_;
  std::thread poller_;
  int wake_fd_ = -1;
  int epoll_fd_ = -1;
  uint32_t batch_size_ = 1024;
  uint32_t poll_interval_ms_ = 10;
  uint32_t tls_rescan_ms_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> channel_closed_{false};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> lost_{0};
  std::atomic<uint64_t> tls_unbound_{0};
  std::atomic<size_t> queued_bytes_{0};
  std::optional<Napi::Promise::Deferred> stopped_;
};

}  // namespace flowtel
