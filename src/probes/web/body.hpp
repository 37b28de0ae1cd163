// Reading HTTP bodies without keeping them: a streaming (SAX) pass over JSON that counts the
// items of a top-level array, or picks Orthanc's version out of /system. No string from the
// body is stored except that version, and only when it looks like one. Sans-IO: fuzzed in
// tests/fuzz/web_body.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dicomsec::probes::web {

// Bodies are read up to this many bytes; the rest is dropped unread.
inline constexpr std::size_t kMaxBody = 1024 * 1024;
// Deeper JSON is rejected (a count needs depth 2; anything beyond 64 is an attack).
inline constexpr std::size_t kMaxDepth = 64;

struct ItemCount {
  std::uint32_t count = 0;
  bool capped = false;  // the body was cut at kMaxBody: count is a lower bound
};

// The number of elements of the top-level JSON array in body. truncated: the body was cut
// short by the cap, so a parse error at the end is expected and the elements seen so far
// count. Anything but an array (object, HTML, garbage, too deep) gives nullopt.
std::optional<ItemCount> count_json_array(std::string_view body, bool truncated = false);

// Orthanc's GET /system: {"ApiVersion":..,"Version":"1.10.1","Name":..,...}. Returns the
// version when the object has the keys only Orthanc sends together (Version, ApiVersion,
// DicomAet). The "Name" key is the operator's instance name and is deliberately ignored.
std::optional<std::string> orthanc_version(std::string_view body);

// What an HTML page at / says about itself (issue 12 §3: honeypots name themselves in their
// page titles or show a vendor-styled login form). Only the title is kept, and only as
// printable ASCII, whitespace collapsed, at most kMaxTitle characters.
inline constexpr std::size_t kMaxPage = 64 * 1024;  // bytes of a page read; the rest dropped
inline constexpr std::size_t kMaxTitle = 80;
struct PageFacts {
  std::optional<std::string> title;  // the first <title> element's text; nullopt without one
  bool login_form = false;           // an <input> whose type is "password"
};
PageFacts page_facts(std::string_view body);

// A header value fit for the record: printable ASCII, at most 80 characters.
std::string header_value(std::string_view raw);

}  // namespace dicomsec::probes::web
