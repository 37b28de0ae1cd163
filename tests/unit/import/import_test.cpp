// src/import on the hand-written fixtures of tests/data/import (vendors' documented shapes,
// documentation addresses only): formats, netblocks, banners, malformed lines, gzip.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "import/banner.hpp"
#include "import/filter.hpp"
#include "import/lead_list.hpp"
#include "import/reader.hpp"
#include "import/timestamp.hpp"

namespace dicomsec::import {
namespace {

const std::string kData = std::string(DICOMSEC_SOURCE_DIR) + "/tests/data/import/";

scan::Address addr(const char* s) { return *scan::Address::parse(s); }

Netblocks blocks(std::initializer_list<const char*> list) {
  Netblocks b;
  for (const auto* t : list) EXPECT_TRUE(b.add(t).ok()) << t;
  b.finish();
  return b;
}

struct Run {
  std::vector<Entry> kept;
  FileReport report;
};

Run import_file(const std::string& file, FilterOptions o) {
  Filter filter(std::move(o));
  Parser parser(filter.prefilter());
  Run r;
  r.report = read_export(file, parser, filter, [&](Entry&& e) { r.kept.push_back(std::move(e)); });
  return r;
}

FilterOptions ours() {
  FilterOptions o;
  o.blocks = blocks({"192.0.2.0/24", "2001:db8::/48"});
  return o;
}

TEST(Netblocks, MergesAndFindsBothFamilies) {
  auto b = blocks({"192.0.2.128/25", "192.0.2.0/25", "2001:db8::/32", "198.51.100.7"});
  EXPECT_EQ(b.ranges().size(), 3U);  // the two /25 merge
  EXPECT_TRUE(b.contains(addr("192.0.2.0")));
  EXPECT_TRUE(b.contains(addr("192.0.2.255")));
  EXPECT_FALSE(b.contains(addr("198.51.100.8")));
  EXPECT_TRUE(b.contains(addr("198.51.100.7")));
  EXPECT_FALSE(b.contains(addr("198.51.100.8")));
  EXPECT_TRUE(b.contains(addr("2001:db8:ffff::1")));
  EXPECT_FALSE(b.contains(addr("2001:db9::1")));
  EXPECT_FALSE(b.add("pacs.example.org").ok());  // names are not blocks
}

TEST(Netblocks, ThousandsOfBlocks) {
  Netblocks b;  // every other /48 of the documentation prefix: 4096 blocks that do not merge
  for (int i = 0; i < 8192; i += 2) ASSERT_TRUE(b.add(fmt::format("2001:db8:{:x}::/48", i)).ok());
  b.finish();
  EXPECT_EQ(b.ranges().size(), 4096U);
  EXPECT_TRUE(b.contains(addr("2001:db8:1ffe::1")));
  EXPECT_FALSE(b.contains(addr("2001:db8:1fff::1")));
  EXPECT_FALSE(b.contains(addr("192.0.2.1")));
}

TEST(Banner, ReadsWhatIsThereAndNeverFails) {
  auto f = read_banner(
      "DICOM Server Response\nAE Title: EXAMPLE-PACS\n"
      "Implementation Class UID: 1.2.276.0.7230010.3.0.3.6.7\n"
      "Implementation Version: OFFIS_DCMTK_367\n");
  EXPECT_EQ(f.ae_title, "EXAMPLE-PACS");
  EXPECT_EQ(f.implementation_class_uid, "1.2.276.0.7230010.3.0.3.6.7");
  EXPECT_EQ(f.implementation_version, "OFFIS_DCMTK_367");
  f = read_banner(
      "AE title = RADIOLOGY\r\nuid: not.a.uid\r\nversion: far-too-long-for-a-version-name");
  EXPECT_EQ(f.ae_title, "RADIOLOGY");
  EXPECT_FALSE(f.implementation_class_uid);
  EXPECT_FALSE(f.implementation_version);
  for (const char* junk : {"", ":", "=:=", "\x01\x02:\xff", "AE Title:", "uid: 1..2.3"}) {
    const auto g = read_banner(junk);
    EXPECT_FALSE(g.ae_title || g.implementation_class_uid || g.implementation_version) << junk;
  }
}

TEST(Timestamp, VendorsFormsToOne) {
  EXPECT_EQ(normalise_time("2026-01-28T07:21:33.444507"), "2026-01-28T07:21:33Z");  // Shodan
  EXPECT_EQ(normalise_time("2026-10-27T17:02:26.140Z"), "2026-10-27T17:02:26Z");    // Censys
  EXPECT_EQ(normalise_time("2026-10-27 17:02:26"), "2026-10-27T17:02:26Z");
  EXPECT_EQ(normalise_time("2026-10-27"), "2026-10-27T00:00:00Z");
  EXPECT_EQ(normalise_time("2026-10-27T01:00:00+02:00"), "2026-10-26T23:00:00Z");
  EXPECT_EQ(normalise_time("0"), "1970-01-01T00:00:00Z");
  EXPECT_FALSE(normalise_time("yesterday"));
  EXPECT_FALSE(normalise_time("2026-13-01"));
}

TEST(Import, ShodanDownloadPlainAndGzipAgree) {
  for (const char* name : {"shodan-download.jsonl", "shodan-download.jsonl.gz"}) {
    auto r = import_file(kData + name, ours());
    EXPECT_EQ(r.report.gzip, std::string(name).ends_with(".gz")) << name;
    ASSERT_EQ(r.kept.size(), 3U) << name;  // 192.0.2.10, 2001:db8::10, 192.0.2.13 (udp)
    EXPECT_EQ(r.kept[0].ip, "192.0.2.10");
    EXPECT_EQ(r.kept[0].port, 104);
    const auto& l = r.kept[0].lead;
    EXPECT_EQ(l.source, "shodan");
    EXPECT_EQ(l.observed_at, "2026-10-01T08:15:30Z");
    EXPECT_EQ(l.asn, "AS64500");
    EXPECT_EQ(l.org, "Example Hospital");
    EXPECT_EQ(l.service, "dicom");
    EXPECT_EQ(l.facts.ae_title, "EXAMPLE-PACS");
    EXPECT_EQ(l.hostnames, std::vector<std::string>{"pacs.example.org"});
    EXPECT_EQ(r.kept[1].ip, "2001:db8::10");
    EXPECT_TRUE(r.kept[1].lead.tls);
    EXPECT_EQ(r.kept[2].lead.transport, "udp");
    // Malformed lines are counted and listed with their numbers, never dropped silently.
    EXPECT_EQ(r.report.malformed, 3U);
    ASSERT_EQ(r.report.first_malformed.size(), 3U);
    EXPECT_EQ(r.report.first_malformed[0].first, 5U);  // port 70000
    EXPECT_EQ(r.report.first_malformed[1].first, 6U);  // unterminated string
    EXPECT_EQ(r.report.first_malformed[2].first, 7U);  // not JSON
    EXPECT_EQ(r.report.outside, 2U);
    EXPECT_TRUE(r.report.error.empty());
  }
}

TEST(Import, ShodanRestEnvelope) {
  auto r = import_file(kData + "shodan-rest.json", ours());
  EXPECT_TRUE(r.report.document);
  ASSERT_EQ(r.kept.size(), 1U);
  EXPECT_EQ(r.kept[0].ip, "192.0.2.30");
  EXPECT_EQ(r.kept[0].lead.facts.ae_title, "ARCHIVE");
  EXPECT_EQ(r.report.outside, 1U);
}

TEST(Import, CensysSearchV2AndPlatformNormalise) {
  auto v2 = import_file(kData + "censys-v2.jsonl", ours());
  ASSERT_EQ(v2.kept.size(), 2U);  // two services of 192.0.2.40
  EXPECT_EQ(v2.kept[0].lead.source, "censys");
  EXPECT_EQ(v2.kept[0].lead.service, "DICOM");
  EXPECT_EQ(v2.kept[0].lead.transport, "tcp");
  EXPECT_EQ(v2.kept[0].lead.asn, "AS64500");
  EXPECT_EQ(v2.kept[0].lead.facts.implementation_class_uid, "1.2.826.0.1.3680043.2.1545.1");
  EXPECT_EQ(v2.kept[1].lead.observed_at, "2026-10-06T09:30:00Z");  // from last_updated_at
  EXPECT_TRUE(v2.kept[1].lead.tls);
  EXPECT_EQ(v2.report.malformed, 1U);  // a host without services
  auto platform = import_file(kData + "censys-platform.json", ours());
  ASSERT_EQ(platform.kept.size(), 1U);
  const auto& l = platform.kept[0].lead;
  EXPECT_EQ(platform.kept[0].ip, "2001:db8::42");
  EXPECT_EQ(l.service, "DICOM");  // `protocol` in the Platform
  EXPECT_EQ(l.transport, "tcp");
  EXPECT_EQ(l.observed_at, "2026-10-07T14:00:00Z");
  EXPECT_EQ(l.facts.ae_title, "RADIOLOGY");
}

TEST(Import, CsvWithAndWithoutHeader) {
  auto fofa = import_file(kData + "fofa.csv", ours());
  ASSERT_EQ(fofa.kept.size(), 1U);
  EXPECT_EQ(fofa.kept[0].ip, "192.0.2.50");
  EXPECT_EQ(fofa.kept[0].lead.observed_at, "2026-10-08T10:00:00Z");
  EXPECT_EQ(fofa.report.malformed, 2U);
  auto plain = import_file(kData + "plain.csv", ours());
  ASSERT_EQ(plain.kept.size(), 2U);
  EXPECT_EQ(plain.kept[1].ip, "2001:db8::61");
  EXPECT_EQ(plain.kept[1].lead.source, "csv");
}

TEST(Import, SinceDropsOlderAndUndated) {
  auto o = ours();
  o.since = "2026-10-02T00:00:00Z";
  auto r = import_file(kData + "shodan-download.jsonl", std::move(o));
  ASSERT_EQ(r.kept.size(), 2U);
  EXPECT_EQ(r.report.too_old, 1U);
}

TEST(Import, MovedAddressKeptByOwnedNameAndSaysSo) {
  auto o = ours();
  o.owned = {"example.org"};
  auto r = import_file(kData + "shodan-download.jsonl", o);
  ASSERT_EQ(r.kept.size(), 4U);        // + 203.0.113.99 (ct.example.org), not resolved
  const auto& moved = r.kept[2].lead;  // file order: line 4
  EXPECT_EQ(moved.matched_by, "hostname");
  ASSERT_TRUE(moved.moved);
  EXPECT_TRUE(moved.moved->now.empty());
  EXPECT_NE(moved.moved->note.find("--resolve"), std::string::npos);

  // With a resolver (a test double here: no DNS) the name leads back inside the blocks.
  o.blocks = blocks({"192.0.2.0/24", "2001:db8::/48", "127.0.0.0/8"});
  o.resolver =
      Resolver{[](const std::string& name) {
                 return name == "ct.example.org" ? std::vector<scan::Address>{addr("127.0.0.1")}
                                                 : std::vector<scan::Address>{};
               },
               [](const scan::Address&) { return std::optional<std::string>("localhost"); }};
  r = import_file(kData + "shodan-download.jsonl", o);
  ASSERT_EQ(r.kept.size(), 4U);
  ASSERT_TRUE(r.kept[2].lead.moved);
  EXPECT_EQ(r.kept[2].lead.moved->now, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(r.kept[2].lead.moved->reverse, "localhost");
  EXPECT_NE(r.kept[2].lead.moved->note.find("now resolves to 127.0.0.1"), std::string::npos);
}

TEST(Import, TruncatedGzipKeepsWhatWasReadAndSaysSo) {
  const auto tmp = std::filesystem::temp_directory_path() / "dicomsec-import-truncated.jsonl.gz";
  {
    std::ifstream in(kData + "shodan-download.jsonl.gz", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(tmp, std::ios::binary) << bytes.substr(0, bytes.size() - 40);
  }
  auto r = import_file(tmp.string(), ours());
  EXPECT_TRUE(r.report.truncated) << r.report.error;
  EXPECT_NE(r.report.error.find("truncated"), std::string::npos);
  std::filesystem::remove(tmp);
}

TEST(Import, LongFirstLineIsStillJsonLines) {
  const auto tmp = std::filesystem::temp_directory_path() / "dicomsec-import-long.jsonl";
  {
    std::ofstream out(tmp);
    for (int i = 0; i < 3; ++i)
      out << R"({"ip_str":"192.0.2.)" << i + 1 << R"(","port":104,"data":")"
          << std::string(300000, 'x') << "\"}\n";
  }
  auto r = import_file(tmp.string(), ours());
  EXPECT_FALSE(r.report.document);
  EXPECT_EQ(r.kept.size(), 3U);
  EXPECT_TRUE(r.kept[0].lead.banner_truncated);
  EXPECT_EQ(r.report.malformed, 0U);
  std::filesystem::remove(tmp);
}

TEST(LeadList, ReadsImportRecordsAsTargets) {
  std::istringstream in(
      R"({"ip":"127.0.0.1","port":11112,"status":"not-probed","lead":{"source":"csv","transport":"tcp"}})"
      "\n"
      R"({"ip":"203.0.113.5","port":104,"lead":{"source":"shodan","moved":{"name":"a.example.org","now":["127.0.0.2"],"note":"x"}}})"
      "\n"
      R"({"ip":"203.0.113.6","port":104,"lead":{"source":"shodan","moved":{"name":"b.example.org","now":[],"note":"x"}}})"
      "\n"
      R"({"ip":"127.0.0.3","port":104,"lead":{"source":"shodan","transport":"udp"}})"
      "\n");
  ASSERT_TRUE(is_record_list(in));
  auto t = read_lead_list(in, "leads.jsonl");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->addresses, (std::vector<scan::Address>{addr("127.0.0.1"), addr("127.0.0.2")}));
  EXPECT_EQ(t->ports, (std::vector<std::uint16_t>{104, 11112}));
  EXPECT_EQ(t->skipped, 2U);  // moved with nowhere inside; udp
  std::istringstream targets("127.0.0.1\n192.0.2.0/24\n");
  EXPECT_FALSE(is_record_list(targets));
}

}  // namespace
}  // namespace dicomsec::import
