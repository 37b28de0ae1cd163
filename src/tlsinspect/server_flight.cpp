#include "tlsinspect/server_flight.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace dicomsec::tlsinspect {

namespace {

enum : std::uint8_t {
  kChangeCipherSpec = 20,
  kAlert = 21,
  kHandshake = 22,
  kApplicationData = 23,
};

enum : std::uint8_t {
  kHelloRequest = 0,
  kServerHello = 2,
  kCertificate = 11,
  kServerKeyExchange = 12,
  kCertificateRequest = 13,
  kServerHelloDone = 14,
};

// RFC 8446 4.1.3: SHA-256("HelloRetryRequest"), the random of every HelloRetryRequest.
constexpr std::array<std::uint8_t, 32> kHelloRetryRandom = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

std::optional<std::uint32_t> u24(ByteReader& r) {
  auto hi = r.u8();
  auto lo = r.u16be();
  if (!hi || !lo) return std::nullopt;
  return (std::uint32_t{*hi} << 16) | *lo;
}

void append(Bytes& to, ByteView from) { to.insert(to.end(), from.begin(), from.end()); }

}  // namespace

std::string alert_name(std::uint8_t d) {
  switch (d) {
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 22:
      return "record_overflow";
    case 40:
      return "handshake_failure";
    case 42:
      return "bad_certificate";
    case 43:
      return "unsupported_certificate";
    case 46:
      return "certificate_unknown";
    case 47:
      return "illegal_parameter";
    case 48:
      return "unknown_ca";
    case 49:
      return "access_denied";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 86:
      return "inappropriate_fallback";
    case 90:
      return "user_canceled";
    case 100:
      return "no_renegotiation";
    case 109:
      return "missing_extension";
    case 110:
      return "unsupported_extension";
    case 112:
      return "unrecognized_name";
    case 116:
      return "certificate_required";
    case 120:
      return "no_application_protocol";
    default:
      return fmt::format("alert_{}", d);
  }
}

ServerFlightParser::ServerFlightParser(bool stop_after_hello, FlightLimits limits)
    : stop_after_hello_(stop_after_hello), limits_(limits) {}

DecodeStatus ServerFlightParser::fail(std::string why) {
  error_ = std::move(why);
  status_ = DecodeStatus::Error;
  records_.clear();
  handshake_.clear();
  return status_;
}

DecodeStatus ServerFlightParser::feed(ByteView data) {
  if (status_ != DecodeStatus::NeedMore) return status_;
  // Only what can still matter is buffered: the cap on the total bounds memory and time.
  if (data.size() > limits_.max_total - std::min(total_, limits_.max_total))
    return fail(fmt::format("server flight exceeds {} bytes", limits_.max_total));
  total_ += data.size();
  append(records_, data);
  std::size_t pos = 0;
  while (status_ == DecodeStatus::NeedMore) {
    ByteReader r(ByteView(records_).subspan(pos));
    if (r.remaining() < 5) {
      // Check what we can of a header early, so a non-TLS peer is recognised at once.
      if (r.remaining() >= 1 &&
          (records_[pos] < kChangeCipherSpec || records_[pos] > kApplicationData)) {
        not_tls_ = records_seen_ == 0;
        fail(fmt::format("not a TLS record (first byte 0x{:02X})", records_[pos]));
      }
      break;
    }
    const auto type = *r.u8();
    const auto version = *r.u16be();
    const auto length = *r.u16be();
    if (type < kChangeCipherSpec || type > kApplicationData || (version >> 8) != 3) {
      not_tls_ = records_seen_ == 0;
      fail(type < kChangeCipherSpec || type > kApplicationData
               ? fmt::format("not a TLS record (first byte 0x{:02X})", type)
               : fmt::format("not a TLS record (version 0x{:04X})", version));
      break;
    }
    if (length > limits_.max_record) {
      fail(fmt::format("record of {} bytes exceeds the {}-byte limit", length, limits_.max_record));
      break;
    }
    if (r.remaining() < length) break;
    pos += 5 + length;
    ++records_seen_;
    on_record(type, *r.take(length));
  }
  if (status_ == DecodeStatus::NeedMore)
    records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(pos));
  return status_;
}

