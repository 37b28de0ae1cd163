// PS3.7 Annex D.3.3 and PS3.8 Annex D.1: user-information sub-items. Unknown sub-item
// types are kept verbatim (UserInformation::unknown) rather than rejected, so a scanner
// can report vendor extensions.
#include "dul/user_info.hpp"

#include <optional>
#include <utility>

#include "dul/wire.hpp"

namespace dicomsec::dul::detail {

namespace {

using wire::hex8;

void begin_item(ByteWriter& w, std::uint8_t type) {
  w.u8(type);
  w.u8(0);
}

// Reads a 16-bit length followed by that many bytes.
std::optional<ByteView> u16_prefixed(ByteReader& r) {
  auto len = r.u16be();
  if (!len) return std::nullopt;
  return r.take(*len);
}

Error sub_item_error(std::uint8_t type, std::string_view what) {
  return make_error("user information sub-item " + hex8(type) + ": " + std::string(what));
}

// Decodes one known sub-item into ui; returns an error message on malformed content.
std::optional<Error> decode_sub_item(std::uint8_t type, ByteReader r, UserInformation& ui,
                                     ItemBudget& budget, std::vector<std::string>* notes) {
  // Trailing bytes after the fields are tolerated (the fields are complete) and noted.
  auto exact = [&](bool ok) -> std::optional<Error> {
    if (!ok) return sub_item_error(type, "truncated field");
    if (!r.empty() && notes != nullptr && notes->size() < 64)
      notes->push_back("user information sub-item " + hex8(type) + ": " +
                       std::to_string(r.remaining()) + " trailing byte(s) ignored");
    return std::nullopt;
  };
  switch (type) {
    case wire::kMaxLengthItem: {  // PS3.8 D.1.1
      auto v = r.u32be();
      if (v) ui.max_length = *v;
      return exact(v.has_value());
    }
    case wire::kImplementationClassItem:  // PS3.7 D.3.3.2.1
      ui.implementation_class_uid = wire::trim_uid(r.rest());
      return std::nullopt;
    case wire::kImplementationVersionItem:  // PS3.7 D.3.3.2.3
      ui.implementation_version_name = wire::trim_uid(r.rest());
      return std::nullopt;
    case wire::kAsyncOpsItem: {  // PS3.7 D.3.3.3.1
      auto invoked = r.u16be();
      auto performed = r.u16be();
      if (invoked && performed) ui.async_ops = AsyncOperationsWindow{*invoked, *performed};
      return exact(invoked && performed);
    }
    case wire::kRoleSelectionItem: {  // PS3.7 D.3.3.4.1
      auto uid = u16_prefixed(r);
      auto scu = r.u8();
      auto scp = r.u8();
      if (uid && scu && scp) ui.roles.push_back({wire::trim_uid(*uid), *scu == 1, *scp == 1});
      return exact(uid && scu && scp);
    }
    case wire::kExtendedNegotiationItem: {  // PS3.7 D.3.3.5.1
      auto uid = u16_prefixed(r);
      if (!uid) return exact(false);
      auto info = r.rest();
      ui.extended.push_back({wire::trim_uid(*uid), Bytes(info.begin(), info.end())});
      return std::nullopt;
    }
    case wire::kCommonExtendedItem: {  // PS3.7 D.3.3.6.1
      auto sop = u16_prefixed(r);
      auto service = u16_prefixed(r);
      auto related_block = u16_prefixed(r);
      if (!sop || !service || !related_block) return exact(false);
      SopClassCommonExtendedNegotiation item{wire::trim_uid(*sop), wire::trim_uid(*service), {}};
      ByteReader related(*related_block);
      while (!related.empty()) {
        if (!budget.spend()) return sub_item_error(type, "too many related SOP classes");
        auto uid = u16_prefixed(related);
        if (!uid) return sub_item_error(type, "truncated related SOP class");
        item.related_general_sop_classes.push_back(wire::trim_uid(*uid));
      }
      ui.common_extended.push_back(std::move(item));
      return exact(true);
    }
    case wire::kUserIdentityRqItem: {  // PS3.7 D.3.3.7.1
      auto id_type = r.u8();
      auto positive = r.u8();
      auto primary = u16_prefixed(r);
      auto secondary = u16_prefixed(r);
      bool ok = id_type && positive && primary && secondary;
      if (ok)
        ui.user_identity_rq =
            UserIdentityRq{*id_type, *positive == 1, Bytes(primary->begin(), primary->end()),
                           Bytes(secondary->begin(), secondary->end())};
      return exact(ok);
    }
    case wire::kUserIdentityAcItem: {  // PS3.7 D.3.3.7.2
      auto response = u16_prefixed(r);
      if (response) ui.user_identity_ac = UserIdentityAc{Bytes(response->begin(), response->end())};
      return exact(response.has_value());
    }
    default: {
      auto rest = r.rest();
      if (notes != nullptr && notes->size() < 64)
        notes->push_back("user information: unknown sub-item " + hex8(type) + " kept");
      ui.unknown.push_back({type, Bytes(rest.begin(), rest.end())});
      return std::nullopt;
    }
  }
}

}  // namespace

void encode_user_info(wire::Encoder& e, const UserInformation& ui) {
  auto& w = e.w;
  begin_item(w, wire::kUserInformationItem);
  auto ui_len = w.reserve_u16be();
  if (ui.max_length) {
    begin_item(w, wire::kMaxLengthItem);
    w.u16be(4);
    w.u32be(*ui.max_length);
  }
  if (ui.implementation_class_uid)
    wire::write_uid_item(e, wire::kImplementationClassItem, *ui.implementation_class_uid);
  if (ui.async_ops) {
    begin_item(w, wire::kAsyncOpsItem);
    w.u16be(4);
    w.u16be(ui.async_ops->max_invoked);
    w.u16be(ui.async_ops->max_performed);
  }
  for (const auto& role : ui.roles) {
    begin_item(w, wire::kRoleSelectionItem);
    auto at = w.reserve_u16be();
    wire::write_u16_prefixed(e, role.sop_class_uid);
    w.u8(role.scu_role ? 1 : 0);
    w.u8(role.scp_role ? 1 : 0);
    e.patch_u16be(at);
  }
  if (ui.implementation_version_name)
    wire::write_uid_item(e, wire::kImplementationVersionItem, *ui.implementation_version_name);
  for (const auto& ext : ui.extended) {
    begin_item(w, wire::kExtendedNegotiationItem);
    auto at = w.reserve_u16be();
    wire::write_u16_prefixed(e, ext.sop_class_uid);
    w.bytes(ext.info);
    e.patch_u16be(at);
  }
  for (const auto& common : ui.common_extended) {
    begin_item(w, wire::kCommonExtendedItem);  // reserved byte = sub-item version 0
    auto at = w.reserve_u16be();
    wire::write_u16_prefixed(e, common.sop_class_uid);
    wire::write_u16_prefixed(e, common.service_class_uid);
    auto related_at = w.reserve_u16be();
    for (const auto& uid : common.related_general_sop_classes) wire::write_u16_prefixed(e, uid);
    e.patch_u16be(related_at);
    e.patch_u16be(at);
  }
  if (ui.user_identity_rq) {
    const auto& id = *ui.user_identity_rq;
    begin_item(w, wire::kUserIdentityRqItem);
    auto at = w.reserve_u16be();
    w.u8(id.type);
    w.u8(id.positive_response_requested ? 1 : 0);
    wire::write_u16_prefixed(e, ByteView(id.primary_field));
    wire::write_u16_prefixed(e, ByteView(id.secondary_field));
    e.patch_u16be(at);
  }
  if (ui.user_identity_ac) {
    begin_item(w, wire::kUserIdentityAcItem);
    auto at = w.reserve_u16be();
    wire::write_u16_prefixed(e, ByteView(ui.user_identity_ac->server_response));
    e.patch_u16be(at);
  }
  for (const auto& item : ui.unknown) {
    begin_item(w, item.type);
    wire::write_u16_prefixed(e, ByteView(item.value));
  }
  e.patch_u16be(ui_len);
}

Result<UserInformation> decode_user_info(ByteReader body, ItemBudget& budget,
                                         std::vector<std::string>* notes) {
  UserInformation ui;
  while (!body.empty()) {
    if (!budget.spend()) return make_error("user information: too many sub-items");
    auto type = body.u8();
    bool reserved = body.skip(1);
    auto len = body.u16be();
    if (!type || !reserved || !len)
      return make_error("user information: truncated sub-item header");
    auto value = body.sub(*len);
    if (!value)
      return make_error("user information sub-item " + hex8(*type) + ": length " +
                        std::to_string(*len) + " exceeds the " + std::to_string(body.remaining()) +
                        " bytes left");
    if (auto err = decode_sub_item(*type, *value, ui, budget, notes)) return std::move(*err);
  }
  return ui;
}

}  // namespace dicomsec::dul::detail
