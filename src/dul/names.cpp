// Report names for A-ASSOCIATE-RJ (PS3.8 9.3.4, Table 9-21) and A-ABORT (PS3.8 9.3.8,
// Table 9-26) codes. The strings are part of the JSON record contract (DESIGN.md 3).
#include "dul/pdu.hpp"

namespace dicomsec::dul {

std::string_view pdu_type_name(std::uint8_t type) noexcept {
  switch (type) {
    case 1: return "A-ASSOCIATE-RQ";
    case 2: return "A-ASSOCIATE-AC";
    case 3: return "A-ASSOCIATE-RJ";
    case 4: return "P-DATA-TF";
    case 5: return "A-RELEASE-RQ";
    case 6: return "A-RELEASE-RP";
    case 7: return "A-ABORT";
    default: return "unknown-pdu";
  }
}

std::string_view reject_result_name(std::uint8_t result) noexcept {
  switch (result) {
    case 1: return "permanent";
    case 2: return "transient";
    default: return "unknown";
  }
}

std::string_view reject_source_name(std::uint8_t source) noexcept {
  switch (source) {
    case 1: return "service-user";
    case 2: return "acse";
    case 3: return "presentation";
    default: return "unknown";
  }
}

std::string_view reject_reason_name(std::uint8_t source, std::uint8_t reason) noexcept {
  switch (source) {
    case 1:  // DICOM UL service-user
      switch (reason) {
        case 1: return "no-reason";
        case 2: return "application-context-not-supported";
        case 3: return "calling-ae-not-recognized";
        case 7: return "called-ae-not-recognized";
        default: return "unknown";
      }
    case 2:  // DICOM UL service-provider (ACSE related function)
      switch (reason) {
        case 1: return "no-reason";
        case 2: return "protocol-version-not-supported";
        default: return "unknown";
      }
    case 3:  // DICOM UL service-provider (presentation related function)
      switch (reason) {
        case 1: return "temporary-congestion";
        case 2: return "local-limit-exceeded";
        default: return "unknown";
      }
    default: return "unknown";
  }
}

std::string_view abort_source_name(std::uint8_t source) noexcept {
  switch (source) {
    case 0: return "service-user";
    case 2: return "service-provider";
    default: return "unknown";
  }
}

std::string_view abort_reason_name(std::uint8_t reason) noexcept {
  switch (reason) {
    case 0: return "reason-not-specified";
    case 1: return "unrecognized-pdu";
    case 2: return "unexpected-pdu";
    case 4: return "unrecognized-pdu-parameter";
    case 5: return "unexpected-pdu-parameter";
    case 6: return "invalid-pdu-parameter-value";
    default: return "unknown";
  }
}

std::string_view pc_result_name(PcResult result) noexcept {
  switch (result) {
    case PcResult::Acceptance: return "acceptance";
    case PcResult::UserRejection: return "user-rejection";
    case PcResult::NoReason: return "no-reason";
    case PcResult::AbstractSyntaxNotSupported: return "abstract-syntax-not-supported";
    case PcResult::TransferSyntaxesNotSupported: return "transfer-syntaxes-not-supported";
  }
  return "unknown";
}

}  // namespace dicomsec::dul
