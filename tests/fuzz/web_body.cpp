// Feeds arbitrary HTTP bodies to the web probe's JSON readers, as a hostile web server would
// answer GET /patients, QIDO-RS, /system or /. They must return a count / version or nothing,
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
  // GET / (issue 12 §3): the title is printable ASCII and capped, whatever the page holds.
  if (auto f = page_facts(body); f.title) {
    if (f.title->empty() || f.title->size() > kMaxTitle) __builtin_trap();
    for (char c : *f.title)
      if (c < 0x20 || c > 0x7e) __builtin_trap();
  }
  return 0;
}
