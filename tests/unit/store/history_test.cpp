// The history writer (store/history.hpp) against a real SQLite file: a record and its pair's
// done mark are committed together, pairs without a record are marked done too, finish()
// writes the counts, and a resumed iterator skips exactly the done positions.
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace dicomsec::store {
namespace {

namespace fs = std::filesystem;

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-history-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    db_ = open_store(dir_ + "/scans.db");
    meta_.command = "tls";
    meta_.started = "2026-11-29T04:00:00Z";
    meta_.pairs_total = list_.size();
    id_ = db_->begin_scan(meta_, nlohmann::json::object());
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  static scan::Address addr(const char* text) { return *scan::Address::parse(text); }
  static record::ScanRecord rec(const scan::Pair& pair) {
    record::ScanRecord r;
    r.ip = "127.0.0.1";
    r.port = pair.second;
    r.status = record::Status::Success;
    return r;
  }

  std::string dir_;
  std::unique_ptr<Store> db_;
  report::ScanMeta meta_;
  ScanId id_ = 0;
  const std::vector<scan::Pair> list_{{addr("127.0.0.1"), 1001},
                                      {addr("127.0.0.1"), 1002},
                                      {addr("127.0.0.1"), 1003},
                                      {addr("127.0.0.1"), 1004}};
};

TEST_F(HistoryTest, RecordsAndUnrecordedPairsAreDoneAndFinishCountsThem) {
  scan::PairIterator pairs(list_);
  {
    ScanHistory h(*db_, id_, [] { FAIL() << "no store error expected"; });
    h.attach(pairs, {});
    const auto a = *pairs.next();
    const auto b = *pairs.next();
    const auto c = *pairs.next();  // handed out, never finished (the scan was stopped)
    (void)c;
    h.add(rec(a));
    h.done_without_record(b.first, b.second);
    auto m = meta_;
    m.interrupted = true;
    h.finish(m);
    EXPECT_FALSE(h.error());
  }
  const auto stored = db_->records(id_);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0]["port"], 1001);
  const auto done = db_->done_positions(id_);
  EXPECT_TRUE(done.contains(0));
  EXPECT_TRUE(done.contains(1));
  EXPECT_FALSE(done.contains(2));
  EXPECT_FALSE(done.contains(3));
  const auto info = *db_->scan(id_);
  EXPECT_EQ(info.state, ScanState::Interrupted);
  EXPECT_EQ(info.meta.pairs_done, 2U);

  // A second run over the same list skips what is done.
  scan::PairIterator again(list_);
  ScanHistory h2(*db_, id_, [] {});
  h2.attach(again, db_->done_positions(id_));
  std::vector<std::uint16_t> ports;
  while (auto p = again.next()) ports.push_back(p->second);
  EXPECT_EQ(ports, (std::vector<std::uint16_t>{1003, 1004}));
}

TEST_F(HistoryTest, ManyRecordsGoInBatchesAndAllArrive) {
  std::vector<scan::Pair> many;
  for (std::uint16_t p = 1; p <= 3 * ScanHistory::kBatchRecords; ++p)
    many.emplace_back(addr("127.0.0.1"), p);
  scan::PairIterator pairs(many);
  {
    ScanHistory h(*db_, id_, [] {});
    h.attach(pairs, {});
    while (auto p = pairs.next()) h.add(rec(*p));
    h.finish(meta_);
  }
  EXPECT_EQ(db_->records(id_).size(), many.size());
  EXPECT_EQ(db_->done_positions(id_).count(), many.size());
  EXPECT_EQ(db_->scan(id_)->state, ScanState::Finished);
}

}  // namespace
}  // namespace dicomsec::store
