// Internal: the catalogue's extra matching data and the small matching primitives.
// Exposed in a header so unit tests can exercise the primitives directly.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fingerprint/fingerprint.hpp"

namespace dicomsec::fingerprint::detail {

// How a version is read out of a matching Implementation Class UID.
enum class UidVersion {
  None,       // the UID carries no version of the product
  AfterRoot,  // root + "." + infix + version components, e.g. DCMTK "...3.0.3.6.7"
  Fixed,      // the exact UID identifies one release (dicom-rs)
};

struct Rule {
  CatalogueEntry entry;
  std::string_view toolkit;  // what the product is built on (may equal product)
  UidVersion uid_version = UidVersion::None;
  std::string_view uid_infix;      // for AfterRoot: components between root and version
  std::string_view fixed_version;  // for Fixed
  bool name_ignore_case = false;   // version-name literal compared case-insensitively
};

struct VendorRoot {
  std::string_view uid_root;
  std::string_view organisation;
  std::string_view source;
};

std::span<const Rule> rules();
std::span<const VendorRoot> vendor_roots();

// The one row an observation rests on (tests and docs use it to show that every row is
// reachable): a row whose UID root and name pattern both match (longest root, then most
// literal name), else the row identify() takes the UID from, else the one it takes the
// name from. nullptr when no row matches. Inputs are taken as they came off the wire.
const Rule* best_rule(std::string_view uid, std::string_view name);

// True when uid equals root or continues it at a component boundary ("1.2.3" matches
// "1.2.3" and "1.2.3.4", never "1.2.34"). An empty root never matches.
bool uid_has_root(std::string_view uid, std::string_view root);

// Result of matching a version name against a pattern (see CatalogueEntry).
struct NameMatch {
  std::optional<std::string> version;  // extracted and normalised, if the pattern has one
  std::size_t literal_length = 0;      // characters matched literally: more is more specific
};
std::optional<NameMatch> match_version_name(std::string_view name, std::string_view pattern,
                                            bool ignore_case);

// "367" -> "3.6.7", "3610" -> "3.6.10" (first two digits are major and minor).
std::optional<std::string> unpack_digits(std::string_view digits);

// Version components read from the UID after root (+ infix): "3.6.7" from
// "1.2.276.0.7230010.3.0.3.6.7". nullopt if they are missing or not numeric.
std::optional<std::string> uid_version_after(std::string_view uid, std::string_view root,
                                             std::string_view infix);

// Strip what the wire pads with (PS3.5 6.2: UI pads with NUL, SH with space).
std::string_view trim_padding(std::string_view s);

}  // namespace dicomsec::fingerprint::detail
