// DICOM Upper Layer PDUs (PS3.8 9.3): value types, encoder and an incremental, sans-IO
// decoder. The decoder accepts bytes in any chunking, checks every length against the
// bytes present and against Limits, and reports errors as values (STYLE.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace dicomsec::dul {

// PS3.8 9.3.1: PDU types.
enum class PduType : std::uint8_t {
  AssociateRq = 1,
  AssociateAc = 2,
  AssociateRj = 3,
  PData = 4,
  ReleaseRq = 5,
  ReleaseRp = 6,
  Abort = 7
};

// PS3.8 9.3.2.2: presentation context item of an A-ASSOCIATE-RQ.
struct PresentationContextRq {
  std::uint8_t id = 1;
  std::string abstract_syntax{};
  std::vector<std::string> transfer_syntaxes{};
  bool operator==(const PresentationContextRq&) const = default;
};

// PS3.8 9.3.3.2: Result/Reason field of an A-ASSOCIATE-AC presentation context item.
enum class PcResult : std::uint8_t {
  Acceptance = 0,
  UserRejection = 1,
  NoReason = 2,
  AbstractSyntaxNotSupported = 3,
  TransferSyntaxesNotSupported = 4
};

struct PresentationContextAc {
  std::uint8_t id = 1;
  PcResult result = PcResult::Acceptance;
  std::string transfer_syntax{};
  bool operator==(const PresentationContextAc&) const = default;
};

// PS3.7 D.3.3.4: SCP/SCU role selection sub-item (type 0x54).
struct RoleSelection {
  std::string sop_class_uid{};
  bool scu_role = false;
  bool scp_role = false;
  bool operator==(const RoleSelection&) const = default;
};

// PS3.7 D.3.3.5: SOP class extended negotiation sub-item (type 0x56).
struct SopClassExtendedNegotiation {
  std::string sop_class_uid{};
  Bytes info{};
  bool operator==(const SopClassExtendedNegotiation&) const = default;
};

// PS3.7 D.3.3.6: SOP class common extended negotiation sub-item (type 0x57).
struct SopClassCommonExtendedNegotiation {
  std::string sop_class_uid{};
  std::string service_class_uid{};
  std::vector<std::string> related_general_sop_classes{};
  bool operator==(const SopClassCommonExtendedNegotiation&) const = default;
};

// PS3.7 D.3.3.3: asynchronous operations window sub-item (type 0x53).
struct AsyncOperationsWindow {
  std::uint16_t max_invoked = 1;
  std::uint16_t max_performed = 1;
  bool operator==(const AsyncOperationsWindow&) const = default;
};

// PS3.7 D.3.3.7.1: user identity negotiation, request (type 0x58).
// type: 1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT.
struct UserIdentityRq {
  std::uint8_t type = 1;
  bool positive_response_requested = false;
  Bytes primary_field{};
  Bytes secondary_field{};
  bool operator==(const UserIdentityRq&) const = default;
};

// PS3.7 D.3.3.7.2: user identity negotiation, acceptance (type 0x59).
struct UserIdentityAc {
  Bytes server_response{};
  bool operator==(const UserIdentityAc&) const = default;
};

// A user-information sub-item this codec does not interpret, kept verbatim.
struct UnknownItem {
  std::uint8_t type = 0;
  Bytes value{};
  bool operator==(const UnknownItem&) const = default;
};

// PS3.8 9.3.2.3 / PS3.7 Annex D.3.3: user information item (type 0x50) contents.
struct UserInformation {
  std::optional<std::uint32_t> max_length{};                         // 0x51, PS3.8 D.1
  std::optional<std::string> implementation_class_uid{};             // 0x52
  std::optional<std::string> implementation_version_name{};          // 0x55
  std::optional<AsyncOperationsWindow> async_ops{};                  // 0x53
  std::vector<RoleSelection> roles{};                                // 0x54
  std::vector<SopClassExtendedNegotiation> extended{};               // 0x56
  std::vector<SopClassCommonExtendedNegotiation> common_extended{};  // 0x57
  std::optional<UserIdentityRq> user_identity_rq{};                  // 0x58
  std::optional<UserIdentityAc> user_identity_ac{};                  // 0x59
  std::vector<UnknownItem> unknown{};
  bool operator==(const UserInformation&) const = default;
};

