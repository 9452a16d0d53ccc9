{
  "targets": [
    {
      "target_name": "afpacket",
      "sources": ["afpacket.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11"]
    }
  ]
}