DecodeStatus ServerFlightParser::on_record(std::uint8_t type, ByteView payload) {
  switch (type) {
    case kAlert: {
      if (!handshake_.empty()) return fail("alert inside a fragmented handshake message");
      append(alert_, payload);
      if (alert_.size() < 2) return status_;
      flight_.alert = Alert{alert_[0], alert_[1]};
      status_ = DecodeStatus::Ready;
      return status_;
    }
    case kHandshake: {
      if (!alert_.empty()) return fail("handshake record inside a fragmented alert");
      if (payload.empty()) return fail("empty handshake record");
      append(handshake_, payload);
      std::size_t pos = 0;
      while (status_ == DecodeStatus::NeedMore) {
        ByteReader r(ByteView(handshake_).subspan(pos));
        if (r.remaining() < 4) break;
        const auto msg = *r.u8();
        const auto len = *u24(r);
        if (len > limits_.max_message)
          return fail(fmt::format("handshake message {} of {} bytes exceeds the {}-byte limit", msg,
                                  len, limits_.max_message));
        if (r.remaining() < len) break;
        pos += 4 + len;
        on_handshake(msg, *r.take(len));
      }
      if (status_ == DecodeStatus::NeedMore)
        handshake_.erase(handshake_.begin(), handshake_.begin() + static_cast<std::ptrdiff_t>(pos));
      return status_;
    }
    case kChangeCipherSpec:
    case kApplicationData:
    default:
      // TLS 1.3 sends these only after ServerHello, where we already stopped; in TLS <= 1.2
      // they cannot come before ServerHelloDone of a full handshake.
      return fail(type == kChangeCipherSpec ? "ChangeCipherSpec before the server's flight ended"
                                            : "application data before the handshake ended");
  }
}

DecodeStatus ServerFlightParser::on_handshake(std::uint8_t type, ByteView body) {
  if (type != kServerHello && !flight_.server_hello && type != kHelloRequest)
    return fail(fmt::format("handshake message {} before ServerHello", type));
  switch (type) {
    case kHelloRequest:
      return status_;
    case kServerHello:
      if (flight_.server_hello) return fail("second ServerHello");
      return on_server_hello(body);
    case kCertificate:
      return on_certificate(body);
    case kServerKeyExchange:
      return on_server_key_exchange(body);
    case kCertificateRequest:
      flight_.certificate_request = true;
      return status_;
    case kServerHelloDone:
      if (!body.empty()) return fail("ServerHelloDone with a body");
      flight_.server_hello_done = true;
      status_ = DecodeStatus::Ready;
      return status_;
    default:
      return status_;  // CertificateStatus, NewSessionTicket, ...: not needed
  }
}

