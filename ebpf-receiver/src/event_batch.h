// Ring buffer records on their way to JS, copied out of the ring so it can be reused at once.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace flowtel {

struct EventBatch {
  // Records back to back, each starting on an 8-byte boundary (the event header's alignment).
  std::vector<uint8_t> bytes;
  uint32_t count = 0;
  // CLOCK_REALTIME minus CLOCK_MONOTONIC when the batch left: turns event timestamps into wall time.
  int64_t realtime_offset_ns = 0;

  void append(const void *record, size_t size) {
    size_t at = bytes.size();
    bytes.resize(at + ((size + 7) & ~size_t{7}));
    memcpy(bytes.data() + at, record, size);
    count++;
  }
};

}  // namespace flowtel
