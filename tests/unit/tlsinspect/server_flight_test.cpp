#include "tlsinspect/server_flight.hpp"

#include <gtest/gtest.h>

#include "flights.hpp"

using namespace dicomsec;
using namespace dicomsec::tlsinspect;

namespace {

// Feeds the stream in pieces of `step` bytes (0: at once) and returns the parser.
ServerFlightParser feed(const Bytes& b, std::size_t step = 0, bool stop_after_hello = false) {
  ServerFlightParser p(stop_after_hello);
  if (step == 0) step = b.size();
  for (std::size_t at = 0; at < b.size() && p.status() == DecodeStatus::NeedMore; at += step)
    p.feed(ByteView(b).subspan(at, std::min(step, b.size() - at)));
  return p;
}

}  // namespace

TEST(ServerFlight, OpensslTls12CaSigned) {
  auto b = load_flight("ossl_ca_tls12.bin");
  ASSERT_FALSE(b.empty());
  auto p = feed(b);
  ASSERT_EQ(p.status(), DecodeStatus::Ready) << p.error();
  const auto& f = p.flight();
  ASSERT_TRUE(f.server_hello);
  EXPECT_EQ(f.server_hello->version, Version::Tls12);
  EXPECT_EQ(f.server_hello->cipher_suite, 0x002F);  // the client's first: s_server follows us
  EXPECT_TRUE(f.server_hello->encrypt_then_mac);
  EXPECT_TRUE(f.server_hello->extended_master_secret);
  EXPECT_TRUE(f.server_hello->secure_renegotiation);
  EXPECT_TRUE(f.server_hello->downgrade_sentinel);  // a TLS 1.3 server answering 1.2
  EXPECT_EQ(f.certificates.size(), 2U);             // leaf + CA
  EXPECT_FALSE(f.server_key_exchange);              // static RSA
  EXPECT_FALSE(f.certificate_request);
  EXPECT_TRUE(f.server_hello_done);
}

TEST(ServerFlight, StorescpRequiresClientCert) {
  auto p = feed(load_flight("storescp_rc_tls12.bin"));
  ASSERT_EQ(p.status(), DecodeStatus::Ready) << p.error();
  const auto& f = p.flight();
  EXPECT_EQ(f.server_hello->cipher_suite, 0x009F);  // DHE-RSA-AES256-GCM-SHA384: server order
  ASSERT_TRUE(f.server_key_exchange);
  EXPECT_EQ(f.server_key_exchange->dh_prime_bits, 2048U);
  EXPECT_TRUE(f.certificate_request);
  EXPECT_EQ(f.certificates.size(), 2U);
}

TEST(ServerFlight, OpensslRequestsCertAndSendsEcdheGroup) {
  auto p = feed(load_flight("ossl_request_tls12.bin"));
  ASSERT_EQ(p.status(), DecodeStatus::Ready) << p.error();
  EXPECT_TRUE(p.flight().certificate_request);
}

TEST(ServerFlight, Tls10) {
  auto p = feed(load_flight("ossl_tls10_tls10.bin"));
  ASSERT_EQ(p.status(), DecodeStatus::Ready) << p.error();
  EXPECT_EQ(p.flight().server_hello->version, Version::Tls10);
  EXPECT_EQ(p.flight().server_hello->legacy_version, 0x0301);
}

TEST(ServerFlight, Tls13StopsAfterServerHello) {
  auto b = load_flight("ossl_tls13_tls13.bin");
  auto p = feed(b);
  ASSERT_EQ(p.status(), DecodeStatus::Ready) << p.error();
  const auto& sh = *p.flight().server_hello;
  EXPECT_EQ(sh.version, Version::Tls13);
  EXPECT_EQ(sh.legacy_version, 0x0303);
  EXPECT_EQ(sh.cipher_suite, 0x1301);
  EXPECT_EQ(sh.key_share_group, 0x001D);
  EXPECT_FALSE(sh.hello_retry);
  EXPECT_LT(p.bytes_seen(), b.size() + 1);
}

TEST(ServerFlight, HelloRetryRequestNamesTheGroup) {
  auto p = feed(load_flight("ossl_tls13_hrr.bin"));
  ASSERT_EQ(p.status(), DecodeStatus::Ready) << p.error();
  const auto& sh = *p.flight().server_hello;
  EXPECT_TRUE(sh.hello_retry);
  EXPECT_EQ(sh.version, Version::Tls13);
  EXPECT_EQ(sh.key_share_group, 0x001D);
  EXPECT_EQ(sh.cipher_suite, 0x1301);
}

