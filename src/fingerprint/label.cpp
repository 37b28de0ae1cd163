// How a peer's self-description is shown: the product label used by every summary, and the
// escaped, capped form of a version name that matched nothing (issue 12 §2: a peer that
// names itself is shown as `unknown ("<name>")`, never as a bare "unknown").
#include <cstddef>
#include <string>

#include "fingerprint/fingerprint.hpp"
#include "fingerprint/rules.hpp"

namespace dicomsec::fingerprint {

std::string shown_version_name(std::string_view raw) {
  const std::string_view s = detail::trim_padding(raw);
  const std::string_view kept = s.substr(0, kMaxShownVersionName);
  std::string out;
  out.reserve(kept.size() + 8);
  constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : kept) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (b >= 0x20 && b < 0x7f) {
      out += c;
    } else {  // control bytes, DEL and anything outside ASCII (SH is ISO 646 only)
      out += "\\x";
      out += kHex[b >> 4U];
      out += kHex[b & 0x0fU];
    }
  }
  if (s.size() > kept.size()) out += "...";
  return out;
}

std::string product_label(std::string_view name, const std::optional<std::string>& version,
                          const std::optional<std::string>& version_name) {
  std::string out(name);
  if (name == kUnknownProduct && version_name && !version_name->empty())
    return out + " (\"" + *version_name + "\")";
  if (version && !version->empty()) out += " " + *version;
  return out;
}

std::optional<Product> identify_or_unknown(const Observation& obs) {
  if (auto p = identify(obs)) return p;
  if (!obs.implementation_version_name) return std::nullopt;
  if (detail::trim_padding(*obs.implementation_version_name).empty()) return std::nullopt;
  return Product{std::string(kUnknownProduct),
                 std::nullopt,
                 "unknown",
                 "none",
                 "version name not in catalogue",
                 std::nullopt,
                 shown_version_name(*obs.implementation_version_name)};
}

}  // namespace dicomsec::fingerprint
