// A FlowSink that records every callback, and each direction's stream with gaps marked, for
// the reassembly tests and fuzz target.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pcap/flow_sink.hpp"

namespace dicomsec::pcap::testing {

class RecordingSink : public FlowSink {
 public:
  struct FlowRecord {
    FlowInfo info;
    std::string stream[2];  // per Side; a gap appears as "[gap N]"
    std::vector<std::string> events;
    bool closed = false;
    CloseReason reason = CloseReason::EndOfCapture;
    std::int64_t close_ts = 0;
  };

  void on_open(const FlowInfo& info) override {
    auto& f = flows[info.id];
    f.info = info;
    f.events.push_back("open");
    order.push_back(info.id);
    if (opened_after_close_.count(info.id) != 0) violations.push_back("reopened id");
  }
  void on_data(FlowId id, Side side, std::span<const std::uint8_t> bytes, std::int64_t) override {
    auto& f = at(id);
    f.stream[static_cast<int>(side)].append(bytes.begin(), bytes.end());
    if (bytes.empty()) violations.push_back("empty on_data");
    data_calls++;
  }
  void on_gap(FlowId id, Side side, std::uint64_t missing, std::int64_t) override {
    auto& f = at(id);
    f.stream[static_cast<int>(side)] += "[gap " + std::to_string(missing) + "]";
    if (missing == 0) violations.push_back("zero gap");
  }
  void on_close(FlowId id, CloseReason reason, std::int64_t ts) override {
    auto& f = at(id);
    f.closed = true;
    f.reason = reason;
    f.close_ts = ts;
    f.events.push_back(std::string("close ") + to_string(reason));
    opened_after_close_[id] = true;
  }

  const std::string& initiator(FlowId id) { return flows.at(id).stream[0]; }
  const std::string& responder(FlowId id) { return flows.at(id).stream[1]; }

  std::map<FlowId, FlowRecord> flows;
  std::vector<FlowId> order;
  std::vector<std::string> violations;
  std::size_t data_calls = 0;

 private:
  FlowRecord& at(FlowId id) {
    auto it = flows.find(id);
    if (it == flows.end()) {
      violations.push_back("event for unknown flow " + std::to_string(id));
      return flows[id];
    }
    if (it->second.closed) violations.push_back("event after close " + std::to_string(id));
    return it->second;
  }
  std::map<FlowId, bool> opened_after_close_;
};

}  // namespace dicomsec::pcap::testing
