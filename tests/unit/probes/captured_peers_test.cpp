// The clients fed what real peers sent (captures/*.inc: storescp, dcmqrscp and Orthanc on
// loopback, recorded by captures/capture.sh), split at every offset: the verdict must not
// depend on how the bytes arrive, and must match what the live scan concluded.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <span>

#include "captures/dcmqrscp_367_access.inc"
#include "captures/dcmqrscp_367_rj7.inc"
#include "captures/orthanc_1101_access.inc"
#include "captures/orthanc_1101_rj3.inc"
#include "captures/orthanc_1101_safe.inc"
#include "captures/storescp_367_safe.inc"
#include "dicom/uids.hpp"
#include "probes/dicom_ul/access_client.hpp"
#include "probes/dicom_ul/association_client.hpp"
#include "sent_commands.hpp"

namespace dicomsec::probes {
namespace {

using CF = dimse::CommandField;
using record::AssociationResult;
using record::Permission;

// The types of the PDUs the client sent, in order (a PDU split by nothing: we encode whole).
std::vector<std::uint8_t> pdu_types(const Bytes& sent) {
  std::vector<std::uint8_t> out;
  std::size_t at = 0;
  while (at + 6 <= sent.size()) {
    out.push_back(sent[at]);
    const std::size_t len = (std::size_t{sent[at + 2]} << 24) | (std::size_t{sent[at + 3]} << 16) |
                            (std::size_t{sent[at + 4]} << 8) | sent[at + 5];
    at += 6 + len;
  }
  EXPECT_EQ(at, sent.size()) << "the client sent a partial PDU";
  return out;
}

// The DIMSE commands in what the client sent, in order (data set PDVs skipped).
std::vector<dimse::CommandField> commands(const Bytes& sent) {
  std::vector<dimse::CommandField> out;
  for (const auto& c : test_support::sent_commands(sent)) out.push_back(c.field);
  return out;
}

// Feeds `stream` in two pieces cut at `split` (the whole stream when split is its size),
// then reports the close; returns everything the client sent after start().
template <class Client>
Bytes feed(Client& c, std::span<const std::uint8_t> stream, std::size_t split) {
  Bytes sent;
  for (auto part : {stream.first(split), stream.subspan(split)}) {
    if (c.done() || part.empty()) continue;
    auto out = c.on_bytes(part);
    sent.insert(sent.end(), out.begin(), out.end());
  }
  c.on_closed();
  return sent;
}

AssociationPlan safe_plan() { return {"DICOMSEC", "ANY-SCP", default_contexts(), 64 * 1024, true}; }

AccessPlan access_plan(std::string called) {
  AccessPlan p;
  p.calling_ae = "DICOMSEC";
  p.called_ae = std::move(called);
  p.retrieve_study_uid = "1.2.826.0.1.3680043.10.1001.4.1";
  p.seed = 7;
  return p;
}

constexpr std::uint8_t kPData = 0x04, kReleaseRq = 0x05, kAbort = 0x07;

struct SafeCase {
  const char* name;
  std::span<const std::uint8_t> stream;
  std::size_t accepted_contexts;
};

TEST(CapturedPeers, SafeAssociationAtEverySplit) {
  for (const auto& k : {SafeCase{"storescp 3.6.7", kStorescp367Safe, 25},
                        SafeCase{"Orthanc 1.10.1", kOrthanc1101Safe, 32}}) {
    for (std::size_t split = 0; split <= k.stream.size(); ++split) {
      SCOPED_TRACE(testing::Message() << k.name << " split at " << split);
      AssociationClient c(safe_plan());
      (void)c.start();
      const auto sent = feed(c, k.stream, split);
      ASSERT_TRUE(c.done());
      ASSERT_FALSE(c.protocol_error()) << *c.protocol_error();
      EXPECT_TRUE(c.dicom());
      EXPECT_FALSE(c.cut_short());
      // C-ECHO-RQ, then A-RELEASE-RQ; nothing else.
      EXPECT_EQ(commands(sent), (std::vector<dimse::CommandField>{CF::CEchoRq}));
      EXPECT_EQ(pdu_types(sent), (std::vector<std::uint8_t>{kPData, kReleaseRq}));
      const auto& r = c.record();
      EXPECT_EQ(r.result, AssociationResult::Accepted);
      EXPECT_TRUE(r.released);
      EXPECT_EQ(r.max_pdu, 16384U);
      EXPECT_EQ(r.implementation_class_uid, "1.2.276.0.7230010.3.0.3.6.7");
      EXPECT_EQ(r.implementation_version_name, "OFFIS_DCMTK_367");
      EXPECT_EQ(r.accepted_contexts.size(), k.accepted_contexts);
      EXPECT_TRUE(r.conformance.empty());
      ASSERT_TRUE(c.echo());
      EXPECT_EQ(c.echo()->status, 0);
    }
  }
}

TEST(CapturedPeers, SafeAssociationByteByByte) {
  AssociationClient c(safe_plan());
  (void)c.start();
  Bytes sent;
  for (auto b : kStorescp367Safe) {
    auto out = c.on_bytes(std::span(&b, 1));
    sent.insert(sent.end(), out.begin(), out.end());
  }
  EXPECT_TRUE(c.done());
  EXPECT_TRUE(c.record().released);
  EXPECT_EQ(pdu_types(sent), (std::vector<std::uint8_t>{kPData, kReleaseRq}));
}

struct RejectCase {
  const char* name;
  std::span<const std::uint8_t> stream;
  std::uint8_t reason;
};

TEST(CapturedPeers, RejectionsAtEverySplit) {
  for (const auto& k : {RejectCase{"dcmqrscp 3.6.7", kDcmqrscp367Reject7, 7},
                        RejectCase{"Orthanc 1.10.1", kOrthanc1101Reject3, 3}}) {
    for (std::size_t split = 0; split <= k.stream.size(); ++split) {
      SCOPED_TRACE(testing::Message() << k.name << " split at " << split);
      AssociationClient c(safe_plan());
      (void)c.start();
      EXPECT_TRUE(feed(c, k.stream, split).empty()) << "nothing is sent after a rejection";
      EXPECT_TRUE(c.done());
      EXPECT_FALSE(c.protocol_error());
      EXPECT_TRUE(c.dicom());
      const auto& r = c.record();
      EXPECT_EQ(r.result, AssociationResult::Rejected);
      ASSERT_TRUE(r.reject);
      EXPECT_EQ(r.reject->result, 1);
      EXPECT_EQ(r.reject->source, 1);
      EXPECT_EQ(r.reject->reason, k.reason);
    }
  }
}

struct AccessCase {
  const char* name;
  std::span<const std::uint8_t> stream;
  const char* called;
  std::uint16_t retrieve_status;
};

TEST(CapturedPeers, AccessChecksAtEverySplit) {
  for (const auto& k : {AccessCase{"dcmqrscp 3.6.7", kDcmqrscp367Access, "COMMON", 0x0000},
                        AccessCase{"Orthanc 1.10.1", kOrthanc1101Access, "ORTHANC", 0xC000}}) {
    for (std::size_t split = 0; split <= k.stream.size(); ++split) {
      SCOPED_TRACE(testing::Message() << k.name << " split at " << split);
      AccessClient c(access_plan(k.called), {});
      (void)c.start();
      const auto sent = feed(c, k.stream, split);
      ASSERT_TRUE(c.done());
      ASSERT_FALSE(c.protocol_error()) << *c.protocol_error();
      EXPECT_TRUE(c.unfinished().empty());
      // FIND patient, FIND study, MOVE, GET, then the release; never an A-ABORT.
      EXPECT_EQ(commands(sent), (std::vector<dimse::CommandField>{CF::CFindRq, CF::CFindRq,
                                                                  CF::CMoveRq, CF::CGetRq}));
      const auto types = pdu_types(sent);
      ASSERT_FALSE(types.empty());
      EXPECT_EQ(types.back(), kReleaseRq);
      EXPECT_EQ(std::count(types.begin(), types.end(), kAbort), 0);
      EXPECT_TRUE(c.association().released);
      EXPECT_EQ(c.association().result, AssociationResult::Accepted);
      EXPECT_EQ(c.association().accepted_contexts.size(), 6U) << "both accept all six contexts";
      const auto& a = c.access();
      EXPECT_EQ(a.find.state, Permission::Allowed);
      EXPECT_EQ(a.find.patient, 1U);
      EXPECT_EQ(a.find.study, 1U);
      EXPECT_FALSE(a.find.capped);
      EXPECT_EQ(a.move.state, Permission::Allowed);
      EXPECT_EQ(a.move.status, k.retrieve_status);
      EXPECT_EQ(a.get.state, Permission::Allowed);
      EXPECT_EQ(a.get.status, k.retrieve_status);
      // Counts only: nothing of the test patient's identifiers is in the record.
      for (const auto* e : {&a.find.evidence, &a.move.evidence, &a.get.evidence})
        EXPECT_EQ(e->find("DICOMSEC-TEST"), std::string::npos) << *e;
    }
  }
}

TEST(CapturedPeers, FindCapCancelsOnARealPeersPendingResponse) {
  // Cap 1: the one pending response of the real peer triggers C-CANCEL-RQ; its final
  // success still arrives and the checks carry on.
  AccessPlan p = access_plan("ORTHANC");
  p.find_cap = 1;
  AccessClient c(p, {});
  (void)c.start();
  const auto sent =
      feed(c, std::span<const std::uint8_t>(kOrthanc1101Access), sizeof kOrthanc1101Access);
  ASSERT_FALSE(c.protocol_error()) << *c.protocol_error();
  EXPECT_EQ(commands(sent),
            (std::vector<dimse::CommandField>{CF::CFindRq, CF::CCancelRq, CF::CFindRq,
                                              CF::CCancelRq, CF::CMoveRq, CF::CGetRq}));
  EXPECT_TRUE(c.access().find.capped);
  EXPECT_EQ(c.access().find.patient, 1U);
  EXPECT_EQ(c.access().find.study, 1U);
}

TEST(CapturedPeers, AccessCutShortAfterTheAcceptLeavesTheRest) {
  // Only the A-ASSOCIATE-AC of the real stream arrives, then the connection closes.
  const std::size_t ac_len =
      6 + ((std::size_t{kDcmqrscp367Access[4]} << 8) | kDcmqrscp367Access[5]);
  AccessClient c(access_plan("COMMON"), {});
  (void)c.start();
  (void)feed(c, std::span<const std::uint8_t>(kDcmqrscp367Access).first(ac_len), ac_len);
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.access().find.state, Permission::Denied) << "answered by closing";
  EXPECT_EQ(c.unfinished().size(), 3U);
}

}  // namespace
}  // namespace dicomsec::probes
