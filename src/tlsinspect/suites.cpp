#include "tlsinspect/suites.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace dicomsec::tlsinspect {

namespace {

struct Row {
  std::uint16_t id;
  const char* iana;
  const char* openssl;
  Version min_version;
  const char* kx;
  const char* au;
  const char* enc;
  const char* mac;
};

constexpr Row kRows[] = {
#include "tlsinspect/suites_table.inc"
};

bool has(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Flags from the IANA name (the registry's naming is systematic: TLS_<kx>_WITH_<cipher>_<mac>)
// and OpenSSL's description of the cipher.
std::uint32_t derive_flags(const Row& r) {
  const std::string_view name = r.iana, enc = r.enc, mac = r.mac, kx = r.kx;
  std::uint32_t f = 0;
  if (r.min_version == Version::Tls13) f |= kTls13 | kPfs | kAead;
  if (enc == "None" || has(name, "_WITH_NULL_")) f |= kNull;
  if (has(name, "EXPORT") || has(enc, "(40)") || has(enc, "(56)") || has(kx, "(512)") ||
      has(kx, "(1024)"))
    f |= kExport;
  if (has(name, "_anon_")) f |= kAnon;
  if (has(name, "_RC4_")) f |= kRc4;
  if (has(name, "_3DES_")) f |= kTripleDes;
  if (has(name, "_DES_CBC_") || has(name, "_DES40_")) f |= kDes;
  if (mac == "AEAD" || has(name, "_GCM_") || has(name, "_CCM") || has(name, "CHACHA20")) f |= kAead;
  if (!(f & (kAead | kNull | kRc4))) f |= kCbc;
  if (has(name, "_DHE_") || has(name, "_ECDHE_") || has(name, "TLS_DH_anon_") ||
      has(name, "TLS_ECDH_anon_"))
    f |= kPfs;
  if (has(name, "PSK") || has(name, "_SRP_")) f |= kPsk;
  if (mac == "MD5") f |= kWeakMac;
  return f;
}

struct Table {
  std::array<CipherSuite, std::size(kRows)> suites{};
  Table() {
    for (std::size_t i = 0; i < std::size(kRows); ++i) {
      const auto& r = kRows[i];
      suites[i] = {r.id, r.iana, r.openssl, r.min_version,  r.kx,
                   r.au, r.enc,  r.mac,     derive_flags(r)};
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

// RFC 8446 4.2.7, RFC 8422 5.1.1, RFC 7919, RFC 8734.
constexpr NamedGroup kGroups[] = {
    {0x0013, "secp192r1", false},
    {0x0015, "secp224r1", false},
    {0x0017, "secp256r1", true},
    {0x0018, "secp384r1", true},
    {0x0019, "secp521r1", true},
    {0x001A, "brainpoolP256r1", false},
    {0x001B, "brainpoolP384r1", false},
    {0x001C, "brainpoolP512r1", false},
    {0x001D, "x25519", true},
    {0x001E, "x448", true},
    {0x001F, "brainpoolP256r1tls13", true},
    {0x0020, "brainpoolP384r1tls13", true},
    {0x0021, "brainpoolP512r1tls13", true},
    {0x0100, "ffdhe2048", true},
    {0x0101, "ffdhe3072", true},
    {0x0102, "ffdhe4096", true},
    {0x0103, "ffdhe6144", true},
    {0x0104, "ffdhe8192", true},
};

}  // namespace

std::string_view version_name(Version v) {
  switch (v) {
    case Version::Ssl3:
      return "SSLv3";
    case Version::Tls10:
      return "TLSv1.0";
    case Version::Tls11:
      return "TLSv1.1";
    case Version::Tls12:
      return "TLSv1.2";
    case Version::Tls13:
      return "TLSv1.3";
  }
  return "unknown";
}

std::optional<Version> version_from_wire(std::uint16_t wire) {
  if (wire >= 0x0300 && wire <= 0x0304) return static_cast<Version>(wire);
  return std::nullopt;
}

std::optional<Version> version_from_name(std::string_view name) {
  for (auto v : kAllVersions)
    if (version_name(v) == name) return v;
  return std::nullopt;
}

std::span<const CipherSuite> cipher_suites() { return table().suites; }

const CipherSuite* find_suite(std::uint16_t id) {
  const auto& s = table().suites;
  auto it = std::lower_bound(s.begin(), s.end(), id,
                             [](const CipherSuite& c, std::uint16_t v) { return c.id < v; });
  return it != s.end() && it->id == id ? &*it : nullptr;
}

const CipherSuite* find_suite_by_name(std::string_view name) {
  for (const auto& s : table().suites)
    if (name == s.iana || name == s.openssl) return &s;
  return nullptr;
}

std::string suite_name(std::uint16_t id) {
  if (const auto* s = find_suite(id)) return s->iana;
  return fmt::format("0x{:04X}", id);
}

bool suite_usable_in(const CipherSuite& s, Version v) {
  if (v == Version::Tls13) return (s.flags & kTls13) != 0;
  if (s.flags & kTls13) return false;
  return static_cast<std::uint16_t>(s.min_version) <= static_cast<std::uint16_t>(v);
}

std::span<const NamedGroup> named_groups() { return kGroups; }

std::string group_name(std::uint16_t id) {
  for (const auto& g : kGroups)
    if (g.id == id) return g.name;
  return fmt::format("0x{:04X}", id);
}

}  // namespace dicomsec::tlsinspect
