// TLS protocol versions, cipher suites and named groups as data (IANA TLS parameters
// registry), with the OpenSSL names administrators know them by and the properties the
// findings and the DICOM PS3.15 profiles judge them on.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace dicomsec::tlsinspect {

// Wire values of ProtocolVersion (RFC 8446 4.1.2 legacy_version; SSL 3.0 is 3,0).
enum class Version : std::uint16_t {
  Ssl3 = 0x0300,
  Tls10 = 0x0301,
  Tls11 = 0x0302,
  Tls12 = 0x0303,
  Tls13 = 0x0304,
};
inline constexpr Version kAllVersions[] = {Version::Ssl3, Version::Tls10, Version::Tls11,
                                           Version::Tls12, Version::Tls13};

// "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3" (the record's spelling).
std::string_view version_name(Version v);
std::optional<Version> version_from_wire(std::uint16_t wire);
std::optional<Version> version_from_name(std::string_view name);

// Properties of a suite, derived from its key exchange, authentication and cipher.
enum SuiteFlag : std::uint32_t {
  kNull = 1U << 0,    // no encryption
  kExport = 1U << 1,  // export-grade (40/56-bit keys or 512/1024-bit export key exchange)
  kAnon = 1U << 2,    // no server authentication
  kRc4 = 1U << 3,
  kTripleDes = 1U << 4,
  kDes = 1U << 5,       // single DES
  kCbc = 1U << 6,       // block cipher in CBC mode (MAC-then-encrypt unless ETM)
  kAead = 1U << 7,      // GCM, CCM, ChaCha20-Poly1305
  kPfs = 1U << 8,       // ephemeral (EC)DH key exchange, or any TLS 1.3 suite
  kPsk = 1U << 9,       // needs a pre-shared key (or SRP password): never chosen blind
  kTls13 = 1U << 10,    // a TLS 1.3 suite (usable only in TLS 1.3)
  kWeakMac = 1U << 11,  // MD5 MAC
};

struct CipherSuite {
  std::uint16_t id;
  const char* iana;     // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  const char* openssl;  // ECDHE-RSA-AES128-GCM-SHA256
  Version min_version;  // lowest protocol version that defines it
  const char* kx;       // OpenSSL notation: RSA, DH, ECDH, PSK, ...
  const char* au;
  const char* enc;  // AESGCM(128), CHACHA20/POLY1305(256), None, ...
  const char* mac;
  std::uint32_t flags;  // SuiteFlag bits
};

// Every suite dicomsec knows, ordered by id.
std::span<const CipherSuite> cipher_suites();
const CipherSuite* find_suite(std::uint16_t id);
const CipherSuite* find_suite_by_name(std::string_view iana_or_openssl);
// IANA name, or "0xC0FF" for an id the table does not know.
std::string suite_name(std::uint16_t id);
// Suites a ClientHello for this version may offer: TLS 1.3 suites for TLS 1.3, the others
// (defined at or below the version) for SSLv3..TLS 1.2.
bool suite_usable_in(const CipherSuite& s, Version v);

// RFC 8446 4.2.7 / RFC 8422 5.1.1 NamedGroup.
struct NamedGroup {
  std::uint16_t id;
  const char* name;  // IANA name: x25519, secp256r1, ffdhe2048, ...
  bool tls13;        // usable in TLS 1.3 (RFC 8446 4.2.7)
};
std::span<const NamedGroup> named_groups();
std::string group_name(std::uint16_t id);  // IANA name or "0x0042"

}  // namespace dicomsec::tlsinspect
