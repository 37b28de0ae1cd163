// The negotiated presentation-context table: PS3.8 9.3.2.2 (proposal in the RQ) joined
// with PS3.8 9.3.3.2 (result in the AC), keyed by presentation context id.
#include <algorithm>
#include <array>

#include "dul/association.hpp"

namespace dicomsec::dul {

std::string describe(const ContextAnswerError& e) {
  const std::string id = std::to_string(e.id);
  switch (e.kind) {
    case ContextAnswerError::Kind::NotProposed:
      return "A-ASSOCIATE-AC answers presentation context " + id + ", which was not proposed";
    case ContextAnswerError::Kind::Repeated:
      return "A-ASSOCIATE-AC answers presentation context " + id + " more than once";
    case ContextAnswerError::Kind::TransferNotProposed:
      return "A-ASSOCIATE-AC accepts presentation context " + id +
             " with a transfer syntax that was not proposed for it";
  }
  return "A-ASSOCIATE-AC presentation context " + id;
}

NegotiatedContext& ContextTable::slot(std::uint8_t id) {
  for (auto& c : contexts_)
    if (c.id == id) return c;
  contexts_.push_back(NegotiatedContext{.id = id});
  return contexts_.back();
}

std::vector<std::uint8_t> ContextTable::propose(const AssociateRq& rq) {
  contexts_.clear();
  proposed_ = true;
  std::vector<std::uint8_t> repeated;
  for (const auto& pc : rq.contexts) {
    if (find(pc.id) != nullptr &&
        std::find(repeated.begin(), repeated.end(), pc.id) == repeated.end())
      repeated.push_back(pc.id);
    auto& c = slot(pc.id);  // a repeated id keeps the last proposal
    c.abstract_syntax = pc.abstract_syntax;
    c.proposed_transfer = pc.transfer_syntaxes;
    c.result.reset();
    c.transfer_syntax.clear();
  }
  return repeated;
}

std::vector<ContextAnswerError> ContextTable::check_answer(const AssociateAc& ac) const {
  using Kind = ContextAnswerError::Kind;
  std::vector<ContextAnswerError> errors;
  std::array<bool, 256> seen{};  // ids answered so far (an AC may hold any number of items)
  for (const auto& pc : ac.contexts) {
    if (seen[pc.id]) {
      // Report each repeated id once, however often it comes back.
      const ContextAnswerError e{Kind::Repeated, pc.id};
      if (std::find(errors.begin(), errors.end(), e) == errors.end()) errors.push_back(e);
      continue;
    }
    seen[pc.id] = true;
    if (!proposed_) continue;
    const auto* c = find(pc.id);
    if (c == nullptr) {
      errors.push_back({Kind::NotProposed, pc.id});
      continue;
    }
    // PS3.8 9.3.3.2: the transfer syntax sub-item is significant only for an acceptance.
    if (pc.result == PcResult::Acceptance &&
        std::find(c->proposed_transfer.begin(), c->proposed_transfer.end(), pc.transfer_syntax) ==
            c->proposed_transfer.end())
      errors.push_back({Kind::TransferNotProposed, pc.id});
  }
  return errors;
}

std::vector<ContextAnswerError> ContextTable::accept(const AssociateAc& ac) {
  auto errors = check_answer(ac);
  for (const auto& pc : ac.contexts) {
    auto& c = slot(pc.id);
    c.result = pc.result;
    c.transfer_syntax = pc.transfer_syntax;
  }
  return errors;
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
