// libFuzzer target for the report sinks. `dicomsec report` re-renders records read back from
// a store, which may be old, damaged or written by someone else, so every format must take
// any JSON object without crashing or throwing. Input: JSON text, one record per line.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/sink.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<nlohmann::json> records;
  std::size_t start = 0;
  while (start <= in.size() && records.size() < 64) {
    const auto nl = in.find('\n', start);
    const auto line = in.substr(start, nl == std::string_view::npos ? in.npos : nl - start);
    auto j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_object()) records.push_back(std::move(j));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  dicomsec::report::ScanMeta meta;
  meta.command = "report";
  meta.started = "2026-11-25T21:00:00Z";
  for (auto format : {dicomsec::report::Format::Jsonl, dicomsec::report::Format::Csv,
                      dicomsec::report::Format::Sarif, dicomsec::report::Format::Html}) {
    std::ostringstream out;
    auto sink = dicomsec::report::make_sink(format, out);
    sink->begin(meta);
    for (const auto& r : records) sink->write(r);
    sink->end(meta);
  }
  return 0;
}