TEST(ServerFlight, Alert) {
  auto p = feed(load_flight("ossl_tls13_alert_tls12.bin"));
  ASSERT_EQ(p.status(), DecodeStatus::Ready);
  ASSERT_TRUE(p.flight().alert);
  EXPECT_EQ(p.flight().alert->level, 2);
  EXPECT_EQ(alert_name(p.flight().alert->description), "protocol_version");
}

// masscan-style: every recorded flight decodes the same in any chunking.
TEST(ServerFlight, AnySplitGivesTheSameResult) {
  for (const char* name :
       {"ossl_ca_tls12.bin", "storescp_rc_tls12.bin", "ossl_tls13_tls13.bin", "ossl_tls13_hrr.bin",
        "ossl_tls10_tls10.bin", "ossl_tls13_alert_tls12.bin"}) {
    auto b = load_flight(name);
    auto whole = feed(b);
    for (std::size_t step : {1U, 2U, 3U, 5U, 7U, 64U, 1000U}) {
      auto split = feed(b, step);
      EXPECT_EQ(split.status(), whole.status()) << name << " step " << step;
      EXPECT_EQ(split.flight().certificates, whole.flight().certificates) << name;
      EXPECT_EQ(split.flight().server_hello.has_value(), whole.flight().server_hello.has_value());
      if (whole.flight().server_hello) {
        EXPECT_EQ(split.flight().server_hello->cipher_suite,
                  whole.flight().server_hello->cipher_suite);
      }
    }
  }
}

TEST(ServerFlight, TruncatedFlightNeedsMore) {
  auto b = load_flight("ossl_ca_tls12.bin");
  for (std::size_t cut : {1UL, 4UL, 5UL, 50UL, b.size() - 1}) {
    ServerFlightParser p;
    EXPECT_EQ(p.feed(ByteView(b).first(cut)), DecodeStatus::NeedMore) << cut;
  }
}

TEST(ServerFlight, NotTls) {
  // A DICOM A-ASSOCIATE-RJ (PS3.8 9.3.4) in answer to a ClientHello.
  const Bytes rj = {0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x01, 0x01};
  ServerFlightParser p;
  EXPECT_EQ(p.feed(rj), DecodeStatus::Error);
  EXPECT_TRUE(p.not_tls());
  ServerFlightParser q;
  EXPECT_EQ(q.feed(Bytes{'H', 'T', 'T', 'P', '/', '1', '.', '1'}), DecodeStatus::Error);
  EXPECT_TRUE(q.not_tls());
}

TEST(ServerFlight, Caps) {
  // A record longer than TLSCiphertext allows.
  ServerFlightParser p;
  EXPECT_EQ(p.feed(Bytes{22, 3, 3, 0xFF, 0xFF}), DecodeStatus::Error);
  EXPECT_FALSE(p.not_tls());
  // A handshake message announcing 16 MB.
  ServerFlightParser q;
  EXPECT_EQ(q.feed(Bytes{22, 3, 3, 0, 4, 2, 0xFF, 0xFF, 0xFF}), DecodeStatus::Error);
  // Total bytes.
  FlightLimits small;
  small.max_total = 10;
  ServerFlightParser r(false, small);
  EXPECT_EQ(r.feed(Bytes(11, 22)), DecodeStatus::Error);
}

TEST(ServerFlight, MessagesBeforeServerHelloAreErrors) {
  ServerFlightParser p;  // ServerHelloDone first
  EXPECT_EQ(p.feed(Bytes{22, 3, 3, 0, 4, 14, 0, 0, 0}), DecodeStatus::Error);
  ServerFlightParser q;  // ChangeCipherSpec first
  EXPECT_EQ(q.feed(Bytes{20, 3, 3, 0, 1, 1}), DecodeStatus::Error);
}

TEST(ServerFlight, LooksLikeTls) {
  EXPECT_TRUE(looks_like_tls(Bytes{22, 3, 3, 0, 10}));
  EXPECT_TRUE(looks_like_tls(Bytes{21, 3, 1, 0, 2}));
  EXPECT_FALSE(looks_like_tls(Bytes{2, 0, 0, 0}));  // A-ASSOCIATE-AC
  EXPECT_FALSE(looks_like_tls(Bytes{22, 3}));
}
