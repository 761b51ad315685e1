// Options from the JS object the receiver passes, checked: a wrong type is a TypeError naming
// the key, not a silent default.
#pragma once

#include <napi.h>

#include "capture.h"
#include "profile_sampler.h"

namespace flowtel {

struct PollOptions {
  uint32_t batch_size = 1024;
  uint32_t poll_interval_ms = 10;
  // how often new OpenSSL files are looked for (0: only at start)
  uint32_t tls_rescan_ms = 0;
};

CaptureOptions capture_options_from(const Napi::Object &options);
PollOptions poll_options_from(const Napi::Object &options);
ProfilerOptions profiler_options_from(const Napi::Object &options);
uint32_t report_interval_ms_from(const Napi::Object &options);

}  // namespace flowtel
