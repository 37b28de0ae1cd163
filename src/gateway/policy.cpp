#include "gateway/policy.hpp"

#include <algorithm>

namespace dicomsec::gateway {

std::string_view trim_ae(std::string_view ae) noexcept {
  while (!ae.empty() && (ae.front() == ' ' || ae.front() == '\0')) ae.remove_prefix(1);
  while (!ae.empty() && (ae.back() == ' ' || ae.back() == '\0')) ae.remove_suffix(1);
  return ae;
}

Result<std::array<std::uint8_t, 16>> parse_address(std::string_view text) {
  const auto s = strip_ip_brackets(text);
  auto a = dicomsec::parse_address(s);
  if (!a) return make_error("'" + std::string(s) + "' is not an IPv4 or IPv6 address");
  return a->bytes;
}

Result<Cidr> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  auto address = parse_address(text.substr(0, slash));  // its own message names the address
  if (!address) return address.error();
  if (slash == std::string_view::npos) return Cidr{AddressRange::single(Address{*address})};
  auto block =
      dicomsec::parse_cidr(strip_ip_brackets(text.substr(0, slash)), text.substr(slash + 1));
  if (!block) return make_error("'" + std::string(text) + "': bad prefix length");
  return Cidr{*block};
}

namespace {
bool valid_ae(std::string_view ae) {
  if (ae.empty() || ae.size() > 16) return false;
  return std::all_of(ae.begin(), ae.end(),
                     [](char ch) { return ch >= 0x20 && ch < 0x7f && ch != '\\'; });
}
}  // namespace

Result<AllowRule> parse_allow(std::string_view text) {
  AllowRule r;
  r.text = std::string(text);
  auto body = text;
  if (const auto at = body.find('@'); at != std::string_view::npos) {
    auto cidr = parse_cidr(body.substr(at + 1));
    if (!cidr) return make_error("--allow " + r.text + ": " + cidr.error().message);
    r.from = *cidr;
    body = body.substr(0, at);
  }
  if (const auto colon = body.find(':'); colon != std::string_view::npos) {
    r.called = std::string(body.substr(colon + 1));
    body = body.substr(0, colon);
    if (*r.called != "*" && !valid_ae(*r.called))
      return make_error("--allow " + r.text + ": the called AE must be 1 to 16 characters");
  }
  r.calling = std::string(body);
  if (r.calling != "*" && !valid_ae(r.calling))
    return make_error("--allow " + r.text + ": the calling AE must be 1 to 16 characters");
  return r;
}

Result<Rewrite> parse_rewrite(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return make_error("--rewrite-called " + std::string(text) + ": expected FROM:TO");
  Rewrite w{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (!valid_ae(w.from) || !valid_ae(w.to))
    return make_error("--rewrite-called " + std::string(text) +
                      ": both AE titles must be 1 to 16 characters");
  return w;
}

std::string_view refusal_name(Refusal r) {
  switch (r) {
    case Refusal::None:
      return "none";
    case Refusal::SourceAddress:
      return "source-address";
    case Refusal::CertBinding:
      return "cert-binding";
    case Refusal::CallingAe:
      return "calling-ae";
    case Refusal::CalledAe:
      return "called-ae";
    case Refusal::Capacity:
      return "capacity";
    case Refusal::Upstream:
      return "upstream-unavailable";
  }
  return "none";
}

dul::AssociateRj reject_for(Refusal r) {
  switch (r) {
    case Refusal::SourceAddress:
      return {1, 1, 1};
    case Refusal::CertBinding:
    case Refusal::CallingAe:
      return {1, 1, 3};
    case Refusal::CalledAe:
      return {1, 1, 7};
    case Refusal::Capacity:
      return {2, 3, 2};
    case Refusal::Upstream:
    case Refusal::None:
      return {2, 2, 1};
  }
  return {2, 2, 1};
}

bool Policy::outside_all(const std::array<std::uint8_t, 16>& address) const {
  if (rules.empty()) return false;
  return std::none_of(rules.begin(), rules.end(),
                      [&](const AllowRule& r) { return !r.from || r.from->contains(address); });
}

namespace {
bool ae_matches(const std::string& pattern, std::string_view ae) {
  return pattern == "*" || trim_ae(pattern) == ae;
}
}  // namespace

Refusal Policy::decide(std::string_view calling_raw, std::string_view called_raw,
                       const PeerIdentity& peer) const {
  const auto calling = trim_ae(calling_raw);
  const auto called = trim_ae(called_raw);
  if (bind_cert_ae) {
    const bool bound =
        peer.has_certificate &&
        std::any_of(peer.cert_names.begin(), peer.cert_names.end(), [&](const std::string& n) {
          if (const auto it = cert_ae_map.find(n); it != cert_ae_map.end())
            return trim_ae(it->second) == calling;
          return std::string_view(n) == calling;
        });
    if (!bound) return Refusal::CertBinding;
  }
  if (rules.empty()) return Refusal::None;
  bool calling_known = false, pair_known = false;
  for (const auto& r : rules) {
    if (!ae_matches(r.calling, calling)) continue;
    calling_known = true;
    if (r.called && !ae_matches(*r.called, called)) continue;
    pair_known = true;
    if (r.from && !r.from->contains(peer.address)) continue;
    return Refusal::None;
  }
  if (!calling_known) return Refusal::CallingAe;
  if (!pair_known) return Refusal::CalledAe;
  return Refusal::SourceAddress;
}

std::optional<std::string> Policy::rewrite(std::string_view called_raw) const {
  const auto called = trim_ae(called_raw);
  for (const auto& w : rewrites)
    if (trim_ae(w.from) == called) return w.to;
  return std::nullopt;
}

}  // namespace dicomsec::gateway
