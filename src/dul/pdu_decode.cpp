// PS3.8 9.3: decoding one complete PDU. Every item and sub-item length is checked against
// the bytes of its enclosing item before use (ByteReader::sub), and the number of items
// per PDU is capped by Limits::max_items.
#include "dul/pdu_decode.hpp"

#include <optional>
#include <utility>

#include "dul/pdu.hpp"
#include "dul/user_info.hpp"
#include "dul/wire.hpp"

namespace dicomsec::dul {

namespace {

using detail::ItemBudget;
using wire::hex8;

struct Item {
  std::uint8_t type;
  ByteReader body;
};

// PS3.8 9.3.2.1: item = type, reserved, 16-bit length, value.
Result<Item> next_item(ByteReader& r, std::string_view where, ItemBudget& budget) {
  if (!budget.spend()) return make_error(std::string(where) + ": too many items");
  auto type = r.u8();
  bool reserved = r.skip(1);
  auto len = r.u16be();
  if (!type || !reserved || !len) return make_error(std::string(where) + ": truncated item header");
  auto body = r.sub(*len);
  if (!body)
    return make_error(std::string(where) + ": item " + hex8(*type) + " length " +
                      std::to_string(*len) + " exceeds the " + std::to_string(r.remaining()) +
                      " bytes left");
  return Item{*type, *body};
}

// Fields shared by A-ASSOCIATE-RQ and -AC (PS3.8 9.3.2 / 9.3.3, bytes 7-74 and the
// application context and user information items).
struct AssocCommon {
  std::uint16_t version = 0;
  std::string called;
  std::string calling;
  std::optional<std::string> app_context;
  std::optional<UserInformation> user_info;
  std::vector<UnknownItem> unknown;
};

void add_note(std::vector<std::string>* notes, std::string text) {
  if (notes != nullptr && notes->size() < 64) notes->push_back(std::move(text));
}

// Decodes the fixed part and all items; presentation context items go to on_pc.
template <class OnPc>
Result<AssocCommon> decode_assoc(ByteReader r, std::string_view where, std::uint8_t pc_type,
                                 const Limits& limits, std::vector<std::string>* notes,
                                 OnPc&& on_pc) {
  AssocCommon c;
  auto version = r.u16be();
  bool reserved = r.skip(2);
  auto called = r.take(wire::kAeTitleLength);
  auto calling = r.take(wire::kAeTitleLength);
  if (!version || !reserved || !called || !calling || !r.skip(32))
    return make_error(std::string(where) + ": shorter than its 68-byte fixed part");
  c.version = *version;
  c.called = wire::trim_ae(*called);
  c.calling = wire::trim_ae(*calling);
  ItemBudget budget(limits.max_items);
  while (!r.empty()) {
    auto item = next_item(r, where, budget);
    if (!item) return item.error();
    if (item->type == wire::kApplicationContextItem) {  // PS3.8 9.3.2.1
      if (c.app_context) return make_error(std::string(where) + ": duplicate application context");
      c.app_context = wire::trim_uid(item->body.rest());
    } else if (item->type == pc_type) {
      if (auto err = on_pc(item->body, budget)) return std::move(*err);
    } else if (item->type == wire::kUserInformationItem) {
      if (c.user_info) return make_error(std::string(where) + ": duplicate user information");
      auto ui = detail::decode_user_info(item->body, budget, notes);
      if (!ui) return make_error(std::string(where) + ": " + ui.error().message);
      c.user_info = std::move(*ui);
    } else {
      // PS3.8 9.3.1: unrecognised items are not fatal for us; keep them verbatim so a proxy
      // can forward them and a report can say what was there.
      add_note(notes, std::string(where) + ": unknown item " + hex8(item->type) + " (" +
                          std::to_string(item->body.remaining()) + " bytes) kept");
      auto rest = item->body.rest();
      c.unknown.push_back({item->type, Bytes(rest.begin(), rest.end())});
    }
  }
  if (!c.app_context) return make_error(std::string(where) + ": missing application context");
  return c;
}

Result<Pdu> decode_rq(ByteView body, const Limits& limits, std::vector<std::string>* notes) {
  AssociateRq rq;
  constexpr std::string_view where = "A-ASSOCIATE-RQ";
  // PS3.8 9.3.2.2: one abstract syntax sub-item, one or more transfer syntax sub-items.
  auto on_pc = [&](ByteReader pc_body, ItemBudget& budget) -> std::optional<Error> {
    PresentationContextRq pc;
    auto id = pc_body.u8();
    if (!id || !pc_body.skip(3))
      return make_error("A-ASSOCIATE-RQ: truncated presentation context");
    pc.id = *id;
    bool have_abstract = false;
    while (!pc_body.empty()) {
      auto sub = next_item(pc_body, "A-ASSOCIATE-RQ presentation context", budget);
      if (!sub) return sub.error();
      if (sub->type == wire::kAbstractSyntaxItem && !have_abstract) {
        pc.abstract_syntax = wire::trim_uid(sub->body.rest());
        have_abstract = true;
      } else if (sub->type == wire::kTransferSyntaxItem) {
        pc.transfer_syntaxes.push_back(wire::trim_uid(sub->body.rest()));
      } else {
        return make_error("A-ASSOCIATE-RQ presentation context " + std::to_string(pc.id) +
                          ": unexpected sub-item " + hex8(sub->type));
      }
    }
    if (!have_abstract || pc.transfer_syntaxes.empty())
      return make_error("A-ASSOCIATE-RQ presentation context " + std::to_string(pc.id) +
                        ": needs one abstract syntax and at least one transfer syntax");
    rq.contexts.push_back(std::move(pc));
    return std::nullopt;
  };
  auto common =
      decode_assoc(ByteReader(body), where, wire::kPresentationContextRqItem, limits, notes, on_pc);
  if (!common) return common.error();
  rq.protocol_version = common->version;
  rq.called_ae = std::move(common->called);
  rq.calling_ae = std::move(common->calling);
  rq.application_context = std::move(*common->app_context);
  if (common->user_info) rq.user_info = std::move(*common->user_info);
  rq.unknown_items = std::move(common->unknown);
  return Pdu(std::move(rq));
}

Result<Pdu> decode_ac(ByteView body, const Limits& limits, std::vector<std::string>* notes) {
  AssociateAc ac;
  constexpr std::string_view where = "A-ASSOCIATE-AC";
  // PS3.8 9.3.3.2: one transfer syntax sub-item (not significant unless accepted, so a
  // missing one is tolerated for rejected contexts).
  auto on_pc = [&](ByteReader pc_body, ItemBudget& budget) -> std::optional<Error> {
    PresentationContextAc pc;
    auto id = pc_body.u8();
    bool reserved = pc_body.skip(1);
    auto result = pc_body.u8();
    if (!id || !reserved || !result || !pc_body.skip(1))
      return make_error("A-ASSOCIATE-AC: truncated presentation context");
    pc.id = *id;
    pc.result = static_cast<PcResult>(*result);
    bool have_ts = false;
    while (!pc_body.empty()) {
      auto sub = next_item(pc_body, "A-ASSOCIATE-AC presentation context", budget);
      if (!sub) return sub.error();
      if (sub->type != wire::kTransferSyntaxItem || have_ts)
        return make_error("A-ASSOCIATE-AC presentation context " + std::to_string(pc.id) +
                          ": unexpected sub-item " + hex8(sub->type));
      pc.transfer_syntax = wire::trim_uid(sub->body.rest());
      have_ts = true;
    }
    if (!have_ts && pc.result == PcResult::Acceptance)
      return make_error("A-ASSOCIATE-AC presentation context " + std::to_string(pc.id) +
                        ": accepted without a transfer syntax");
    ac.contexts.push_back(std::move(pc));
    return std::nullopt;
  };
  auto common =
      decode_assoc(ByteReader(body), where, wire::kPresentationContextAcItem, limits, notes, on_pc);
  if (!common) return common.error();
  ac.protocol_version = common->version;
  ac.called_ae = std::move(common->called);
  ac.calling_ae = std::move(common->calling);
  ac.application_context = std::move(*common->app_context);
  if (common->user_info) ac.user_info = std::move(*common->user_info);
  ac.unknown_items = std::move(common->unknown);
  return Pdu(std::move(ac));
}

Result<Pdu> decode_pdata(ByteView body, const Limits& limits) {  // PS3.8 9.3.5
  PData pd;
  ByteReader r(body);
  ItemBudget budget(limits.max_items);
  while (!r.empty()) {
    if (!budget.spend()) return make_error("P-DATA-TF: too many PDV items");
    auto len = r.u32be();
    if (!len) return make_error("P-DATA-TF: truncated PDV item length");
    if (*len < 2) return make_error("P-DATA-TF: PDV item length " + std::to_string(*len) + " < 2");
    auto item = r.sub(*len);
    if (!item)
      return make_error("P-DATA-TF: PDV item length " + std::to_string(*len) + " exceeds the " +
                        std::to_string(r.remaining()) + " bytes left");
    auto id = item->u8();
    auto header = item->u8();  // PS3.8 E.2: bit 0 command, bit 1 last fragment
    if (!id || !header) return make_error("P-DATA-TF: truncated PDV header");
    auto data = item->rest();
    pd.pdvs.push_back(
        Pdv{*id, (*header & 1) != 0, (*header & 2) != 0, Bytes(data.begin(), data.end())});
  }
  if (pd.pdvs.empty()) return make_error("P-DATA-TF: no PDV items");
  return Pdu(std::move(pd));
}

// A-ASSOCIATE-RJ, A-RELEASE-RQ/RP and A-ABORT all have a 4-byte body.
Result<ByteReader> fixed4(ByteView body, std::string_view where) {
  if (body.size() != 4)
    return make_error(std::string(where) + ": length " + std::to_string(body.size()) +
                      " (expected 4)");
  return ByteReader(body);
}

}  // namespace

namespace detail {

Result<Pdu> decode_body(std::uint8_t type, ByteView body, const Limits& limits,
                        std::vector<std::string>* notes) {
  switch (type) {
    case static_cast<std::uint8_t>(PduType::AssociateRq): return decode_rq(body, limits, notes);
    case static_cast<std::uint8_t>(PduType::AssociateAc): return decode_ac(body, limits, notes);
    case static_cast<std::uint8_t>(PduType::PData): return decode_pdata(body, limits);
    case static_cast<std::uint8_t>(PduType::AssociateRj): {  // PS3.8 9.3.4
      auto r = fixed4(body, "A-ASSOCIATE-RJ");
      if (!r) return r.error();
      r->skip(1);
      return Pdu(AssociateRj{*r->u8(), *r->u8(), *r->u8()});
    }
    case static_cast<std::uint8_t>(PduType::ReleaseRq): {
      auto r = fixed4(body, "A-RELEASE-RQ");
      if (!r) return r.error();
      return Pdu(ReleaseRq{});
    }
    case static_cast<std::uint8_t>(PduType::ReleaseRp): {
      auto r = fixed4(body, "A-RELEASE-RP");
      if (!r) return r.error();
      return Pdu(ReleaseRp{});
    }
    case static_cast<std::uint8_t>(PduType::Abort): {  // PS3.8 9.3.8
      auto r = fixed4(body, "A-ABORT");
      if (!r) return r.error();
      r->skip(2);
      return Pdu(Abort{*r->u8(), *r->u8()});
    }
    default: return make_error("unknown PDU type " + hex8(type));
  }
}

bool known_pdu_type(std::uint8_t type) noexcept {
  return type >= static_cast<std::uint8_t>(PduType::AssociateRq) &&
         type <= static_cast<std::uint8_t>(PduType::Abort);
}

}  // namespace detail

Result<Pdu> decode_pdu(ByteView bytes, const Limits& limits, std::vector<std::string>* notes) {
  ByteReader r(bytes);
  auto type = r.u8();
  bool reserved = r.skip(1);
  auto len = r.u32be();
  if (!type || !reserved || !len) return make_error("truncated PDU header");
  if (!detail::known_pdu_type(*type)) return make_error("unknown PDU type " + hex8(*type));
  if (*len > limits.max_pdu_length)
    return make_error("PDU length " + std::to_string(*len) + " exceeds the limit of " +
                      std::to_string(limits.max_pdu_length));
  if (*len != r.remaining())
    return make_error("PDU length " + std::to_string(*len) + " does not match the " +
                      std::to_string(r.remaining()) + " bytes given");
  return detail::decode_body(*type, r.rest(), limits, notes);
}

}  // namespace dicomsec::dul
