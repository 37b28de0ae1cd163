#include "tlsinspect/planner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "core/bytes.hpp"
#include "tlsinspect/summary.hpp"

using namespace dicomsec;
using namespace dicomsec::tlsinspect;

namespace {

// What a ClientHello offers, read back from its bytes.
struct Offer {
  Version version = Version::Tls12;
  std::vector<std::uint16_t> suites;
  std::vector<std::uint16_t> groups;
};

Offer read_offer(const Bytes& b) {
  Offer o;
  ByteReader r(ByteView(b).subspan(9));
  o.version = static_cast<Version>(*r.u16be());
  r.skip(32);
  r.skip(*r.u8());
  auto n = *r.u16be();
  for (unsigned i = 0; i < n / 2; ++i) o.suites.push_back(*r.u16be());
  r.skip(*r.u8());
  if (r.empty()) return o;
  auto ext = *r.sub(*r.u16be());
  while (!ext.empty()) {
    auto type = *ext.u16be();
    auto body = *ext.sub(*ext.u16be());
    if (type == 43) o.version = Version::Tls13;
    if (type == 10) {
      auto len = *body.u16be();
      for (unsigned i = 0; i < len / 2; ++i) o.groups.push_back(*body.u16be());
    }
  }
  return o;
}

// A server model: versions with their suites in its preference order, and its groups.
struct FakeServer {
  std::map<Version, std::vector<std::uint16_t>> suites;
  std::vector<std::uint16_t> groups;
  bool server_order = true;
  unsigned asked = 0;

  Answer answer(const Bytes& hello) {
    ++asked;
    auto o = read_offer(hello);
    Answer a;
    auto alert = [&](std::uint8_t d) {
      a.flight.alert = Alert{2, d};
      return a;
    };
    auto it = suites.find(o.version);
    if (it == suites.end()) return alert(70);
    std::optional<std::uint16_t> pick;
    if (server_order) {
      for (auto s : it->second)
        if (std::find(o.suites.begin(), o.suites.end(), s) != o.suites.end()) {
          pick = s;
          break;
        }
    } else {
      for (auto s : o.suites)
        if (std::find(it->second.begin(), it->second.end(), s) != it->second.end()) {
          pick = s;
          break;
        }
    }
    if (!pick) return alert(40);
    ServerHello sh;
    sh.version = o.version;
    sh.cipher_suite = *pick;
    const bool ecdhe = o.version == Version::Tls13 || *pick == 0xC02F || *pick == 0xC030;
    if (ecdhe) {
      std::optional<std::uint16_t> g;
      for (auto x : groups)
        if (std::find(o.groups.begin(), o.groups.end(), x) != o.groups.end()) {
          g = x;
          break;
        }
      if (!g) return alert(40);
      if (o.version == Version::Tls13) {
        sh.key_share_group = *g;
        sh.hello_retry = true;
      } else {
        a.flight.server_key_exchange = ServerKeyExchange{*g, std::nullopt};
      }
    }
    a.flight.server_hello = sh;
    return a;
  }
};

PlannerResult run(AuditPlanner& p, FakeServer& server, unsigned parallel) {
  for (int guard = 0; guard < 10000 && !p.done(); ++guard) {
    std::vector<Question> batch;
    while (batch.size() < parallel)
      if (auto q = p.next())
        batch.push_back(std::move(*q));
      else
        break;
    if (batch.empty()) break;
    for (const auto& q : batch) p.answer(q, server.answer(q.client_hello));
  }
  EXPECT_TRUE(p.done());
  return p.result();
}

}  // namespace

TEST(Planner, EnumeratesVersionsSuitesPreferenceAndGroups) {
  FakeServer server;
  server.suites[Version::Tls12] = {0xC030, 0x009F, 0xC02F};
  server.suites[Version::Tls13] = {0x1302, 0x1301};
  server.groups = {0x0017, 0x001D};
  for (unsigned parallel : {1U, 4U}) {
    server.asked = 0;
    AuditPlanner p(PlannerOptions{});
    auto r = run(p, server, parallel);
    const auto rec = summarize(r);
    ASSERT_EQ(rec.accepted.size(), 2U);
    EXPECT_EQ(rec.accepted[0].version, Version::Tls12);
    EXPECT_EQ(rec.accepted[1].version, Version::Tls13);
    EXPECT_EQ(rec.accepted[0].suites, (std::vector<std::uint16_t>{0xC030, 0x009F, 0xC02F}));
    EXPECT_EQ(rec.accepted[1].suites, (std::vector<std::uint16_t>{0x1302, 0x1301}));
    EXPECT_EQ(rec.server_preference, true);
    EXPECT_EQ(rec.groups, (std::vector<std::uint16_t>{0x0017, 0x001D}));  // secp256r1, x25519
    EXPECT_TRUE(rec.complete);
    // 5 versions (3 refused), 3+1 and 2+1 suite questions, 2 preference, groups 1.3 (2+1)
    // and 1.2 (2+1)
    EXPECT_EQ(rec.handshakes, server.asked);
    EXPECT_EQ(server.asked, 3U + 4U + 3U + 2U + 3U + 3U);
  }
}

TEST(Planner, ClientPreferenceIsDetected) {
  FakeServer server;
  server.server_order = false;
  server.suites[Version::Tls12] = {0x009F, 0x002F};
  AuditPlanner p(PlannerOptions{});
  auto r = run(p, server, 2);
  EXPECT_EQ(summarize(r).server_preference, false);
}

TEST(Planner, BudgetBoundsTheAudit) {
  FakeServer server;
  server.suites[Version::Tls12] = {0x009F, 0x002F, 0x0033, 0x0039};
  PlannerOptions o;
  o.max_handshakes = 4;
  AuditPlanner p(o);
  auto r = run(p, server, 4);
  EXPECT_EQ(server.asked, 4U);
  EXPECT_TRUE(r.budget_exhausted);
  EXPECT_FALSE(summarize(r).complete);
}

TEST(Planner, NotTlsStopsAtOnce) {
  AuditPlanner p(PlannerOptions{});
  auto q = p.next();
  ASSERT_TRUE(q);
  auto q2 = p.next();
  ASSERT_TRUE(q2);
  Answer a;
  a.outcome = Outcome::NotTls;
  a.detail = "not a TLS record";
  p.answer(*q, a);
  EXPECT_FALSE(p.next());
  p.answer(*q2, a);
  EXPECT_TRUE(p.done());
  EXPECT_TRUE(p.result().not_tls);
  EXPECT_FALSE(p.result().any_tls);
}

TEST(Planner, SilenceIsNotRefusal) {
  AuditPlanner p(PlannerOptions{});
  std::vector<Question> qs;
  while (auto q = p.next()) qs.push_back(*q);
  EXPECT_EQ(qs.size(), 5U);  // one per version, all independent
  Answer a;
  a.outcome = Outcome::Timeout;
  for (const auto& q : qs) p.answer(q, a);
  EXPECT_TRUE(p.done());
  for (const auto& v : p.result().versions) EXPECT_FALSE(v.accepted.has_value());
  EXPECT_EQ(p.result().trouble, Outcome::Timeout);
}
