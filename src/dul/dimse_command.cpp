// PS3.7 Annex E: command set encoding (implicit VR little endian, group 0000 only) and a
// bounded decoder for command sets received from peers.
#include <optional>
#include <string>
#include <vector>

#include "dul/dimse.hpp"
#include "dul/wire.hpp"

namespace dicomsec::dimse {

namespace {

// PS3.7 E.1 / E.2 element numbers within group 0000.
enum Tag : std::uint16_t {
  kGroupLength = 0x0000,
  kAffectedSopClass = 0x0002,
  kRequestedSopClass = 0x0003,
  kCommandField = 0x0100,
  kMessageId = 0x0110,
  kMessageIdRespondedTo = 0x0120,
  kMoveDestination = 0x0600,
  kPriority = 0x0700,
  kDataSetType = 0x0800,
  kStatus = 0x0900,
  kOffendingElement = 0x0901,
  kErrorComment = 0x0902,
  kErrorId = 0x0903,
  kAffectedSopInstance = 0x1000,
  kRequestedSopInstance = 0x1001,
  kEventTypeId = 0x1002,
  kAttributeIdentifierList = 0x1005,
  kActionTypeId = 0x1008,
  kRemaining = 0x1020,
  kCompleted = 0x1021,
  kFailed = 0x1022,
  kWarning = 0x1023,
  kMoveOriginatorAe = 0x1030,
  kMoveOriginatorMessageId = 0x1031,
};

void element_header(ByteWriter& w, std::uint16_t element, std::uint32_t length) {
  w.u16le(0x0000);
  w.u16le(element);
  w.u32le(length);
}

void put_us(ByteWriter& w, std::uint16_t element, std::uint16_t value) {
  element_header(w, element, 2);
  w.u16le(value);
}

// PS3.5 6.2: UI pads to even length with NUL, AE with a space.
void put_text(ByteWriter& w, std::uint16_t element, std::string_view value, std::uint8_t pad) {
  bool odd = value.size() % 2 != 0;
  element_header(w, element, static_cast<std::uint32_t>(value.size() + (odd ? 1 : 0)));
  w.text(value);
  if (odd) w.u8(pad);
}

// AT values: group then element, each 16-bit little endian (PS3.5 6.2).
void put_at(ByteWriter& w, std::uint16_t element, const std::vector<std::uint32_t>& tags) {
  element_header(w, element, static_cast<std::uint32_t>(tags.size() * 4));
  for (auto t : tags) {
    w.u16le(static_cast<std::uint16_t>(t >> 16));
    w.u16le(static_cast<std::uint16_t>(t & 0xFFFF));
  }
}

std::optional<std::vector<std::uint32_t>> get_at(ByteView value) {
  if (value.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint32_t> out;
  ByteReader r(value);
  while (!r.empty()) {
    auto g = r.u16le();
    auto e = r.u16le();
    out.push_back((std::uint32_t{*g} << 16) | *e);
  }
  return out;
}

bool is_request_with_priority(CommandField f) {
  return f == CommandField::CStoreRq || f == CommandField::CFindRq || f == CommandField::CGetRq ||
         f == CommandField::CMoveRq;
}

// Text values: leading spaces and trailing space/NUL padding are not significant.
std::string trim_text(ByteView raw) { return dul::wire::trim_ae(raw); }

std::string hex16(std::uint16_t v) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string s = "(0000,";
  for (int shift = 12; shift >= 0; shift -= 4) s.push_back(digits[(v >> shift) & 0xF]);
  s.push_back(')');
  return s;
}

}  // namespace

bool is_response(CommandField field) noexcept {
  return (static_cast<std::uint16_t>(field) & 0x8000) != 0;
}

std::string_view command_name(CommandField field) noexcept {
  switch (field) {
    case CommandField::CStoreRq: return "C-STORE-RQ";
    case CommandField::CStoreRsp: return "C-STORE-RSP";
    case CommandField::CGetRq: return "C-GET-RQ";
    case CommandField::CGetRsp: return "C-GET-RSP";
    case CommandField::CFindRq: return "C-FIND-RQ";
    case CommandField::CFindRsp: return "C-FIND-RSP";
    case CommandField::CMoveRq: return "C-MOVE-RQ";
    case CommandField::CMoveRsp: return "C-MOVE-RSP";
    case CommandField::CEchoRq: return "C-ECHO-RQ";
    case CommandField::CEchoRsp: return "C-ECHO-RSP";
    case CommandField::CCancelRq: return "C-CANCEL-RQ";
    case CommandField::NEventReportRq: return "N-EVENT-REPORT-RQ";
    case CommandField::NEventReportRsp: return "N-EVENT-REPORT-RSP";
    case CommandField::NGetRq: return "N-GET-RQ";
    case CommandField::NGetRsp: return "N-GET-RSP";
    case CommandField::NSetRq: return "N-SET-RQ";
    case CommandField::NSetRsp: return "N-SET-RSP";
    case CommandField::NActionRq: return "N-ACTION-RQ";
    case CommandField::NActionRsp: return "N-ACTION-RSP";
    case CommandField::NCreateRq: return "N-CREATE-RQ";
    case CommandField::NCreateRsp: return "N-CREATE-RSP";
    case CommandField::NDeleteRq: return "N-DELETE-RQ";
    case CommandField::NDeleteRsp: return "N-DELETE-RSP";
  }
  return "unknown-command";
}

Bytes encode_command(const Command& c) {
  ByteWriter body;  // elements in ascending tag order (PS3.5 7.1)
  if (!c.affected_sop_class_uid.empty())
    put_text(body, kAffectedSopClass, c.affected_sop_class_uid, 0);
  if (c.requested_sop_class_uid) put_text(body, kRequestedSopClass, *c.requested_sop_class_uid, 0);
  put_us(body, kCommandField, static_cast<std::uint16_t>(c.field));
  if (!is_response(c.field) && c.field != CommandField::CCancelRq)
    put_us(body, kMessageId, c.message_id);
  if (c.message_id_being_responded_to)
    put_us(body, kMessageIdRespondedTo, *c.message_id_being_responded_to);
  if (c.move_destination) put_text(body, kMoveDestination, *c.move_destination, ' ');
  if (is_request_with_priority(c.field)) put_us(body, kPriority, c.priority);
  put_us(body, kDataSetType, c.command_data_set_type);
  if (c.status) put_us(body, kStatus, *c.status);
  if (!c.offending_elements.empty()) put_at(body, kOffendingElement, c.offending_elements);
  if (c.error_comment) put_text(body, kErrorComment, *c.error_comment, ' ');
  if (c.error_id) put_us(body, kErrorId, *c.error_id);
  if (c.affected_sop_instance_uid)
    put_text(body, kAffectedSopInstance, *c.affected_sop_instance_uid, 0);
  if (c.requested_sop_instance_uid)
    put_text(body, kRequestedSopInstance, *c.requested_sop_instance_uid, 0);
  if (c.event_type_id) put_us(body, kEventTypeId, *c.event_type_id);
  if (!c.attribute_identifiers.empty())
    put_at(body, kAttributeIdentifierList, c.attribute_identifiers);
  if (c.action_type_id) put_us(body, kActionTypeId, *c.action_type_id);
  if (c.remaining) put_us(body, kRemaining, *c.remaining);
  if (c.completed) put_us(body, kCompleted, *c.completed);
  if (c.failed) put_us(body, kFailed, *c.failed);
  if (c.warning) put_us(body, kWarning, *c.warning);
  if (c.move_originator_ae) put_text(body, kMoveOriginatorAe, *c.move_originator_ae, ' ');
  if (c.move_originator_message_id)
    put_us(body, kMoveOriginatorMessageId, *c.move_originator_message_id);

  ByteWriter out;  // PS3.7 E.1: CommandGroupLength (UL) counts the bytes after it
  element_header(out, kGroupLength, 4);
  out.u32le(static_cast<std::uint32_t>(body.size()));
  out.bytes(body.data());
  return std::move(out).take();
}

Result<Command> decode_command(ByteView bytes, const CommandLimits& limits) {
  ByteReader r(bytes);
  auto group = r.u16le();
  auto element = r.u16le();
  auto length = r.u32le();
  auto group_length = r.u32le();
  if (!group || !element || !length || !group_length || *group != 0 || *element != kGroupLength ||
      *length != 4)
    return make_error("command set does not start with (0000,0000) CommandGroupLength");
  if (*group_length != r.remaining())
    return make_error("CommandGroupLength " + std::to_string(*group_length) + " but " +
                      std::to_string(r.remaining()) + " bytes follow");

  Command c;
  bool have_field = false;
  bool have_type = false;
  std::size_t count = 0;
  while (!r.empty()) {
    if (++count > limits.max_elements) return make_error("command set: too many elements");
    auto g = r.u16le();
    auto e = r.u16le();
    auto len = r.u32le();
    if (!g || !e || !len) return make_error("command set: truncated element header");
    if (*g != 0) return make_error("command set: element outside group 0000");
    auto value = r.take(*len);
    if (!value)
      return make_error("command set: element " + hex16(*e) + " length " + std::to_string(*len) +
                        " exceeds the " + std::to_string(r.remaining()) + " bytes left");
    ByteReader v(*value);
    std::optional<std::uint16_t> us;
    if (*len == 2) us = v.u16le();
    auto need_us = [&](std::optional<std::uint16_t>& slot) -> bool {
      if (!us) return false;
      slot = us;
      return true;
    };
    bool ok = true;
    switch (*e) {
      case kAffectedSopClass: c.affected_sop_class_uid = trim_text(*value); break;
      case kAffectedSopInstance: c.affected_sop_instance_uid = trim_text(*value); break;
      case kMoveDestination: c.move_destination = trim_text(*value); break;
      case kRequestedSopClass: c.requested_sop_class_uid = trim_text(*value); break;
      case kRequestedSopInstance: c.requested_sop_instance_uid = trim_text(*value); break;
      case kErrorComment: c.error_comment = trim_text(*value); break;
      case kMoveOriginatorAe: c.move_originator_ae = trim_text(*value); break;
      case kErrorId: ok = need_us(c.error_id); break;
      case kEventTypeId: ok = need_us(c.event_type_id); break;
      case kActionTypeId: ok = need_us(c.action_type_id); break;
      case kMoveOriginatorMessageId: ok = need_us(c.move_originator_message_id); break;
      case kOffendingElement:
      case kAttributeIdentifierList: {
        auto tags = get_at(*value);
        ok = tags.has_value();
        if (ok)
          (*e == kOffendingElement ? c.offending_elements : c.attribute_identifiers) =
              std::move(*tags);
        break;
      }
      case kCommandField:
        ok = us.has_value();
        if (ok) c.field = static_cast<CommandField>(*us);
        have_field = ok;
        break;
      case kMessageId:
        ok = us.has_value();
        if (ok) c.message_id = *us;
        break;
      case kPriority:
        ok = us.has_value();
        if (ok) c.priority = *us;
        break;
      case kDataSetType:
        ok = us.has_value();
        if (ok) c.command_data_set_type = *us;
        have_type = ok;
        break;
      case kMessageIdRespondedTo: ok = need_us(c.message_id_being_responded_to); break;
      case kStatus: ok = need_us(c.status); break;
      case kRemaining: ok = need_us(c.remaining); break;
      case kCompleted: ok = need_us(c.completed); break;
      case kFailed: ok = need_us(c.failed); break;
      case kWarning: ok = need_us(c.warning); break;
      default: break;  // PS3.7 E.1: other command elements are not needed here
    }
    if (!ok)
      return make_error("command set: element " + hex16(*e) + " has length " +
                        std::to_string(*len) + " (US needs 2, AT a multiple of 4)");
  }
  if (!have_field) return make_error("command set: missing (0000,0100) CommandField");
  if (!have_type) return make_error("command set: missing (0000,0800) CommandDataSetType");
  return c;
}

}  // namespace dicomsec::dimse
