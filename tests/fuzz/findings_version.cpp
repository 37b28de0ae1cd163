// Feeds arbitrary version strings, as a peer announces them in its implementation version
// name or Orthanc's GET /system, to the version parser and the DICOM-OUTDATED rule. Two
// strings per input, split at the first newline. The parser must accept or refuse without a
// crash; what it accepts must order consistently and survive a round trip through str();
// the rule's evidence stays printable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "findings/version.hpp"
#include "findings/vulnerabilities.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  const auto first = in.substr(0, nl);
  const auto second = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  const auto a = findings::parse_version(first);
  const auto b = findings::parse_version(second);
  if (a) {
    if (findings::compare(*a, *a) != 0) __builtin_trap();
    // str() spells stages out ("b2" -> "-beta2"), so it may exceed the input length cap.
    if (const auto text = a->str(); text.size() <= findings::kMaxVersionText) {
      const auto again = findings::parse_version(text);
      if (!again || findings::compare(*a, *again) != 0) __builtin_trap();
    }
  }
  if (a && b && findings::compare(*a, *b) != -findings::compare(*b, *a)) __builtin_trap();

  record::ScanRecord r;
  r.dicom = true;
  r.product = record::ProductRecord{"DCMTK", std::string(first), "DCMTK", "high", "fuzz", {}, {}};
  record::WebRecord w;
  w.product = "Orthanc " + std::string(second);
  r.web = w;
  if (auto f = findings::outdated_finding(r)) {
    for (char c : f->evidence)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
        __builtin_trap();
  }
  return 0;
}