inline constexpr std::string_view kApplicationContext = "1.2.840.10008.3.1.1.1";

// PS3.8 9.3.2
struct AssociateRq {
  std::uint16_t protocol_version = 1;
  std::string called_ae{};
  std::string calling_ae{};
  std::string application_context = std::string(kApplicationContext);
  std::vector<PresentationContextRq> contexts{};
  UserInformation user_info{};
  // Top-level items of a type PS3.8 does not define, kept verbatim (encoded after the
  // user-information item).
  std::vector<UnknownItem> unknown_items{};
  bool operator==(const AssociateRq&) const = default;
};

// PS3.8 9.3.3
struct AssociateAc {
  std::uint16_t protocol_version = 1;
  std::string called_ae{};
  std::string calling_ae{};
  std::string application_context{};
  std::vector<PresentationContextAc> contexts{};
  UserInformation user_info{};
  std::vector<UnknownItem> unknown_items{};  // as in AssociateRq
  bool operator==(const AssociateAc&) const = default;
};

// PS3.8 9.3.4: A-ASSOCIATE-RJ fields, kept as raw codes so unknown values survive.
enum class RejectResult : std::uint8_t { Permanent = 1, Transient = 2 };
enum class RejectSource : std::uint8_t {
  ServiceUser = 1,
  ServiceProviderAcse = 2,
  ServiceProviderPresentation = 3
};

struct AssociateRj {
  std::uint8_t result = 1;
  std::uint8_t source = 1;
  std::uint8_t reason = 1;
  bool operator==(const AssociateRj&) const = default;
};

// PS3.8 9.3.5.1 and Annex E.2: one presentation data value with its control header.
struct Pdv {
  std::uint8_t context_id = 1;
  bool command = false;  // message control header bit 0
  bool last = false;     // message control header bit 1
  Bytes data{};
  bool operator==(const Pdv&) const = default;
};

struct PData {
  std::vector<Pdv> pdvs{};
  bool operator==(const PData&) const = default;
};

struct ReleaseRq {
  bool operator==(const ReleaseRq&) const = default;
};
struct ReleaseRp {
  bool operator==(const ReleaseRp&) const = default;
};

// PS3.8 9.3.8: source 0 service-user, 2 service-provider; reason only for source 2.
struct Abort {
  std::uint8_t source = 0;
  std::uint8_t reason = 0;
  bool operator==(const Abort&) const = default;
};

using Pdu = std::variant<AssociateRq, AssociateAc, AssociateRj, PData, ReleaseRq, ReleaseRp, Abort>;

PduType pdu_type(const Pdu& pdu) noexcept;
std::string_view pdu_type_name(std::uint8_t type) noexcept;  // "A-ASSOCIATE-RQ", ...

// Encodes one PDU with its 6-byte header. AE titles are padded to 16 bytes with spaces
// (longer titles are cut); UIDs are written as given (PS3.8 9.3.2.2.1: no padding).
// An item that does not fit its 16-bit length field (or a PDU its 32-bit one) is an error.
Result<Bytes> encode(const Pdu& pdu);

struct Limits {
  std::uint32_t max_pdu_length = 1U << 20;  // PDU length field (bytes after the header)
  std::size_t max_items = 512;              // items + sub-items (or PDVs) per PDU
  std::size_t max_buffered = 2U << 20;      // bytes fed but not yet consumed
};

// Decodes one complete PDU (header included). Trailing bytes are an error. Deviations the
// decoder tolerates (unknown items, trailing bytes inside a user-information sub-item) are
// appended to *notes when given.
Result<Pdu> decode_pdu(ByteView bytes, const Limits& limits = {},
                       std::vector<std::string>* notes = nullptr);

