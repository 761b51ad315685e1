// Ring buffer records on their way to JS, copied out of the ring so it can be reused at once.
// The copy also turns the kernel's CLOCK_MONOTONIC timestamps into wall-clock time, here
// rather than in JS where each addition would cost a BigInt.
#pragma once

#include <linux/types.h>
#include <time.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "socket_trace.h"

namespace flowtel {

struct EventBatch {
  // Records back to back, each starting on an 8-byte boundary (the event header's alignment).
  std::vector<uint8_t> bytes;
  uint32_t count = 0;

  EventBatch() : realtime_offset_ns_(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)) {}

  void append(const void *record, size_t size) {
    size_t at = bytes.size();
    bytes.resize(at + ((size + 7) & ~size_t{7}));
    uint8_t *copy = bytes.data() + at;
    memcpy(copy, record, size);
    uint64_t timestamp;
    memcpy(&timestamp, copy + offsetof(struct socket_event, timestamp_ns), sizeof(timestamp));
    timestamp += realtime_offset_ns_;
    memcpy(copy + offsetof(struct socket_event, timestamp_ns), &timestamp, sizeof(timestamp));
    count++;
  }

 private:
  static int64_t clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }

  // wall clock minus CLOCK_MONOTONIC when the batch began
  const int64_t realtime_offset_ns_;
};

}  // namespace flowtel
