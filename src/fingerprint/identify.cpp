// identify(): look the two self-descriptions up in the catalogue and weigh them.
// Evidence is phrased with catalogue text and with versions already reduced to
// [0-9A-Za-z.]; the peer's version name reaches the result only through version_name,
// escaped and capped by shown_version_name().
#include <cstddef>
#include <string>

#include "fingerprint/fingerprint.hpp"
#include "fingerprint/rules.hpp"

namespace dicomsec::fingerprint {
namespace {

using detail::Rule;

// go-netdicom's A-ASSOCIATE-AC carries only the maximum-length item, advertising this size
// (grailbio/go-netdicom serviceprovider.go: DefaultMaxPDUSize = 4 << 20).
constexpr std::uint32_t kGoNetdicomMaxPdu = 4U << 20U;

std::optional<std::string_view> present(const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  std::string_view s = detail::trim_padding(*v);
  if (s.empty()) return std::nullopt;  // empty counts as absent
  return s;
}

const Rule* match_uid(std::string_view uid) {
  const Rule* best = nullptr;
  for (const Rule& r : detail::rules()) {
    if (!detail::uid_has_root(uid, r.entry.uid_root)) continue;
    if (best == nullptr || r.entry.uid_root.size() > best->entry.uid_root.size()) best = &r;
  }
  return best;
}

struct NameHit {
  const Rule* rule = nullptr;
  std::optional<std::string> version;
};

NameHit match_name(std::string_view name) {
  NameHit best;
  std::size_t best_len = 0;
  for (const Rule& r : detail::rules()) {
    auto m = detail::match_version_name(name, r.entry.version_name_pattern, r.name_ignore_case);
    if (!m) continue;
    if (best.rule == nullptr || m->literal_length > best_len) {
      best.rule = &r;
      best.version = std::move(m->version);
      best_len = m->literal_length;
    }
  }
  return best;
}

const detail::VendorRoot* match_vendor(std::string_view uid) {
  const detail::VendorRoot* best = nullptr;
  for (const auto& v : detail::vendor_roots()) {
    if (!detail::uid_has_root(uid, v.uid_root)) continue;
    if (best == nullptr || v.uid_root.size() > best->uid_root.size()) best = &v;
  }
  return best;
}

std::optional<std::string> version_from_uid(const Rule& r, std::string_view uid) {
  switch (r.uid_version) {
    case detail::UidVersion::AfterRoot:
      return detail::uid_version_after(uid, r.entry.uid_root, r.uid_infix);
    case detail::UidVersion::Fixed:
      return std::string(r.fixed_version);
    case detail::UidVersion::None:
      break;
  }
  return std::nullopt;
}

std::string uid_evidence(const Rule& r) {
  return "implementation class UID root " + std::string(r.entry.uid_root);
}

std::string name_evidence(const Rule& r) {
  return "version name " + std::string(r.entry.version_name_pattern);
}

Product from_rule(const Rule& r, std::optional<std::string> version, std::string confidence,
                  std::string matched_by) {
  return Product{std::string(r.entry.product), std::move(version),    std::string(r.toolkit),
                 std::move(confidence),        std::move(matched_by), std::nullopt};
}

Product combine(const Rule& u, std::optional<std::string> uid_ver, const Rule& n,
                std::optional<std::string> name_ver) {
  if (u.entry.product == n.entry.product) {
    std::string evidence = uid_evidence(u) + " and " + name_evidence(n);
    if (uid_ver && name_ver && *uid_ver != *name_ver) {
      evidence +=
          "; versions disagree (UID " + *uid_ver + ", name " + *name_ver + "), reporting the UID's";
      return from_rule(u, std::move(uid_ver), "medium", std::move(evidence));
    }
    return from_rule(u, uid_ver ? std::move(uid_ver) : std::move(name_ver), "high",
                     std::move(evidence));
  }
  // Different products. A product built on the other's toolkit is the more specific answer
  // (e.g. Horos's UID with DCMTK's default name).
  if (u.toolkit == n.entry.product) {
    return from_rule(u, std::move(uid_ver), "medium",
                     uid_evidence(u) + " (" + std::string(u.entry.product) + ") but " +
                         name_evidence(n) + " (" + std::string(n.entry.product) +
                         "); reporting the more specific UID match");
  }
  if (n.toolkit == u.entry.product) {
    return from_rule(n, std::move(name_ver), "medium",
                     name_evidence(n) + " (" + std::string(n.entry.product) + ") but " +
                         uid_evidence(u) + " (" + std::string(u.entry.product) +
                         "); reporting the more specific name match");
  }
  return from_rule(u, std::move(uid_ver), "low",
                   uid_evidence(u) + " (" + std::string(u.entry.product) + ") conflicts with " +
                       name_evidence(n) + " (" + std::string(n.entry.product) +
                       "); reporting the UID's product");
}

}  // namespace

const Rule* detail::best_rule(std::string_view uid_in, std::string_view name_in) {
  const std::string_view uid = detail::trim_padding(uid_in);
  const std::string_view name = detail::trim_padding(name_in);
  const Rule* best = nullptr;
  std::size_t best_root = 0;
  std::size_t best_literal = 0;
  if (!uid.empty() && !name.empty()) {
    for (const Rule& r : detail::rules()) {
      if (!detail::uid_has_root(uid, r.entry.uid_root)) continue;
      const auto m =
          detail::match_version_name(name, r.entry.version_name_pattern, r.name_ignore_case);
      if (!m) continue;
      const std::size_t root = r.entry.uid_root.size();
      if (best == nullptr || root > best_root ||
          (root == best_root && m->literal_length > best_literal)) {
        best = &r;
        best_root = root;
        best_literal = m->literal_length;
      }
    }
  }
  if (best != nullptr) return best;
  if (!uid.empty())
    if (const Rule* u = match_uid(uid)) return u;
  if (!name.empty()) return match_name(name).rule;
  return nullptr;
}

std::optional<Product> identify(const Observation& obs) {
  const auto uid = present(obs.implementation_class_uid);
  const auto name = present(obs.implementation_version_name);

  const Rule* uid_rule = uid ? match_uid(*uid) : nullptr;
  NameHit name_hit = name ? match_name(*name) : NameHit{};
  const detail::VendorRoot* vendor = uid ? match_vendor(*uid) : nullptr;

  std::optional<Product> out;
  if (uid_rule != nullptr && name_hit.rule != nullptr) {
    out = combine(*uid_rule, version_from_uid(*uid_rule, *uid), *name_hit.rule,
                  std::move(name_hit.version));
  } else if (uid_rule != nullptr) {
    std::string evidence = uid_evidence(*uid_rule);
    evidence += name ? "; version name not in catalogue" : "; no version name";
    out = from_rule(*uid_rule, version_from_uid(*uid_rule, *uid), "medium", std::move(evidence));
  } else if (name_hit.rule != nullptr) {
    std::string evidence = name_evidence(*name_hit.rule);
    if (uid)
      evidence += vendor ? "; class UID under a vendor root" : "; class UID not in catalogue";
    out = from_rule(*name_hit.rule, std::move(name_hit.version), "medium", std::move(evidence));
  } else if (vendor != nullptr) {
    out = Product{std::string(vendor->organisation) + " device",
                  std::nullopt,
                  "unknown",
                  "low",
                  "implementation class UID under vendor root " + std::string(vendor->uid_root) +
                      "; product not in catalogue",
                  std::nullopt};
  } else if (!uid && !name && obs.max_pdu && *obs.max_pdu == kGoNetdicomMaxPdu) {
    // PS3.7 D.3.3.2 makes the class UID mandatory in the AC; go-netdicom omits it.
    out = Product{"go-netdicom",
                  std::nullopt,
                  "go-netdicom",
                  "low",
                  "no implementation class UID or version name, max PDU 4194304 "
                  "(go-netdicom's AC shape)",
                  std::nullopt};
  }

  if (out && vendor != nullptr) out->vendor = std::string(vendor->organisation);
  if (out && name) out->version_name = shown_version_name(*name);
  return out;
}

}  // namespace dicomsec::fingerprint
