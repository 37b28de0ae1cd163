// libFuzzer target for fingerprint::identify(). Input layout: the bytes before the first
// '\n' are the implementation class UID, the rest is the implementation version name; a
// missing '\n' means the name is absent. The first byte, when the input is long enough,
// also drives the optional max PDU so the no-item path is reached.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fingerprint/fingerprint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  dicomsec::fingerprint::Observation obs;
  const auto nl = in.find('\n');
  obs.implementation_class_uid = std::string(in.substr(0, nl));
  if (nl != std::string_view::npos)
    obs.implementation_version_name = std::string(in.substr(nl + 1));
  if (size > 0 && (data[0] & 1U) != 0) obs.max_pdu = 4U << 20U;

  const auto p = dicomsec::fingerprint::identify_or_unknown(obs);
  if (p) {
    // The label is what summaries print: it must stay printable ASCII whatever came in.
    const auto label = dicomsec::fingerprint::product_label(p->name, p->version, p->version_name);
    for (const char c : label)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
        __builtin_trap();
    // Touch every field so sanitizers see any bad string.
    volatile std::size_t sink =
        p->name.size() + p->toolkit.size() + p->confidence.size() + p->matched_by.size();
    if (p->version) sink = sink + p->version->size();
    if (p->vendor) sink = sink + p->vendor->size();
    if (p->version_name) sink = sink + p->version_name->size();
    (void)sink;
  }
  return 0;
}
