// Feeds arbitrary HTTP bodies to the web probe's JSON readers, as a hostile web server would
// answer GET /patients, QIDO-RS or /system. They must return a count / version or nothing,
// with no crash, no deep recursion and no unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "probes/web/body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec::probes::web;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)count_json_array(body, false);
  (void)count_json_array(body, true);
  if (auto v = orthanc_version(body); v && (v->empty() || v->size() > 32)) __builtin_trap();
  (void)header_value(body);
  return 0;
}
