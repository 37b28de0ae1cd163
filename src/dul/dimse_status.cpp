// PS3.7 Annex C status classes and the specific codes of PS3.7 C.5 and PS3.4 (C-STORE,
// C-FIND, C-MOVE, C-GET) that matter in scan reports.
#include "dul/dimse.hpp"

namespace dicomsec::dimse {

StatusCategory status_category(std::uint16_t s) noexcept {
  if (s == 0x0000) return StatusCategory::Success;
  if (s == 0xFF00 || s == 0xFF01) return StatusCategory::Pending;
  if (s == 0xFE00) return StatusCategory::Cancel;
  if (s == 0x0001 || s == 0x0107 || s == 0x0116 || (s >= 0xB000 && s <= 0xBFFF))
    return StatusCategory::Warning;
  return StatusCategory::Failure;
}

std::string_view status_category_name(StatusCategory c) noexcept {
  switch (c) {
    case StatusCategory::Success: return "success";
    case StatusCategory::Pending: return "pending";
    case StatusCategory::Cancel: return "cancel";
    case StatusCategory::Warning: return "warning";
    case StatusCategory::Failure: return "failure";
  }
  return "failure";
}

std::string_view status_name(std::uint16_t s) noexcept {
  switch (s) {  // PS3.7 C.5: general status codes
    case 0x0107: return "attribute-list-error";
    case 0x0116: return "attribute-value-out-of-range";
    case 0x0105: return "no-such-attribute";
    case 0x0106: return "invalid-attribute-value";
    case 0x0110: return "processing-failure";
    case 0x0111: return "duplicate-sop-instance";
    case 0x0112: return "no-such-object-instance";
    case 0x0113: return "no-such-event-type";
    case 0x0114: return "no-such-argument";
    case 0x0115: return "invalid-argument-value";
    case 0x0117: return "invalid-object-instance";
    case 0x0118: return "no-such-sop-class";
    case 0x0119: return "class-instance-conflict";
    case 0x0120: return "missing-attribute";
    case 0x0121: return "missing-attribute-value";
    case 0x0122: return "sop-class-not-supported";
    case 0x0123: return "no-such-action";
    case 0x0124: return "refused-not-authorized";
    case 0x0210: return "duplicate-invocation";
    case 0x0211: return "unrecognized-operation";
    case 0x0212: return "mistyped-argument";
    case 0x0213: return "resource-limitation";
    case 0xA801: return "move-destination-unknown";           // PS3.4 C.4.2.1.5
    case 0xB007: return "data-set-does-not-match-sop-class";  // PS3.4 B.2.3 (warning)
    default: break;
  }
  if (s >= 0xA700 && s <= 0xA7FF) return "out-of-resources";
  if (s >= 0xA900 && s <= 0xA9FF) return "data-set-does-not-match-sop-class";
  if (s >= 0xC000 && s <= 0xCFFF) return "unable-to-process";
  return status_category_name(status_category(s));
}

}  // namespace dicomsec::dimse
