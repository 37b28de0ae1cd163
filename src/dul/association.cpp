// dul::Association (see association.hpp). Stub: API only, implementation follows.
#include "dul/association.hpp"

namespace dicomsec::dul {

void Output::append(Output&& other) {
  send.insert(send.end(), other.send.begin(), other.send.end());
  for (auto& i : other.indications) indications.push_back(std::move(i));
  steps.insert(steps.end(), other.steps.begin(), other.steps.end());
  if (other.artim != Artim::Keep) artim = other.artim;
  close_transport = close_transport || other.close_transport;
  connect_transport = connect_transport || other.connect_transport;
}

Association::Association(AssociationOptions options)
    : options_(std::move(options)),
      machine_(options_.role),
      decoder_(options_.limits),
      contexts_(options_.contexts ? options_.contexts : std::make_shared<ContextTable>()) {}

Output Association::transport_connected() { return {}; }
Output Association::transport_closed() { return {}; }
Output Association::artim_expired() { return {}; }
Output Association::receive(ByteView) { return {}; }
Output Association::gap(std::size_t) { return {}; }
Result<Output> Association::associate(AssociateRq) { return make_error("not implemented"); }
Result<Output> Association::accept(AssociateAc) { return make_error("not implemented"); }
Result<Output> Association::reject(const AssociateRj&) { return make_error("not implemented"); }
Result<Output> Association::send_command(std::uint8_t, const dimse::Command&) {
  return make_error("not implemented");
}
Result<Output> Association::send_data(std::uint8_t, ByteView, bool) {
  return make_error("not implemented");
}
Result<Output> Association::send_message(std::uint8_t, const dimse::Command&, ByteView) {
  return make_error("not implemented");
}
Result<Output> Association::release() { return make_error("not implemented"); }
Result<Output> Association::release_response() { return make_error("not implemented"); }
Result<Output> Association::abort(std::uint8_t) { return make_error("not implemented"); }
void Association::observe_request(const AssociateRq& rq) { contexts_->propose(rq); }
void Association::observe_accept(const AssociateAc& ac) { contexts_->accept(ac); }
std::size_t Association::buffered_bytes() const noexcept { return decoder_.buffered(); }

}  // namespace dicomsec::dul
