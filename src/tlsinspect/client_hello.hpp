// Builds raw ClientHello records for SSLv3 … TLS 1.3 (RFC 6101, 5246 7.4.1.2, 8446 4.1.2)
// so that the audit can ask a server about any version, suite or group, including ones the
// local OpenSSL will not negotiate. Sans-IO: returns bytes, randomness comes from the caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "tlsinspect/suites.hpp"

namespace dicomsec::tlsinspect {

struct ClientHelloSpec {
  Version version = Version::Tls12;  // the one version offered (TLS 1.3: via supported_versions)
  std::vector<std::uint16_t> suites;
  std::vector<std::uint16_t> groups;      // supported_groups; empty: extension left out
  std::vector<std::uint16_t> key_shares;  // TLS 1.3 key_share entries (x25519, secp256r1 only)
  std::string sni;                        // server_name; empty or an IP literal: left out
  bool extended_master_secret = true;     // RFC 7627
  bool encrypt_then_mac = true;           // RFC 7366
  bool renegotiation_info = true;         // RFC 5746
};

// Named group ids used by the builder.
inline constexpr std::uint16_t kGroupSecp256r1 = 0x0017;
inline constexpr std::uint16_t kGroupX25519 = 0x001D;

// One TLS record holding the ClientHello. `seed` fills the random, session id and key shares
// (x25519 shares are random bytes; secp256r1 uses a valid public point).
Bytes build_client_hello(const ClientHelloSpec& spec, std::uint64_t seed);

// The default groups offered in ordinary questions: every group dicomsec knows, usable in the
// version asked about.
std::vector<std::uint16_t> default_groups(Version v);

}  // namespace dicomsec::tlsinspect
