// The gateway's admission policy (issue 15 §1, §2): which calling AE may reach which called
// AE from which addresses, and whether the client certificate names the calling AE. Pure
// functions of the A-ASSOCIATE-RQ, the peer's address and its certificate names: no I/O.
//
// Order of the checks, each with the PS3.8 9.3.4 reject it produces (docs/design.md
// "gateway"):
//   1. address outside every rule's @CIDR  -> no DICOM answer at all: the TCP connection is
//      closed before TLS and before any PDU (a stranger learns nothing; see outside_all())
//   2. --bind-cert-ae: no certificate name equals (or maps to) the calling AE -> 1/1/3
//   3. no rule names the calling AE                       -> 1/1/3 calling AE not recognised
//   4. rules name it, none allows this called AE          -> 1/1/7 called AE not recognised
//   5. rules allow the pair, none from this address       -> 1/1/1 no reason given
// No rule at all admits everyone (the command warns at start).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"
#include "dul/pdu.hpp"

namespace dicomsec::gateway {

// An IPv4 or IPv6 prefix as the block of addresses it covers (core/address.hpp, the parser
// scan and import use too); IPv4 is held as ::ffff:a.b.c.d so one comparison serves both.
struct Cidr {
  AddressRange block;
  [[nodiscard]] bool contains(const std::array<std::uint8_t, 16>& a) const noexcept {
    return block.contains(Address{a});
  }
};
// "10.0.0.0/8", "::1", "2001:db8::/32", "[::1]/128"; a bare address is a /32 (/128).
Result<Cidr> parse_cidr(std::string_view text);
// An address in text form (what the listener reports; brackets allowed) as the 16-byte form;
// IPv4-mapped IPv6 ("::ffff:127.0.0.1") and plain IPv4 compare equal.
Result<std::array<std::uint8_t, 16>> parse_address(std::string_view text);

// --allow CALLING[:CALLED][@CIDR]; "*" for CALLING or CALLED matches any title.
struct AllowRule {
  std::string calling = "*";
  std::optional<std::string> called;  // none: any called AE
  std::optional<Cidr> from;           // none: any address
  std::string text;                   // as given, for messages
};
Result<AllowRule> parse_allow(std::string_view text);

// --rewrite-called FROM:TO
struct Rewrite {
  std::string from, to;
};
Result<Rewrite> parse_rewrite(std::string_view text);

enum class Refusal {
  None,
  SourceAddress,  // 1/1/1 (inside some @CIDR, but not one for this AE pair)
  CertBinding,    // 1/1/3 + Security Alert
  CallingAe,      // 1/1/3
  CalledAe,       // 1/1/7
  Capacity,       // 2/3/2 transient, local limit exceeded
  Upstream,       // 2/2/1 transient: the upstream could not be reached
};
std::string_view refusal_name(Refusal r);  // "calling-ae", ... (metric labels, logs)
dul::AssociateRj reject_for(Refusal r);

struct PeerIdentity {
  std::array<std::uint8_t, 16> address{};
  bool has_certificate = false;
  std::vector<std::string> cert_names;  // subject CN, then every DNS/URI/email SAN
};

struct Policy {
  std::vector<AllowRule> rules;
  std::vector<Rewrite> rewrites;
  bool bind_cert_ae = false;
  // Config `cert_ae`: a certificate name -> the calling AE it may use.
  std::map<std::string, std::string> cert_ae_map;

  // True when every rule has an @CIDR and none contains the address: close at once.
  [[nodiscard]] bool outside_all(const std::array<std::uint8_t, 16>& address) const;
  [[nodiscard]] Refusal decide(std::string_view calling, std::string_view called,
                               const PeerIdentity& peer) const;
  // The called AE after --rewrite-called (first match), or nullopt when unchanged.
  [[nodiscard]] std::optional<std::string> rewrite(std::string_view called) const;
};

// An AE title as PS3.8 compares it: leading and trailing spaces are not significant.
std::string_view trim_ae(std::string_view ae) noexcept;

}  // namespace dicomsec::gateway
