// HOST:PORT text, both ways: the one splitter behind every "--upstream HOST:PORT",
// "tls://HOST:PORT" and `dicomsec tls HOST:PORT`, and the one writer of "ip:port" that
// brackets IPv6 (RFC 3986 3.2.2), so that a service is named the same in every output.
// Each caller keeps its own words for the errors; this only says what is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dicomsec {

struct HostPortText {
  std::string_view host;  // without the brackets of "[ADDRESS]:PORT"; may be empty
  std::string_view port;  // as written; not checked (parse_port)
  bool bracketed = false;
};

// "HOST:PORT" splits at the last ':'; "[ADDRESS]:PORT" after the ']'. nullopt when a '['
// has no ']', the ']' is not followed by ':', or there is no ':' at all. The views point
// into `text`. The host is not checked: callers that refuse an empty host, or an
// unbracketed IPv6 address ("::1:104"), say so in their own words.
std::optional<HostPortText> split_host_port(std::string_view text);

// A port in decimal digits only ("+1", " 1", "0x1" are refused), 0 to 65535; callers that
// need a port to connect to also refuse 0.
std::optional<std::uint16_t> parse_port(std::string_view digits);

// "127.0.0.1:104", "[::1]:104", "pacs.example:104": the host in brackets when it contains a
// ':' (an IPv6 address).
std::string join_host_port(std::string_view host, std::string_view port);
std::string join_host_port(std::string_view host, unsigned port);

}  // namespace dicomsec
