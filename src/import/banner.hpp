// Shodan's DICOM banner `data` (and Censys' `banner`) is free text whose lines are not
// documented. Read what is there, tolerantly: "key: value" or "key = value" lines whose key
// names an AE title, an implementation class UID or a version name. Never fails: text that
// says nothing gives empty facts.
#pragma once

#include <string_view>

#include "record/record.hpp"

namespace dicomsec::import {

// Caps: AE titles 16 characters (PS3.5 6.2), UIDs 64 (PS3.5 9.1), version names 16; a
// longer value is not that fact.
record::LeadBannerFacts read_banner(std::string_view text);

}  // namespace dicomsec::import
