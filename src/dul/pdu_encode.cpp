// PS3.8 9.3: PDU encoding. Every variable-length field is written through ByteWriter's
// reserve/patch pair so lengths always match the bytes that follow.
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
void write_assoc_fixed(ByteWriter& w, std::uint16_t version, std::string_view called,
                       std::string_view calling, std::string_view app_context) {
  w.u16be(version);
  w.u16be(0);
  write_ae(w, called);
  write_ae(w, calling);
  w.zeros(32);
  wire::write_uid_item(w, wire::kApplicationContextItem, app_context);
}

void write_body(ByteWriter& w, const AssociateRq& rq) {
  write_assoc_fixed(w, rq.protocol_version, rq.called_ae, rq.calling_ae, rq.application_context);
  for (const auto& pc : rq.contexts) {  // PS3.8 9.3.2.2
    w.u8(wire::kPresentationContextRqItem);
    w.u8(0);
    auto at = w.reserve_u16be();
    w.u8(pc.id);
    w.zeros(3);
    wire::write_uid_item(w, wire::kAbstractSyntaxItem, pc.abstract_syntax);
    for (const auto& ts : pc.transfer_syntaxes)
      wire::write_uid_item(w, wire::kTransferSyntaxItem, ts);
    w.patch_u16be(at);
  }
  detail::encode_user_info(w, rq.user_info);
}

void write_body(ByteWriter& w, const AssociateAc& ac) {
  write_assoc_fixed(w, ac.protocol_version, ac.called_ae, ac.calling_ae, ac.application_context);
  for (const auto& pc : ac.contexts) {  // PS3.8 9.3.3.2
    w.u8(wire::kPresentationContextAcItem);
    w.u8(0);
    auto at = w.reserve_u16be();
    w.u8(pc.id);
    w.u8(0);
    w.u8(static_cast<std::uint8_t>(pc.result));
    w.u8(0);
    wire::write_uid_item(w, wire::kTransferSyntaxItem, pc.transfer_syntax);
    w.patch_u16be(at);
  }
  detail::encode_user_info(w, ac.user_info);
}

void write_body(ByteWriter& w, const AssociateRj& rj) {  // PS3.8 9.3.4
  w.u8(0);
  w.u8(rj.result);
  w.u8(rj.source);
  w.u8(rj.reason);
}

void write_body(ByteWriter& w, const PData& pd) {  // PS3.8 9.3.5, Annex E.2
  for (const auto& pdv : pd.pdvs) {
    auto at = w.reserve_u32be();
    w.u8(pdv.context_id);
    w.u8(static_cast<std::uint8_t>((pdv.command ? 1 : 0) | (pdv.last ? 2 : 0)));
    w.bytes(pdv.data);
    w.patch_u32be(at);
  }
}

void write_body(ByteWriter& w, const ReleaseRq&) { w.zeros(4); }  // PS3.8 9.3.6
void write_body(ByteWriter& w, const ReleaseRp&) { w.zeros(4); }  // PS3.8 9.3.7

void write_body(ByteWriter& w, const Abort& ab) {  // PS3.8 9.3.8
  w.zeros(2);
  w.u8(ab.source);
  w.u8(ab.reason);
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

Bytes encode(const Pdu& pdu) {
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(pdu_type(pdu)));
  w.u8(0);
  auto at = w.reserve_u32be();
  std::visit([&w](const auto& body) { write_body(w, body); }, pdu);
  w.patch_u32be(at);
  return std::move(w).take();
}

}  // namespace dicomsec::dul
