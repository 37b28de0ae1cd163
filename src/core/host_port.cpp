#include "core/host_port.hpp"

#include <charconv>

namespace dicomsec {

std::optional<HostPortText> split_host_port(std::string_view text) {
  HostPortText out;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    out.host = text.substr(1, close - 1);
    out.port = text.substr(close + 2);
    out.bracketed = true;
    return out;
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  out.host = text.substr(0, colon);
  out.port = text.substr(colon + 1);
  return out;
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  unsigned p = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || p > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(p);
}

std::string join_host_port(std::string_view host, std::string_view port) {
  std::string out;
  out.reserve(host.size() + port.size() + 3);
  const bool v6 = host.find(':') != std::string_view::npos;
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  out += ':';
  out += port;
  return out;
}

std::string join_host_port(std::string_view host, unsigned port) {
  return join_host_port(host, std::to_string(port));
}

}  // namespace dicomsec
