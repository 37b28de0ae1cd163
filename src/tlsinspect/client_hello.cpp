#include "tlsinspect/client_hello.hpp"

#include <algorithm>
#include <array>
#include <random>

namespace dicomsec::tlsinspect {

namespace {

// Extension types (IANA TLS ExtensionType registry).
enum : std::uint16_t {
  kExtServerName = 0,
  kExtSupportedGroups = 10,
  kExtEcPointFormats = 11,
  kExtSignatureAlgorithms = 13,
  kExtEncryptThenMac = 22,
  kExtExtendedMasterSecret = 23,
  kExtSupportedVersions = 43,
  kExtPskKeyExchangeModes = 45,
  kExtKeyShare = 51,
  kExtRenegotiationInfo = 0xFF01,
};

// RFC 8446 4.2.3 SignatureScheme: every scheme a server might sign with, newest first, so
// that no suite is refused for want of a signature algorithm.
constexpr std::uint16_t kSignatureSchemes[] = {
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809,
    0x080A, 0x080B, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402,
    0x0502, 0x0602, 0x0203, 0x0201, 0x0202, 0x081A, 0x081B, 0x081C,
};

// The generator of P-256 (SEC 2 2.4.2) in uncompressed form: a valid public key, so a
// TLS 1.3 server accepts the share and answers; we never complete the handshake.
constexpr std::array<std::uint8_t, 65> kP256Generator = {
    0x04, 0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8, 0xBC, 0xE6, 0xE5,
    0x63, 0xA4, 0x40, 0xF2, 0x77, 0x03, 0x7D, 0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4,
    0xA1, 0x39, 0x45, 0xD8, 0x98, 0xC2, 0x96, 0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A,
    0x7F, 0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16, 0x2B, 0xCE, 0x33,
    0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40, 0x68, 0x37, 0xBF, 0x51, 0xF5};

void random_bytes(ByteWriter& w, std::mt19937_64& rng, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) w.u8(static_cast<std::uint8_t>(rng() >> 56));
}

bool is_ip_literal(const std::string& s) {
  if (s.find(':') != std::string::npos) return true;
  for (char c : s)
    if ((c < '0' || c > '9') && c != '.') return false;
  return true;
}

void extension(ByteWriter& w, std::uint16_t type, const Bytes& body) {
  w.u16be(type);
  w.u16be(static_cast<std::uint16_t>(body.size()));
  w.bytes(body);
}

Bytes extensions(const ClientHelloSpec& s, std::mt19937_64& rng) {
  ByteWriter w;
  if (!s.sni.empty() && !is_ip_literal(s.sni)) {
    ByteWriter b;  // RFC 6066 3
    b.u16be(static_cast<std::uint16_t>(s.sni.size() + 3));
    b.u8(0);  // host_name
    b.u16be(static_cast<std::uint16_t>(s.sni.size()));
    b.text(s.sni);
    extension(w, kExtServerName, b.data());
  }
  if (!s.groups.empty()) {
    ByteWriter b;
    b.u16be(static_cast<std::uint16_t>(2 * s.groups.size()));
    for (auto g : s.groups) b.u16be(g);
    extension(w, kExtSupportedGroups, b.data());
    extension(w, kExtEcPointFormats, Bytes{1, 0});  // uncompressed only
  }
  if (s.version >= Version::Tls12) {
    ByteWriter b;
    b.u16be(static_cast<std::uint16_t>(2 * std::size(kSignatureSchemes)));
    for (auto a : kSignatureSchemes) b.u16be(a);
    extension(w, kExtSignatureAlgorithms, b.data());
  }
  if (s.version < Version::Tls13) {
    if (s.encrypt_then_mac) extension(w, kExtEncryptThenMac, {});
    if (s.extended_master_secret) extension(w, kExtExtendedMasterSecret, {});
    if (s.renegotiation_info) extension(w, kExtRenegotiationInfo, Bytes{0});
  } else {
    extension(w, kExtSupportedVersions, Bytes{2, 0x03, 0x04});
    extension(w, kExtPskKeyExchangeModes, Bytes{1, 1});  // psk_dhe_ke
    ByteWriter b;                                        // RFC 8446 4.2.8 KeyShareClientHello
    const auto at = b.reserve_u16be();
    for (auto g : s.key_shares) {
      if (g == kGroupX25519) {
        b.u16be(g);
        b.u16be(32);
        random_bytes(b, rng, 32);
      } else if (g == kGroupSecp256r1) {
        b.u16be(g);
        b.u16be(kP256Generator.size());
        b.bytes(kP256Generator);
      }
    }
    b.patch_u16be(at);
    extension(w, kExtKeyShare, b.data());
  }
  return std::move(w).take();
}

}  // namespace

std::vector<std::uint16_t> default_groups(Version v) {
  std::vector<std::uint16_t> out;
  // Preferred first, as a modern client would order them.
  for (std::uint16_t g : {0x001D, 0x0017, 0x0018, 0x0019, 0x001E}) out.push_back(g);
  for (const auto& g : named_groups()) {
    if (v == Version::Tls13 && !g.tls13) continue;
    if (v < Version::Tls13 && g.id >= 0x001F && g.id <= 0x0021) continue;
    if (std::find(out.begin(), out.end(), g.id) == out.end()) out.push_back(g.id);
  }
  return out;
}

Bytes build_client_hello(const ClientHelloSpec& s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const bool ssl3 = s.version == Version::Ssl3;
  ByteWriter body;
  const auto legacy = s.version >= Version::Tls13 ? Version::Tls12 : s.version;
  body.u16be(static_cast<std::uint16_t>(legacy));
  random_bytes(body, rng, 32);
  // A 32-byte session id: TLS 1.3 middlebox compatibility mode (RFC 8446 D.4); harmless
  // below (the server cannot resume a session it never issued).
  body.u8(32);
  random_bytes(body, rng, 32);
  body.u16be(static_cast<std::uint16_t>(2 * s.suites.size() + (ssl3 ? 2 : 0)));
  for (auto id : s.suites) body.u16be(id);
  if (ssl3) body.u16be(0x00FF);  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV instead of an extension
  body.u8(1);
  body.u8(0);  // null compression only
  if (!ssl3) {
    auto ext = extensions(s, rng);
    body.u16be(static_cast<std::uint16_t>(ext.size()));
    body.bytes(ext);
  }
  ByteWriter hs;
  hs.u8(1);  // client_hello
  hs.u8(static_cast<std::uint8_t>(body.size() >> 16));
  hs.u16be(static_cast<std::uint16_t>(body.size() & 0xFFFF));
  hs.bytes(body.data());
  ByteWriter rec;
  rec.u8(22);  // handshake
  // Record version: 3,0 for SSLv3, else 3,1 as most clients send (RFC 8446 5.1).
  rec.u16be(ssl3 ? 0x0300 : 0x0301);
  rec.u16be(static_cast<std::uint16_t>(hs.size()));
  rec.bytes(hs.data());
  return std::move(rec).take();
}

}  // namespace dicomsec::tlsinspect
