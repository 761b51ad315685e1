#include "js_options.h"

#include <string>
#include <vector>

namespace flowtel {

namespace {

uint32_t checked_u32(const Napi::Value &value, const char *key, uint32_t max) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(key) + " must hold numbers");
  double n = value.As<Napi::Number>().DoubleValue();
  if (n < 0 || n > max || n != static_cast<double>(static_cast<uint64_t>(n)))
    throw Napi::RangeError::New(value.Env(), std::string(key) + " must hold integers from 0 to " + std::to_string(max));
  return static_cast<uint32_t>(n);
}

uint32_t u32(const Napi::Object &options, const char *key, uint32_t fallback, uint32_t max) {
  Napi::Value value = options.Get(key);
  return value.IsUndefined() ? fallback : checked_u32(value, key, max);
}

Napi::Array array(const Napi::Object &options, const char *key) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return Napi::Array::New(options.Env());
  if (!value.IsArray()) throw Napi::TypeError::New(options.Env(), std::string(key) + " must be an array");
  return value.As<Napi::Array>();
}

template <typename T>
std::vector<T> numbers(const Napi::Object &options, const char *key, uint32_t max) {
  Napi::Array items = array(options, key);
  std::vector<T> out;
  for (uint32_t i = 0; i < items.Length(); i++) out.push_back(static_cast<T>(checked_u32(items.Get(i), key, max)));
  return out;
}

std::vector<std::string> strings(const Napi::Object &options, const char *key) {
  Napi::Array items = array(options, key);
  std::vector<std::string> out;
  for (uint32_t i = 0; i < items.Length(); i++) {
    Napi::Value item = items.Get(i);
    if (!item.IsString()) throw Napi::TypeError::New(options.Env(), std::string(key) + " must hold strings");
    out.push_back(item.As<Napi::String>().Utf8Value());
  }
  return out;
}

double fraction(const Napi::Object &options, const char *key, double fallback) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) throw Napi::TypeError::New(options.Env(), std::string(key) + " must be a number");
  double n = value.As<Napi::Number>().DoubleValue();
  if (!(n >= 0 && n <= 1)) throw Napi::RangeError::New(options.Env(), std::string(key) + " must be from 0 to 1");
  return n;
}

// integers up to 2^53 (JS numbers hold them exactly): nanoseconds, cgroup ids
uint64_t checked_u53(const Napi::Value &value, const char *key) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(key) + " must hold numbers");
  double n = value.As<Napi::Number>().DoubleValue();
  if (n < 0 || n > 9007199254740991.0 || n != static_cast<double>(static_cast<uint64_t>(n)))
    throw Napi::RangeError::New(value.Env(), std::string(key) + " must hold integers from 0 to 2^53-1");
  return static_cast<uint64_t>(n);
}

std::vector<uint64_t> u53s(const Napi::Object &options, const char *key) {
  Napi::Array items = array(options, key);
  std::vector<uint64_t> out;
  for (uint32_t i = 0; i < items.Length(); i++) out.push_back(checked_u53(items.Get(i), key));
  return out;
}

}  // namespace

CaptureOptions capture_options_from(const Napi::Object &options) {
  CaptureOptions out;
  out.self_pid = u32(options, "selfPid", 0, UINT32_MAX);
  out.payload_limit = u32(options, "payloadLimit", out.payload_limit, 16384);
  out.ring_buffer_bytes = u32(options, "ringBufferBytes", out.ring_buffer_bytes, 1u << 30);
  out.pid_allow = numbers<uint32_t>(options, "pidAllow", UINT32_MAX);
  out.pid_deny = numbers<uint32_t>(options, "pidDeny", UINT32_MAX);
  out.comm_allow = strings(options, "commAllow");
  out.comm_deny = strings(options, "commDeny");
  out.port_allow = numbers<uint16_t>(options, "portAllow", 65535);
  out.port_deny = numbers<uint16_t>(options, "portDeny", 65535);
  Napi::Value tls = options.Get("tls");
  if (!tls.IsUndefined() && !tls.IsBoolean()) throw Napi::TypeError::New(options.Env(), "tls must be a boolean");
  out.tls = tls.IsBoolean() && tls.As<Napi::Boolean>().Value();
  out.tls_paths = strings(options, "tlsPaths");
  out.tcp = options.Get("tcp").ToBoolean();
  out.tcp_zero_window = options.Get("tcpZeroWindow").ToBoolean();
  return out;
}

PollOptions poll_options_from(const Napi::Object &options) {
  PollOptions out;
  out.batch_size = u32(options, "batchSize", out.batch_size, 1u << 20);
  out.poll_interval_ms = u32(options, "pollIntervalMs", out.poll_interval_ms, 60000);
  out.tls_rescan_ms = u32(options, "tlsRescanMs", out.tls_rescan_ms, 86400000);
  if (out.batch_size == 0) throw Napi::RangeError::New(options.Env(), "batchSize must be at least 1");
  return out;
}

ProfilerOptions profiler_options_from(const Napi::Object &options) {
  ProfilerOptions out;
  out.samples_per_second = u32(options, "samplesPerSecond", out.samples_per_second, 10000);
  out.send_idle = options.Get("sendIdle").ToBoolean();
  out.off_cpu_threshold = fraction(options, "offCpuThreshold", out.off_cpu_threshold);
  Napi::Value min = options.Get("offCpuMinNs");
  if (!min.IsUndefined()) out.off_cpu_min_ns = checked_u53(min, "offCpuMinNs");
  out.ring_buffer_bytes = u32(options, "ringBufferBytes", out.ring_buffer_bytes, 1u << 30);
  out.pid_allow = numbers<uint32_t>(options, "pidAllow", UINT32_MAX);
  out.pid_deny = numbers<uint32_t>(options, "pidDeny", UINT32_MAX);
  out.comm_allow = strings(options, "commAllow");
  out.comm_deny = strings(options, "commDeny");
  out.cgroup_allow = u53s(options, "cgroupAllow");
  out.cgroup_deny = u53s(options, "cgroupDeny");
  if (out.samples_per_second == 0) throw Napi::RangeError::New(options.Env(), "samplesPerSecond must be at least 1");
  return out;
}

uint32_t report_interval_ms_from(const Napi::Object &options) {
  uint32_t ms = u32(options, "reportIntervalMs", 5000, 3600000);
  if (ms == 0) throw Napi::RangeError::New(options.Env(), "reportIntervalMs must be at least 1");
  return ms;
}

}  // namespace flowtel
