// Findings from flow records (issue 14 §8): what a capture proves about cleartext DICOM.
// Evidence names tags, identity types and counts, never a value.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "findings/catalogue.hpp"
#include "findings/rules.hpp"

namespace dicomsec::findings {

namespace {

void add(std::vector<record::FindingRef>& out, std::string_view id, std::string evidence) {
  const auto* def = find(id);
  out.push_back({std::string(id), std::string(severity_name(def ? def->severity : Severity::Info)),
                 std::move(evidence)});
}

std::string who(const record::FlowRecord& r) {
  return fmt::format("{}:{} -> {}:{} ({})", r.client.ip, r.client.port, r.server.ip, r.server.port,
                     r.conn);
}

const char* identity_words(std::uint8_t type) {
  switch (type) {
    case 2:
      return "a user name and passcode";
    case 3:
      return "a Kerberos ticket";
    case 4:
      return "a SAML assertion";
    case 5:
      return "a JSON Web Token";
    default:
      return "a user identity";
  }
}

}  // namespace

std::vector<record::FindingRef> evaluate(const record::FlowRecord& r) {
  std::vector<record::FindingRef> out;
  if (r.protocol != "dicom" || r.encrypted) return out;
  const auto& a = r.association;
  if (a && a->result == record::AssociationResult::Accepted)
    add(out, "DICOM-NO-TLS",
        fmt::format("association{} observed in cleartext on the wire: {}",
                    a->called_ae.empty() ? std::string()
                                         : fmt::format(" {} -> {}", a->calling_ae, a->called_ae),
                    who(r)));
  if (!r.phi_elements.empty())
    add(out, "PCAP-CLEARTEXT-PHI",
        fmt::format("{} patient-identifying element{} with values in cleartext ({}): {}",
                    r.phi_elements.size(), r.phi_elements.size() == 1 ? "" : "s",
                    fmt::join(r.phi_elements, " "), who(r)));
  if (r.user_identity && r.user_identity->cleartext_secret)
    add(out, "PCAP-CLEARTEXT-CREDENTIALS",
        fmt::format("A-ASSOCIATE-RQ carried {} in cleartext (value not recorded): {}",
                    identity_words(r.user_identity->type), who(r)));
  return out;
}

std::optional<record::FindingRef> AeAddressBook::note(const record::FlowRecord& r) {
  if (r.protocol != "dicom" || !r.association) return std::nullopt;
  std::vector<std::string> lines;
  auto track = [&](std::map<std::string, std::set<std::string>>& book, const std::string& ae,
                   const std::string& ip, const char* role) {
    // Bounded whatever the capture holds: a hostile capture can invent any number of titles
    // and addresses; past the caps they are not tracked (one duplicate is enough to warn).
    constexpr std::size_t kMaxTitles = 65536, kMaxAddresses = 16;
    if (ae.empty() || (book.size() >= kMaxTitles && !book.contains(ae))) return;
    auto& ips = book[ae];
    if (ips.size() >= kMaxAddresses) return;
    const bool new_ip = ips.insert(ip).second;
    if (new_ip && ips.size() > 1)
      lines.push_back(fmt::format("{} AE title \"{}\" seen from {} addresses ({})", role, ae,
                                  ips.size(), fmt::join(ips, ", ")));
  };
  track(calling_, r.association->calling_ae, r.client.ip, "calling");
  // Called titles are not tracked: many servers (storescp) answer to any called title, so a
  // client's "ANY-SCP" at two servers says nothing about either.
  if (lines.empty()) return std::nullopt;
  const auto* def = find("PCAP-AE-MULTI-IP");
  return record::FindingRef{"PCAP-AE-MULTI-IP",
                            std::string(severity_name(def ? def->severity : Severity::Medium)),
                            fmt::format("{}", fmt::join(lines, "; "))};
}

std::map<std::string, std::set<std::string>> AeAddressBook::duplicates() const {
  std::map<std::string, std::set<std::string>> out;
  for (const auto* book : {&calling_})
    for (const auto& [ae, ips] : *book)
      if (ips.size() > 1) out[ae].insert(ips.begin(), ips.end());
  return out;
}

}  // namespace dicomsec::findings