DecodeStatus ServerFlightParser::on_server_hello(ByteView body) {
  ByteReader r(body);
  ServerHello sh;
  auto version = r.u16be();
  auto random = r.take(32);
  auto sid_len = r.u8();
  if (!version || !random || !sid_len || *sid_len > 32 || !r.skip(*sid_len))
    return fail("ServerHello too short");
  auto suite = r.u16be();
  auto compression = r.u8();
  if (!suite || !compression) return fail("ServerHello too short");
  sh.legacy_version = *version;
  sh.cipher_suite = *suite;
  sh.compression = *compression;
  sh.hello_retry = std::equal(random->begin(), random->end(), kHelloRetryRandom.begin());
  static constexpr std::uint8_t kDowngrade[] = {'D', 'O', 'W', 'N', 'G', 'R', 'D'};
  sh.downgrade_sentinel =
      std::equal(random->begin() + 24, random->begin() + 31, std::begin(kDowngrade));
  sh.version = version_from_wire(*version);
  if (!r.empty()) {
    auto ext_len = r.u16be();
    if (!ext_len) return fail("ServerHello extensions length truncated");
    auto exts = r.sub(*ext_len);
    if (!exts || !r.empty())
      return fail("ServerHello extensions length does not match the message");
    while (!exts->empty()) {
      auto type = exts->u16be();
      auto len = exts->u16be();
      if (!type || !len) return fail("ServerHello extension header truncated");
      auto data = exts->sub(*len);
      if (!data) return fail(fmt::format("ServerHello extension {} truncated", *type));
      if (std::find(sh.extensions.begin(), sh.extensions.end(), *type) != sh.extensions.end())
        return fail(fmt::format("ServerHello repeats extension {}", *type));
      sh.extensions.push_back(*type);
      switch (*type) {
        case 43: {  // supported_versions: the selected version
          auto v = data->u16be();
          if (!v || !data->empty()) return fail("bad supported_versions in ServerHello");
          sh.version = version_from_wire(*v);
          if (!sh.version) return fail(fmt::format("server selected unknown version 0x{:04X}", *v));
          break;
        }
        case 51: {  // key_share: a KeyShareEntry, or in HRR only the selected group
          auto g = data->u16be();
          if (!g) return fail("bad key_share in ServerHello");
          sh.key_share_group = *g;
          if (!sh.hello_retry) {
            auto klen = data->u16be();
            if (!klen || !data->skip(*klen)) return fail("bad key_share entry in ServerHello");
          }
          break;
        }
        case 22:
          sh.encrypt_then_mac = true;
          break;
        case 23:
          sh.extended_master_secret = true;
          break;
        case 0xFF01:
          sh.secure_renegotiation = true;
          break;
        default:
          break;
      }
    }
  }
  if (!sh.version) return fail(fmt::format("server chose unknown version 0x{:04X}", *version));
  const bool tls13 = *sh.version == Version::Tls13;
  flight_.server_hello = sh;
  // TLS 1.3: everything after ServerHello is encrypted; a HelloRetryRequest waits for a new
  // ClientHello. Either way the cleartext flight ends here.
  if (stop_after_hello_ || tls13 || sh.hello_retry) status_ = DecodeStatus::Ready;
  return status_;
}

DecodeStatus ServerFlightParser::on_certificate(ByteView body) {
  ByteReader r(body);
  auto total = u24(r);
  if (!total || *total != r.remaining())
    return fail("Certificate list length does not match the message");
  while (!r.empty()) {
    auto len = u24(r);
    if (!len) return fail("Certificate entry truncated");
    auto der = r.take(*len);
    if (!der) return fail("Certificate entry truncated");
    if (flight_.certificates.size() >= limits_.max_certificates)
      return fail(fmt::format("more than {} certificates", limits_.max_certificates));
    flight_.certificates.emplace_back(der->begin(), der->end());
  }
  return status_;
}

DecodeStatus ServerFlightParser::on_server_key_exchange(ByteView body) {
  ByteReader r(body);
  ServerKeyExchange ske;
  const auto* suite = find_suite(flight_.server_hello->cipher_suite);
  const std::string_view name = suite ? suite->iana : "";
  if (name.find("ECDHE_") != std::string_view::npos ||
      name.find("ECDH_anon") != std::string_view::npos) {
    auto curve_type = r.u8();
    if (!curve_type) return fail("ServerKeyExchange truncated");
    if (*curve_type == 3) {  // named_curve
      auto g = r.u16be();
      if (!g) return fail("ServerKeyExchange truncated");
      ske.named_group = *g;
    }
  } else if (name.find("DHE_") != std::string_view::npos ||
             name.find("DH_anon") != std::string_view::npos) {
    auto plen = r.u16be();
    if (!plen) return fail("ServerKeyExchange truncated");
    auto p = r.take(*plen);
    if (!p) return fail("ServerKeyExchange DH prime truncated");
    std::size_t i = 0;
    while (i < p->size() && (*p)[i] == 0) ++i;
    unsigned bits = 0;
    if (i < p->size()) {
      bits = static_cast<unsigned>((p->size() - i - 1) * 8);
      for (auto b = (*p)[i]; b != 0; b = static_cast<std::uint8_t>(b >> 1)) ++bits;
    }
    ske.dh_prime_bits = bits;
  }
  flight_.server_key_exchange = ske;
  return status_;
}

bool looks_like_tls(ByteView b) {
  if (b.size() < 3) return false;
  return (b[0] == kHandshake || b[0] == kAlert) && b[1] == 3 && b[2] <= 4;
}

}  // namespace dicomsec::tlsinspect
