// libFuzzer target for `report --mds2` (report/mds2.hpp): the records come back from a store
// or from a --leads file someone else wrote, so the rules must take any JSON (wrong types,
// odd dates, huge ports, import records mixed in) without crashing or throwing. Input: JSON
// text, one record per line; the first line's "started" string, if any, is the scan start.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "report/mds2.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mds2 = dicomsec::report::mds2;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<nlohmann::json> records;
  std::vector<mds2::Sighting> leads;
  std::string started = "2026-11-25T21:00:00Z";
  std::size_t start = 0;
  while (start <= in.size() && records.size() < 64) {
    const auto nl = in.find('\n', start);
    const auto line = in.substr(start, nl == std::string_view::npos ? in.npos : nl - start);
    auto j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (records.empty() && j.is_object() && j.contains("started") && j["started"].is_string())
      started = j["started"].get<std::string>();
    if (auto s = mds2::sighting(j)) leads.push_back(*s);  // as report --leads reads them
    if (!j.is_discarded()) records.push_back(std::move(j));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  const auto answers = mds2::answer(records, leads, {.scan_started = started});
  (void)mds2::to_csv(answers);
  (void)mds2::to_html_section(answers);
  (void)mds2::age_days(in.substr(0, 32), started);
  return 0;
}
