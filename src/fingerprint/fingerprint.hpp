// Product fingerprinting from what a DICOM peer says about itself in its A-ASSOCIATE-AC:
// the Implementation Class UID (PS3.7 D.3.3.2, sub-item 0x52) and the Implementation
// Version Name (sub-item 0x55). Matching is driven by a sourced catalogue (catalogue.cpp);
// docs/fingerprints.md lists the rows and what cannot be told apart.
#pragma once

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
};

// nullopt: nothing in the observation is known to the catalogue.
std::optional<Product> identify(const Observation& observation);

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
