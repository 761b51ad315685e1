{
  "targets": [
    {
      "target_name": "flowtel_ebpf",
      "sources": [
        "native/addon.cc",
        "native/capture.cc",
        "native/diagnostics.cc",
        "native/js_options.cc",
        "native/profile_sampler.cc",
        "native/profiler_session.cc",
        "native/socket_capture.cc",
        "native/tls_probes.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "bpf",
        "build/bpf"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-fexceptions", "-std=c++17", "-Wall", "-Wextra"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
