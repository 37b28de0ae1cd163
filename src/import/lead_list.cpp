#include "import/lead_list.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace dicomsec::import {

bool is_record_list(std::istream& in) {
  const auto at = in.tellg();
  std::string line;
  bool record = false;
  while (std::getline(in, line)) {
    const auto p = line.find_first_not_of(" \t\r");
    if (p == std::string::npos || line[p] == '#') continue;
    record = line[p] == '{';
    break;
  }
  in.clear();
  in.seekg(at);
  return record;
}

Result<LeadTargets> read_lead_list(std::istream& in, std::string_view source) {
  LeadTargets out;
  std::set<scan::Address> addresses;
  std::set<std::uint16_t> ports;
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto p = line.find_first_not_of(" \t\r");
    if (p == std::string::npos || line[p] == '#') continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    auto bad = [&](std::string_view why) {
      return make_error(fmt::format("{}:{}: {}", source, n, why));
    };
    if (j.is_discarded() || !j.is_object()) return bad("not a JSON record");
    const auto ip = j.value("ip", std::string());
    const auto port = j.value("port", 0);
    if (port < 1 || port > 65535) return bad("record without a port 1-65535");
    const auto address = scan::Address::parse(ip);
    if (!address) return bad(fmt::format("'{}' is not an IP address", ip));
    ++out.records;
    std::vector<scan::Address> here{*address};
    if (const auto lead = j.find("lead"); lead != j.end() && lead->is_object()) {
      if (lead->value("transport", std::string("tcp")) != "tcp") {
        ++out.skipped;
        continue;
      }
      if (const auto moved = lead->find("moved"); moved != lead->end() && moved->is_object()) {
        // The address left the netblocks: never scan it; scan where the name is now.
        here.clear();
        for (const auto& now : moved->value("now", nlohmann::json::array()))
          if (now.is_string())
            if (const auto a = scan::Address::parse(now.get<std::string>())) here.push_back(*a);
        if (here.empty()) {
          ++out.skipped;
          continue;
        }
      }
    }
    addresses.insert(here.begin(), here.end());
    ports.insert(static_cast<std::uint16_t>(port));
  }
  out.addresses.assign(addresses.begin(), addresses.end());
  out.ports.assign(ports.begin(), ports.end());
  return out;
}

}  // namespace dicomsec::import
