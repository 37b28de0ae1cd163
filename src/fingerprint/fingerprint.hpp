// Product fingerprinting from what a DICOM peer says about itself in its A-ASSOCIATE-AC:
// the Implementation Class UID (PS3.7 D.3.3.2, sub-item 0x52) and the Implementation
// Version Name (sub-item 0x55). Matching is driven by a sourced catalogue (catalogue.cpp);
// docs/fingerprints.md lists the rows and what cannot be told apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsec::fingerprint {

// What the peer said. Any field may be absent; an empty string counts as absent.
struct Observation {
  std::optional<std::string> implementation_class_uid;
  std::optional<std::string> implementation_version_name;
  // Accepted presentation contexts' SOP classes (not used by the UID/name matcher yet).
  std::vector<std::string> accepted_abstract_syntaxes;
  std::optional<std::uint32_t> max_pdu;
};

struct Product {
  std::string name;                    // "DCMTK", "dcm4che", "fo-dicom", "pynetdicom", ...
  std::optional<std::string> version;  // "3.6.7" when derivable
  std::string toolkit;                 // toolkit the match rests on; may equal name
  std::string confidence;              // "high" | "medium" | "low"
  std::string matched_by;              // short evidence, built from catalogue text only
  std::optional<std::string> vendor;   // organisation owning a vendor UID root
  // The peer's own Implementation Version Name as shown_version_name() renders it: set
  // whenever the peer sent a non-empty one, matched or not.
  std::optional<std::string> version_name = std::nullopt;
};

// What product_label() and the record call a peer that named itself but matched no row.
inline constexpr std::string_view kUnknownProduct = "unknown";

// At most this many bytes of a peer's version name are shown (SH allows 16; peers send more).
inline constexpr std::size_t kMaxShownVersionName = 32;

// nullopt: nothing in the observation is known to the catalogue.
std::optional<Product> identify(const Observation& observation);

// identify(), and when nothing matches but the peer sent a version name, a Product named
// kUnknownProduct (toolkit "unknown", confidence "none") that carries the name in
// version_name. nullopt only when there is neither a match nor a name.
std::optional<Product> identify_or_unknown(const Observation& observation);

// A peer's version name made safe for a terminal, HTML (after the usual escaping), CSV and
// JSON: NUL/space padding trimmed; printable ASCII kept except '"' and '\\', which get a
// backslash; every other byte as \xHH; cut after kMaxShownVersionName bytes with "..." added.
std::string shown_version_name(std::string_view raw);

// "DCMTK 3.6.7", "Conquest", or `unknown ("NAME")` for kUnknownProduct with a version name
// (already shown_version_name()-escaped).
std::string product_label(std::string_view name, const std::optional<std::string>& version,
                          const std::optional<std::string>& version_name);

// One catalogue row, for `dicomsec fingerprints` and the docs. version_name_pattern is a
// literal with at most one placeholder ({digits}: packed digits such as 367 -> 3.6.7;
// {ver}: dotted version such as 5.29.2) and an optional trailing '*' (any tail).
struct CatalogueEntry {
  std::string_view product;
  std::string_view uid_root;              // empty: the row matches on the name only
  std::string_view version_name_pattern;  // empty: the row matches on the UID only
  std::string_view source;                // repository and path the row was read from
};

std::span<const CatalogueEntry> catalogue();

}  // namespace dicomsec::fingerprint
