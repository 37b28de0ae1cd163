// Fuzzes core's shared text parsers that have no other target: HOST:PORT (split_host_port,
// parse_port, join_host_port) and ADDRESS/PREFIX (parse_cidr, with the input split at its
// first '/'), and checks their invariants: a split's views lie inside the input, a port is
// 0-65535 and prints back, what join writes split reads back, a CIDR block is ordered and
// holds its own base.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/address.hpp"
#include "core/host_port.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (const auto hp = split_host_port(text)) {
    check(inside(hp->host, text) && inside(hp->port, text));
    check(hp->bracketed == (!text.empty() && text.front() == '['));
    if (const auto port = parse_port(hp->port)) {
      check(std::to_string(*port).size() <= hp->port.size());
      // Unambiguous hosts (no ']' inside, and brackets exactly when IPv6) round-trip.
      if (hp->host.find_first_of("[]") == std::string_view::npos) {
        const auto joined = join_host_port(hp->host, *port);
        const auto again = split_host_port(joined);
        check(again.has_value() && again->host == hp->host && parse_port(again->port) == *port);
      }
    }
  }

  const auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    if (auto r = parse_cidr(text.substr(0, slash), text.substr(slash + 1)); r.ok()) {
      check(!(r->last < r->first) && r->size() >= 1);
      const auto base = parse_address(text.substr(0, slash));
      check(base.ok() && r->contains(*base));
    }
  } else if (auto a = parse_address(text); a.ok()) {
    const auto again = parse_address(a->to_string());
    check(again.ok() && *again == *a);
  }
  return 0;
}
