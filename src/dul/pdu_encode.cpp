// PS3.8 9.3: PDU encoding. Every variable-length field is written through the Encoder's
// reserve/patch pair so lengths always match the bytes that follow; a field too small for
// its content makes encode() return an error instead of a corrupt PDU.
#include <variant>

#include "core/overloaded.hpp"
#include "dul/pdu.hpp"
#include "dul/user_info.hpp"
#include "dul/wire.hpp"

namespace dicomsec::dul {

namespace {

void write_ae(ByteWriter& w, std::string_view ae) {
  auto title = ae.substr(0, wire::kAeTitleLength);
  w.text(title);
  for (auto i = title.size(); i < wire::kAeTitleLength; ++i) w.u8(' ');
}

// PS3.8 9.3.2 / 9.3.3: bytes 7-74 are shared by A-ASSOCIATE-RQ and -AC.
void write_assoc_fixed(wire::Encoder& e, std::uint16_t version, std::string_view called,
                       std::string_view calling, std::string_view app_context) {
  e.w.u16be(version);
  e.w.u16be(0);
  write_ae(e.w, called);
  write_ae(e.w, calling);
  e.w.zeros(32);
  wire::write_uid_item(e, wire::kApplicationContextItem, app_context);
}

void write_unknown_items(wire::Encoder& e, const std::vector<UnknownItem>& items) {
  for (const auto& item : items) {
    e.w.u8(item.type);
    e.w.u8(0);
    wire::write_u16_prefixed(e, ByteView(item.value));
  }
}

void write_body(wire::Encoder& e, const AssociateRq& rq) {
  write_assoc_fixed(e, rq.protocol_version, rq.called_ae, rq.calling_ae, rq.application_context);
  for (const auto& pc : rq.contexts) {  // PS3.8 9.3.2.2
    e.w.u8(wire::kPresentationContextRqItem);
    e.w.u8(0);
    auto at = e.w.reserve_u16be();
    e.w.u8(pc.id);
    e.w.zeros(3);
    wire::write_uid_item(e, wire::kAbstractSyntaxItem, pc.abstract_syntax);
    for (const auto& ts : pc.transfer_syntaxes)
      wire::write_uid_item(e, wire::kTransferSyntaxItem, ts);
    e.patch_u16be(at);
  }
  detail::encode_user_info(e, rq.user_info);
  write_unknown_items(e, rq.unknown_items);
}

void write_body(wire::Encoder& e, const AssociateAc& ac) {
  write_assoc_fixed(e, ac.protocol_version, ac.called_ae, ac.calling_ae, ac.application_context);
  for (const auto& pc : ac.contexts) {  // PS3.8 9.3.3.2
    e.w.u8(wire::kPresentationContextAcItem);
    e.w.u8(0);
    auto at = e.w.reserve_u16be();
    e.w.u8(pc.id);
    e.w.u8(0);
    e.w.u8(static_cast<std::uint8_t>(pc.result));
    e.w.u8(0);
    wire::write_uid_item(e, wire::kTransferSyntaxItem, pc.transfer_syntax);
    e.patch_u16be(at);
  }
  detail::encode_user_info(e, ac.user_info);
  write_unknown_items(e, ac.unknown_items);
}

void write_body(wire::Encoder& e, const AssociateRj& rj) {  // PS3.8 9.3.4
  e.w.u8(0);
  e.w.u8(rj.result);
  e.w.u8(rj.source);
  e.w.u8(rj.reason);
}

void write_body(wire::Encoder& e, const PData& pd) {  // PS3.8 9.3.5, Annex E.2
  for (const auto& pdv : pd.pdvs) {
    auto at = e.w.reserve_u32be();
    e.w.u8(pdv.context_id);
    e.w.u8(static_cast<std::uint8_t>((pdv.command ? 1 : 0) | (pdv.last ? 2 : 0)));
    e.w.bytes(pdv.data);
    e.patch_u32be(at);
  }
}

void write_body(wire::Encoder& e, const ReleaseRq&) { e.w.zeros(4); }  // PS3.8 9.3.6
void write_body(wire::Encoder& e, const ReleaseRp&) { e.w.zeros(4); }  // PS3.8 9.3.7

void write_body(wire::Encoder& e, const Abort& ab) {  // PS3.8 9.3.8
  e.w.zeros(2);
  e.w.u8(ab.source);
  e.w.u8(ab.reason);
}

}  // namespace

PduType pdu_type(const Pdu& pdu) noexcept {
  return std::visit(Overloaded{[](const AssociateRq&) { return PduType::AssociateRq; },
                               [](const AssociateAc&) { return PduType::AssociateAc; },
                               [](const AssociateRj&) { return PduType::AssociateRj; },
                               [](const PData&) { return PduType::PData; },
                               [](const ReleaseRq&) { return PduType::ReleaseRq; },
                               [](const ReleaseRp&) { return PduType::ReleaseRp; },
                               [](const Abort&) { return PduType::Abort; }},
                    pdu);
}

Result<Bytes> encode(const Pdu& pdu) {
  wire::Encoder e;
  e.w.u8(static_cast<std::uint8_t>(pdu_type(pdu)));
  e.w.u8(0);
  auto at = e.w.reserve_u32be();
  std::visit([&e](const auto& body) { write_body(e, body); }, pdu);
  e.patch_u32be(at);
  if (!e.error.empty())
    return make_error(std::string(pdu_type_name(static_cast<std::uint8_t>(pdu_type(pdu)))) + ": " +
                      e.error);
  return std::move(e.w).take();
}

}  // namespace dicomsec::dul
