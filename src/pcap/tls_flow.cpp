#include "pcap/tls_flow.hpp"

#include "tlsinspect/suites.hpp"

namespace dicomsec::pcap {

namespace {

constexpr std::size_t kMaxHello = 64 * 1024;  // a ClientHello larger than this is not read
constexpr std::uint8_t kHandshake = 22;       // RFC 5246 6.2.1 ContentType
constexpr std::uint8_t kClientHello = 1;      // RFC 5246 7.4 HandshakeType
constexpr std::uint16_t kServerName = 0;      // RFC 6066 3

// Skips a vector with a length prefix of `width` bytes (RFC 5246 4.3).
bool skip_vector(ByteReader& r, int width) {
  std::optional<std::size_t> n;
  if (width == 1) {
    if (auto v = r.u8()) n = *v;
  } else if (auto v = r.u16be()) {
    n = *v;
  }
  return n && r.skip(*n);
}

}  // namespace

DecodeStatus ClientHelloSni::feed(ByteView bytes) {
  if (status_ != DecodeStatus::NeedMore) return status_;
  raw_.insert(raw_.end(), bytes.begin(), bytes.end());
  ByteReader r(raw_);
  std::size_t used = 0;
  while (true) {
    ByteReader h(r.rest());
    const auto type = h.u8();
    const auto version = h.u16be();
    const auto length = h.u16be();
    if (!type || !version || !length) break;
    if (*type != kHandshake || (*version >> 8) != 3) return status_ = DecodeStatus::Error;
    const auto body = h.take(*length);
    if (!body) break;
    records_.insert(records_.end(), body->begin(), body->end());
    r.skip(5 + *length);
    used += 5 + *length;
  }
  raw_.erase(raw_.begin(), raw_.begin() + static_cast<std::ptrdiff_t>(used));
  if (records_.size() + raw_.size() > kMaxHello) return status_ = DecodeStatus::Error;
  return status_ = parse();
}

DecodeStatus ClientHelloSni::parse() {
  ByteReader r(records_);
  const auto type = r.u8();
  const auto hi = r.u8();
  const auto lo = r.u16be();
  if (!type || !hi || !lo) return DecodeStatus::NeedMore;
  if (*type != kClientHello) return DecodeStatus::Error;
  const std::size_t length = (std::size_t{*hi} << 16) | *lo;
  auto body = r.sub(length);
  if (!body) return DecodeStatus::NeedMore;
  // RFC 5246 7.4.1.2: version, random, session id, suites, compression, extensions.
  if (!body->skip(2 + 32) || !skip_vector(*body, 1) || !skip_vector(*body, 2) ||
      !skip_vector(*body, 1))
    return DecodeStatus::Error;
  if (body->empty()) return DecodeStatus::Ready;  // no extensions
  const auto ext_len = body->u16be();
  if (!ext_len) return DecodeStatus::Error;
  auto exts = body->sub(*ext_len);
  if (!exts) return DecodeStatus::Error;
  while (!exts->empty()) {
    const auto et = exts->u16be();
    const auto el = exts->u16be();
    if (!et || !el) return DecodeStatus::Error;
    auto ext = exts->sub(*el);
    if (!ext) return DecodeStatus::Error;
    if (*et != kServerName) continue;
    const auto list_len = ext->u16be();
    if (!list_len) return DecodeStatus::Error;
    auto list = ext->sub(*list_len);
    while (list && !list->empty()) {
      const auto name_type = list->u8();
      const auto name_len = list->u16be();
      if (!name_type || !name_len) return DecodeStatus::Error;
      const auto name = list->take(*name_len);
      if (!name) return DecodeStatus::Error;
      if (*name_type == 0) {  // host_name
        sni_ = printable(std::string(name->begin(), name->end()));
        break;
      }
    }
  }
  return DecodeStatus::Ready;
}

void TlsFlow::client_bytes(ByteView bytes) {
  if (client_done_) return;
  client_done_ = hello_.feed(bytes) != DecodeStatus::NeedMore;
}

void TlsFlow::server_bytes(ByteView bytes) {
  if (server_done_) return;
  server_done_ = flight_.feed(bytes) != DecodeStatus::NeedMore;
}

record::FlowTlsRecord TlsFlow::result() const {
  record::FlowTlsRecord t;
  t.sni = hello_.sni();
  const auto& f = flight_.flight();
  if (f.server_hello) {
    const auto& sh = *f.server_hello;
    const auto v = sh.version ? sh.version : tlsinspect::version_from_wire(sh.legacy_version);
    if (v) t.version = std::string(tlsinspect::version_name(*v));
    t.suite = tlsinspect::suite_name(sh.cipher_suite);
  }
  if (!f.certificates.empty()) {
    if (const auto names = cert_names(f.certificates.front())) {
      t.cert_subject = printable(names->subject);
      t.cert_issuer = printable(names->issuer);
      t.cert_not_after = names->not_after;
    }
  }
  if (f.alert) t.alert = tlsinspect::alert_name(f.alert->description);
  return t;
}

}  // namespace dicomsec::pcap
