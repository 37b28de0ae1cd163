// Throughput of the packet half of `dicomsec pcap` (issue 14): frame decoding + TCP
// reassembly on synthetic in-order traffic, and the same through libpcap reading a file.
// Bytes/s counts TCP payload. The sink only counts, so this measures src/pcap alone.
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <vector>

#include "pcap/capture.hpp"
#include "unit/pcap/frames.hpp"

namespace {

using namespace dicomsec;
using namespace dicomsec::pcap;

class CountingSink : public FlowSink {
 public:
  void on_open(const FlowInfo&) override { ++flows; }
  void on_data(FlowId, Side, std::span<const std::uint8_t> b, std::int64_t) override {
    bytes += b.size();
  }
  void on_gap(FlowId, Side, std::uint64_t, std::int64_t) override { ++gaps; }
  void on_close(FlowId, CloseReason, std::int64_t) override {}
  std::uint64_t flows = 0, bytes = 0, gaps = 0;
};

// `flows` connections sending `segment`-byte segments round-robin, as Ethernet frames.
struct Batch {
  std::vector<Bytes> frames;
  std::vector<std::uint32_t> next_seq;  // per frame: its sequence number
  std::uint64_t payload = 0;
  std::vector<std::uint32_t> advance;  // per frame: bytes its flow moves per batch
};

Batch make_batch(std::size_t segment, std::size_t flows, std::size_t total_bytes) {
  Batch b;
  const Bytes data(segment, 0x5A);
  const std::size_t per_flow = std::max<std::size_t>(1, total_bytes / segment / flows);
  std::vector<std::uint32_t> seq(flows, 1000);
  for (std::size_t i = 0; i < per_flow; ++i) {
    for (std::size_t f = 0; f < flows; ++f) {
      const auto c = testing::ep("192.0.2.1", static_cast<std::uint16_t>(10000 + f));
      const auto s = testing::ep("192.0.2.2", 104);
      auto ip = testing::ip_tcp(c, s, seq[f], tcpflag::Ack, data, 1);
      b.frames.push_back(testing::ethernet(0x0800, ip));
      b.next_seq.push_back(seq[f]);
      seq[f] += static_cast<std::uint32_t>(segment);
      b.payload += segment;
    }
  }
  b.advance.assign(b.frames.size(), static_cast<std::uint32_t>(per_flow * segment));
  return b;
}

// Moves every frame's sequence number one batch forward (offset 14 + 20 + 4).
void advance(Batch& b) {
  for (std::size_t i = 0; i < b.frames.size(); ++i) {
    b.next_seq[i] += b.advance[i];
    auto* p = b.frames[i].data() + 38;
    const std::uint32_t v = b.next_seq[i];
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
  }
}

void BM_DecodeReassemble(benchmark::State& state) {
  const auto segment = static_cast<std::size_t>(state.range(0));
  const auto flows = static_cast<std::size_t>(state.range(1));
  Batch b = make_batch(segment, flows, 4 << 20);
  CountingSink sink;
  Reassembler r(sink);
  Decoder d(linktype::Ethernet);
  std::int64_t ts = 1;
  for (auto _ : state) {
    for (const auto& f : b.frames) {
      auto dec = d.decode(f, ++ts);
      r.feed(dec->segment);
    }
    state.PauseTiming();
    advance(b);
    state.ResumeTiming();
  }
  if (sink.gaps != 0 || sink.bytes != b.payload * state.iterations()) {
    state.SkipWithError("stream not delivered whole");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(b.payload * state.iterations()));
  state.counters["pkts/s"] = benchmark::Counter(
      static_cast<double>(b.frames.size() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeReassemble)
    ->Args({1448, 1})
    ->Args({1448, 64})
    ->Args({16384, 1})
    ->Args({65483, 1})
    ->Args({65483, 16})
    ->Unit(benchmark::kMillisecond);

// The whole packet half: libpcap reads a file from the page cache, run() decodes and
// reassembles. 1448-byte segments (Ethernet) and 65483-byte ones (loopback MTU).
void BM_RunPcapFile(benchmark::State& state) {
  const auto segment = static_cast<std::size_t>(state.range(0));
  const auto path = std::filesystem::temp_directory_path() /
                    ("dicomsec_pcap_bench_" + std::to_string(getpid()) + ".pcap");
  std::uint64_t payload = 0;
  {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 262144);
    pcap_dumper_t* dump = pcap_dump_open(dead, path.c_str());
    Batch b = make_batch(segment, 4, 16 << 20);
    for (int rep = 0; rep < 16; ++rep) {  // 256 MiB
      for (const auto& f : b.frames) {
        pcap_pkthdr h{};
        h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
        pcap_dump(reinterpret_cast<u_char*>(dump), &h, f.data());
      }
      payload += b.payload;
      advance(b);
    }
    pcap_dump_close(dump);
    pcap_close(dead);
  }
  for (auto _ : state) {
    auto src = CaptureSource::open_file(path.string());
    CountingSink sink;
    Reassembler r(sink);
    std::atomic<bool> stop{false};
    auto rs = run(*src, r, stop);
    if (!rs || sink.bytes != payload) state.SkipWithError("capture not delivered whole");
  }
  std::filesystem::remove(path);
  state.SetBytesProcessed(static_cast<std::int64_t>(payload * state.iterations()));
}
BENCHMARK(BM_RunPcapFile)->Arg(1448)->Arg(65483)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
