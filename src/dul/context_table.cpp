// The negotiated presentation-context table: PS3.8 9.3.2.2 (proposal in the RQ) joined
// with PS3.8 9.3.3.2 (result in the AC), keyed by presentation context id.
#include <algorithm>

#include "dul/association.hpp"

namespace dicomsec::dul {

NegotiatedContext& ContextTable::slot(std::uint8_t id) {
  for (auto& c : contexts_)
    if (c.id == id) return c;
  contexts_.push_back(NegotiatedContext{.id = id});
  return contexts_.back();
}

void ContextTable::propose(const AssociateRq& rq) {
  contexts_.clear();
  for (const auto& pc : rq.contexts) {
    auto& c = slot(pc.id);  // a duplicate id keeps the last proposal
    c.abstract_syntax = pc.abstract_syntax;
    c.proposed_transfer = pc.transfer_syntaxes;
    c.result.reset();
    c.transfer_syntax.clear();
  }
}

std::vector<std::uint8_t> ContextTable::accept(const AssociateAc& ac) {
  std::vector<std::uint8_t> unproposed;
  for (const auto& pc : ac.contexts) {
    bool known = std::any_of(contexts_.begin(), contexts_.end(),
                             [&](const NegotiatedContext& c) { return c.id == pc.id; });
    if (!known) unproposed.push_back(pc.id);
    auto& c = slot(pc.id);
    c.result = pc.result;
    c.transfer_syntax = pc.transfer_syntax;
  }
  return unproposed;
}

const NegotiatedContext* ContextTable::find(std::uint8_t id) const noexcept {
  for (const auto& c : contexts_)
    if (c.id == id) return &c;
  return nullptr;
}

std::optional<std::uint8_t> ContextTable::accepted_for(
    std::string_view abstract_syntax, std::string_view transfer_syntax) const noexcept {
  for (const auto& c : contexts_)
    if (c.accepted() && c.abstract_syntax == abstract_syntax &&
        (transfer_syntax.empty() || c.transfer_syntax == transfer_syntax))
      return c.id;
  return std::nullopt;
}

}  // namespace dicomsec::dul
