// PS3.7 DIMSE command sets (Annex E: group 0000, implicit VR little endian) and their
// fragmentation into P-DATA-TF PDUs (PS3.8 Annex E.2). Reassembly is dul::Association's job
// (association.hpp). Sans-IO like the rest of the module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "dul/pdu.hpp"

namespace dicomsec::dimse {

// PS3.7 E.1: Command Field (0000,0100) values used by the scanner.
enum class CommandField : std::uint16_t {
  CStoreRq = 0x0001,
  CStoreRsp = 0x8001,
  CGetRq = 0x0010,
  CGetRsp = 0x8010,
  CFindRq = 0x0020,
  CFindRsp = 0x8020,
  CMoveRq = 0x0021,
  CMoveRsp = 0x8021,
  CEchoRq = 0x0030,
  CEchoRsp = 0x8030,
  CCancelRq = 0x0FFF,
  // PS3.7 E.2: DIMSE-N
  NEventReportRq = 0x0100,
  NEventReportRsp = 0x8100,
  NGetRq = 0x0110,
  NGetRsp = 0x8110,
  NSetRq = 0x0120,
  NSetRsp = 0x8120,
  NActionRq = 0x0130,
  NActionRsp = 0x8130,
  NCreateRq = 0x0140,
  NCreateRsp = 0x8140,
  NDeleteRq = 0x0150,
  NDeleteRsp = 0x8150
};

// PS3.7 E.1: Command Data Set Type (0000,0800) value meaning "no data set".
inline constexpr std::uint16_t kNoDataSet = 0x0101;
// PS3.7 9.1.1.1.6: Priority values.
inline constexpr std::uint16_t kPriorityMedium = 0x0000;

bool is_response(CommandField field) noexcept;
std::string_view command_name(CommandField field) noexcept;  // "C-ECHO-RQ", ...

struct Command {
  CommandField field = CommandField::CEchoRq;
  std::string affected_sop_class_uid{};                          // (0000,0002), omitted if empty
  std::uint16_t message_id = 0;                                  // (0000,0110), requests only
  std::optional<std::uint16_t> message_id_being_responded_to{};  // (0000,0120)
  std::uint16_t priority = kPriorityMedium;                // (0000,0700), C-STORE/FIND/GET/MOVE-RQ
  std::uint16_t command_data_set_type = kNoDataSet;        // (0000,0800)
  std::optional<std::uint16_t> status{};                   // (0000,0900)
  std::optional<std::string> affected_sop_instance_uid{};  // (0000,1000)
  std::optional<std::string> move_destination{};           // (0000,0600)
  std::optional<std::uint16_t> remaining{}, completed{}, failed{}, warning{};  // (0000,1020-1023)
  // C-STORE sub-operation of a C-MOVE (PS3.7 9.3.1.1).
  std::optional<std::string> move_originator_ae{};            // (0000,1030)
  std::optional<std::uint16_t> move_originator_message_id{};  // (0000,1031)
  // Status detail (PS3.7 C.4).
  std::optional<std::string> error_comment{};       // (0000,0902), LO
  std::optional<std::uint16_t> error_id{};          // (0000,0903)
  std::vector<std::uint32_t> offending_elements{};  // (0000,0901), AT
  // DIMSE-N (PS3.7 10.3, E.2).
  std::optional<std::string> requested_sop_class_uid{};     // (0000,0003)
  std::optional<std::string> requested_sop_instance_uid{};  // (0000,1001)
  std::optional<std::uint16_t> event_type_id{};             // (0000,1002)
  std::vector<std::uint32_t> attribute_identifiers{};       // (0000,1005), AT
  std::optional<std::uint16_t> action_type_id{};            // (0000,1008)

  [[nodiscard]] bool has_data_set() const noexcept { return command_data_set_type != kNoDataSet; }
  bool operator==(const Command&) const = default;
};

// Encodes the command set with CommandGroupLength first; UI values padded to even length
// with NUL, AE values with a space (PS3.5 6.2).
Bytes encode_command(const Command& command);

struct CommandLimits {
  std::size_t max_elements = 64;
};
// Decodes a complete command set. Requires (0000,0000) first and matching the bytes given,
// (0000,0100) and (0000,0800); other unknown group-0000 elements are skipped.
Result<Command> decode_command(ByteView bytes, const CommandLimits& limits = {});

// THE fragmentation routine of the module (dul::Association's send path uses it too):
// appends to `out` the P-DATA-TF PDUs that carry `bytes` as the PDV fragments of a command
// set (command = true) or of a data set, on `context_id`. Each PDU carries one PDV and its
// length field does not exceed peer_max_pdu (the peer's maximum length sub-item, PS3.8 D.1;
// 0 = unlimited). The final fragment is flagged "last" only when `last` is true, so a data
// set may be sent in several calls. Empty `bytes` still give one (empty) PDV, so an empty
// last part ends the message. Command and data set are never mixed in one PDV (PS3.8 E.2).
void append_pdata(Bytes& out, std::uint8_t context_id, ByteView bytes, bool command, bool last,
                  std::uint32_t peer_max_pdu);
// A whole message as P-DATA-TF bytes: the command set, then the data set if one is given
// (two append_pdata calls; for clients that send without an engine, tests and fuzz seeds).
Bytes encode_pdata(std::uint8_t context_id, ByteView command, const Bytes* data_set,
                   std::uint32_t peer_max_pdu);

// PS3.7 Annex C status classes.
enum class StatusCategory { Success, Pending, Cancel, Warning, Failure };
StatusCategory status_category(std::uint16_t status) noexcept;
std::string_view status_category_name(StatusCategory category) noexcept;
// A specific name where PS3.7 Annex C / PS3.4 give one (e.g. 0xA801
// "move-destination-unknown"), else the category name.
std::string_view status_name(std::uint16_t status) noexcept;

}  // namespace dicomsec::dimse