// Incremental decoder: feed() any chunk, then call next() until it stops returning Ready.
class PduDecoder {
 public:
  explicit PduDecoder(Limits limits = {});

  void feed(ByteView bytes);
  // NeedMore: no complete PDU buffered. Ready: pdu() holds one (valid until the next call).
  // Error: error() says why; the decoder stays in error and ignores further input.
  DecodeStatus next();
  [[nodiscard]] const Pdu& pdu() const noexcept { return pdu_; }
  Pdu take() { return std::move(pdu_); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  // Type byte of the PDU that failed (0 if the input ended or was never a header).
  [[nodiscard]] std::uint8_t error_type() const noexcept { return error_type_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return failed_ ? 0 : buf_.size() - pos_; }
  // Type of the PDU whose header is buffered (if any), e.g. for logging partial input.
  [[nodiscard]] std::optional<std::uint8_t> pending_type() const noexcept;
  // After Ready: the raw bytes of that PDU (header included), valid until the next call.
  [[nodiscard]] ByteView raw() const noexcept { return raw_; }
  // Deviations tolerated while decoding (see decode_pdu); take_notes() empties the list.
  std::vector<std::string> take_notes() { return std::exchange(notes_, {}); }

  // Forgets all buffered input and any error: the next byte fed starts a PDU.
  void reset();
  // Forgets any error and hunts for the next plausible PDU boundary in the input buffered
  // (after a decode error: from the byte after the failed PDU's first one) and fed from
  // now on (after a capture gap, or to start mid-stream). A candidate
  // boundary is accepted when
  //  - the type byte is a PS3.8 PDU type (0x01..0x07) and the reserved byte is 0;
  //  - the length is within Limits::max_pdu_length, is exactly 4 for A-ASSOCIATE-RJ,
  //    A-RELEASE-RQ/RP and A-ABORT, and at least 68 (the fixed part) for A-ASSOCIATE-RQ/AC;
  //  - A-ASSOCIATE-RQ/AC: the protocol version is 0x00nn with bit 0 set, the reserved
  //    bytes 9-10 are 0, both AE titles are printable ASCII and the first item is the
  //    application context item (0x10); each byte is judged as soon as it is buffered, so
  //    a false candidate is dropped early;
  //  - P-DATA-TF: the PDV items seen inside the PDU (at least the first one must be
  //    buffered) chain exactly: each item length >= 2 and within the PDU, an odd context
  //    id, a message control header <= 3, and all items ending exactly at the PDU's end;
  //  - A-ASSOCIATE-RJ, A-RELEASE-RQ/RP, A-ABORT: the 4-byte body holds values PS3.8
  //    allows (reserved bytes 0, result/source/reason codes in their ranges).
  // Bytes skipped while hunting are counted in skipped().
  void resync();
  [[nodiscard]] bool hunting() const noexcept { return hunting_; }
  [[nodiscard]] std::uint64_t skipped() const noexcept { return skipped_; }

 private:
  DecodeStatus fail(std::string message, std::uint8_t type = 0);
  // Resync: 1 = plausible boundary at buf_[at], 0 = not one, -1 = need more bytes to tell.
  int plausible_at(std::size_t at) const noexcept;

  Limits limits_;
  Bytes buf_;
  std::size_t pos_ = 0;
  Pdu pdu_;
  ByteView raw_{};
  std::vector<std::string> notes_;
  std::string error_;
  std::uint8_t error_type_ = 0;
  bool failed_ = false;
  bool hunting_ = false;
  std::uint64_t skipped_ = 0;
};

// Names for reports (exact strings appear in JSON output; DESIGN.md section 3).
std::string_view reject_result_name(std::uint8_t result) noexcept;
std::string_view reject_source_name(std::uint8_t source) noexcept;
std::string_view reject_reason_name(std::uint8_t source, std::uint8_t reason) noexcept;
std::string_view abort_source_name(std::uint8_t source) noexcept;
std::string_view abort_reason_name(std::uint8_t reason) noexcept;
std::string_view pc_result_name(PcResult result) noexcept;

}  // namespace dicomsec::dul
