// flowtel's eBPF capture addon: SocketCapture and the event layout the JS decoder reads.
#include <napi.h>

#include <linux/types.h>

#include <cstddef>

#include "profiler_session.h"
#include "socket_capture.h"
#include "profiler.h"
#include "socket_trace.h"
#include "tcp_metrics.h"

namespace {

Napi::Object event_layout(Napi::Env env) {
  Napi::Object layout = Napi::Object::New(env);
#define FIELD(name) layout.Set(#name, Napi::Number::New(env, offsetof(struct socket_event, name)))
  FIELD(timestamp_ns);
  FIELD(socket_id);
  FIELD(pid);
  FIELD(tid);
  FIELD(fd);
  FIELD(byte_count);
  FIELD(payload_length);
  FIELD(local_port);
  FIELD(remote_port);
  FIELD(local_addr);
  FIELD(remote_addr);
  FIELD(kind);
  FIELD(ip_version);
  FIELD(l4_protocol);
  FIELD(role);
  FIELD(direction);
  FIELD(flags);
  FIELD(comm);
#undef FIELD
  layout.Set("header_size", Napi::Number::New(env, sizeof(struct socket_event)));
  layout.Set("comm_length", Napi::Number::New(env, SOCKET_TRACE_COMM_LEN));
  layout.Set("max_payload", Napi::Number::New(env, SOCKET_TRACE_MAX_PAYLOAD));
  layout.Set("flag_tls", Napi::Number::New(env, SOCKET_EVENT_FLAG_TLS));
  Napi::Object tcp = Napi::Object::New(env);
#define FIELD(name) tcp.Set(#name, Napi::Number::New(env, offsetof(struct tcp_metrics, name)))
  FIELD(connect_latency_ns);
  FIELD(bytes_acked);
  FIELD(bytes_received);
  FIELD(srtt_us);
  FIELD(rttvar_us);
  FIELD(retransmits);
  FIELD(syn_retransmits);
  FIELD(total_retrans);
  FIELD(resets_sent);
  FIELD(resets_received);
  FIELD(zero_windows);
  FIELD(segs_out);
  FIELD(segs_in);
  FIELD(report);
  FIELD(failure);
  FIELD(old_state);
#undef FIELD
  tcp.Set("size", Napi::Number::New(env, sizeof(struct tcp_metrics)));
  layout.Set("tcp", tcp);
  return layout;
}

Napi::Object profile_record_layout(Napi::Env env) {
  Napi::Object layout = Napi::Object::New(env);
#define FIELD(name) layout.Set(#name, Napi::Number::New(env, offsetof(struct profile_record, name)))
  FIELD(count);
  FIELD(total_ns);
  FIELD(cgroup_id);
  FIELD(pid);
  FIELD(tid);
  FIELD(user_depth);
  FIELD(kernel_depth);
  FIELD(kind);
  FIELD(comm);
#undef FIELD
  layout.Set("header_size", Napi::Number::New(env, sizeof(struct profile_record)));
  layout.Set("comm_length", Napi::Number::New(env, PROFILER_COMM_LEN));
  layout.Set("on_cpu", Napi::Number::New(env, PROFILE_ON_CPU));
  layout.Set("off_cpu", Napi::Number::New(env, PROFILE_OFF_CPU));
  return layout;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("SocketCapture", flowtel::SocketCapture::Define(env));
  exports.Set("eventLayout", event_layout(env));
  exports.Set("ProfilerSession", flowtel::ProfilerSession::Define(env));
  exports.Set("profileRecordLayout", profile_record_layout(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(flowtel_ebpf, Init)
