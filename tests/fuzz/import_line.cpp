// Fuzzes one line of an internet-scanner export (Shodan/Censys JSON, CSV, free-text DICOM
// banners) through import::Parser, and the banner reader alone: never a crash, a hang or an
// entry without a valid address and port.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "import/banner.hpp"
#include "import/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec::import;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)read_banner(text);
  std::string padded(text);
  padded.resize(size + json_padding());
  std::vector<Entry> out;
  Parser parser;
  parser.start_file("fuzz");
  (void)parser.parse_line({padded.data(), size}, padded.size(), 1, out);
  (void)parser.parse_line({padded.data(), size}, padded.size(), 2, out);  // CSV after a header
  for (const auto& e : out)
    if (e.port == 0 || e.ip.empty() || e.lead.banner.value_or("").size() > kMaxBanner) std::abort();
  return 0;
}
