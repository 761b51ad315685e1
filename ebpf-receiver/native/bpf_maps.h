// Small libbpf helpers the loaders share.
#pragma once

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "capture.h"

namespace flowtel {

// Puts each of `count` keys (key_size bytes apiece) into a filter map as present.
inline void put_all(struct bpf_map *map, const void *keys, size_t key_size, size_t count, const char *what) {
  const uint8_t present = 1;
  for (size_t i = 0; i < count; i++) {
    const void *key = static_cast<const uint8_t *>(keys) + i * key_size;
    if (bpf_map__update_elem(map, key, key_size, &present, sizeof(present), BPF_ANY) != 0)
      throw CaptureError("FILTER", std::string("cannot fill the ") + what + " filter: " + strerror(errno));
  }
}

inline bool is_power_of_two(uint32_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace flowtel
