// What a sans-IO client SENT, read back by the one association engine: a dul::Association
// observing the requestor's direction decodes the P-DATA of any run of whole PDUs (no
// A-ASSOCIATE-RQ needed in front), exactly as pcap will.
#pragma once

#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "dul/association.hpp"

namespace dicomsec::probes::test_support {

// The DIMSE commands in `sent`, in order (data set fragments skipped).
inline std::vector<dimse::Command> sent_commands(ByteView sent) {
  dul::Association watch(dul::AssociationOptions{.role = dul::Role::Requestor, .observer = true});
  std::vector<dimse::Command> out;
  for (auto& i : watch.receive(sent).indications)
    if (auto* c = std::get_if<dul::ind::Command>(&i)) out.push_back(std::move(c->command));
  return out;
}

}  // namespace dicomsec::probes::test_support
