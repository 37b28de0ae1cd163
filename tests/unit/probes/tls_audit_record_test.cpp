// The TLS codec's summary and profile verdicts mapped into the record (probes/tls/
// audit_record): names as the record spells them, merge rules, and the verdict's bool.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probes/tls/audit_record.hpp"

namespace {

using namespace dicomsec;
using namespace dicomsec::probes::tls;

tlsinspect::AuditSummary sample() {
  tlsinspect::AuditSummary s;
  s.accepted = {{tlsinspect::Version::Tls12, {0xC030, 0x009F, 0xC0FF}},
                {tlsinspect::Version::Tls13, {0x1302}}};
  s.server_preference = true;
  s.groups = {0x0017, 0x001D};
  s.dh_bits = 2048;
  s.encrypt_then_mac = false;
  s.handshakes = 7;
  s.certificate_request = false;
  s.complete = true;
  return s;
}

}  // namespace

TEST(TlsAuditRecord, NamesVersionsSuitesAndGroups) {
  record::TlsAuditRecord a;
  to_record(sample(), a);
  EXPECT_EQ(a.versions, (std::vector<std::string>{"TLSv1.2", "TLSv1.3"}));
  ASSERT_EQ(a.ciphers.size(), 2U);
  EXPECT_EQ(a.ciphers[0].version, "TLSv1.2");
  EXPECT_EQ(a.ciphers[0].ciphers,
            (std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                      "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "0xC0FF"}));
  EXPECT_EQ(a.ciphers[1].ciphers, (std::vector<std::string>{"TLS_AES_256_GCM_SHA384"}));
  EXPECT_EQ(a.groups, (std::vector<std::string>{"secp256r1", "x25519"}));
  EXPECT_EQ(a.server_preference, true);
  EXPECT_EQ(a.dh_bits, 2048U);
  EXPECT_EQ(a.encrypt_then_mac, false);
  EXPECT_TRUE(a.complete);
  EXPECT_EQ(a.handshakes, 7U);
}

// The OpenSSL handshake fills the same record: its handshakes add up and a CertificateRequest
// seen by either side stays seen.
TEST(TlsAuditRecord, MergesWithWhatIsAlreadyThere) {
  record::TlsAuditRecord a;
  a.handshakes = 1;
  a.client_cert_requested = true;
  a.versions = {"SSLv3"};
  to_record(sample(), a);
  EXPECT_EQ(a.handshakes, 8U);
  EXPECT_TRUE(a.client_cert_requested);
  EXPECT_EQ(a.versions.size(), 2U);  // replaced, not appended
  auto s = sample();
  s.certificate_request = true;
  record::TlsAuditRecord b;
  to_record(s, b);
  EXPECT_TRUE(b.client_cert_requested);
}

TEST(TlsAuditRecord, VerdictsKeepIdNameReasonsAndStatus) {
  const auto verdicts = tlsinspect::evaluate_profiles(tlsinspect::summarize({}));
  const auto mapped = to_record(verdicts);
  ASSERT_EQ(mapped.size(), verdicts.size());
  for (std::size_t i = 0; i < mapped.size(); ++i) {
    EXPECT_EQ(mapped[i].id, verdicts[i].id);
    EXPECT_EQ(mapped[i].name, verdicts[i].name);
    EXPECT_EQ(mapped[i].retired, verdicts[i].retired);
    EXPECT_EQ(mapped[i].reasons, verdicts[i].reasons);
    EXPECT_EQ(mapped[i].status, "fail");
  }
  tlsinspect::ProfileVerdict pass{"bcp195", "BCP195", false, tlsinspect::VerdictStatus::Pass, {}};
  EXPECT_EQ(to_record(pass).status, "pass");
  tlsinspect::ProfileVerdict undecided{"bcp195-rfc8996-mod", "B.13", false,
                                       tlsinspect::VerdictStatus::NotDeterminable,
                                       {"not determinable: B.13: DHE suites accepted"}};
  EXPECT_EQ(to_record(undecided).status, "not-determinable");
  EXPECT_EQ(to_record(undecided).reasons, undecided.reasons);
}
