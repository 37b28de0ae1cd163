// Packet input through libpcap: capture files (pcap and pcapng) and live interfaces, and the
// driver that runs frames through the Decoder into a Reassembler until the input ends, a
// limit is reached or `stop` is set (Ctrl-C). This is the I/O edge of src/pcap; decode and
// reassembly stay sans-IO.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/result.hpp"
#include "pcap/decode.hpp"
#include "pcap/reassembly.hpp"

namespace dicomsec::pcap {

// Why opening or reading failed, and the process exit status the CLI should use for it.
enum class Failure : std::uint8_t {
  None,
  NotCapture,           // exit 2: not a pcap/pcapng file (or unreadable header)
  UnsupportedLinkType,  // exit 2: the message names the link type
  NoSuchFile,           // exit 2
  NoSuchInterface,      // exit 2
  Permission,           // exit 2: the message says root or CAP_NET_RAW is needed
  BadFilter,            // exit 2: BPF filter did not compile
  LiveOpen,             // exit 2: the interface could not be opened for another reason
  Truncated,            // exit 3: truncated/corrupt capture; what was read is kept
  Io,                   // exit 3
};
[[nodiscard]] int exit_code(Failure) noexcept;

struct CaptureStats {
  std::uint64_t packets = 0;              // records returned (after the filter)
  std::uint64_t filtered_out = 0;         // files with set_filter(): records the filter dropped
  std::uint64_t bytes = 0;                // captured bytes (caplen) read
  std::uint64_t snapped = 0;              // records shorter than on the wire (caplen < len)
  std::uint64_t kernel_dropped = 0;       // live only: pcap_stats ps_drop + ps_ifdrop
  bool truncated = false;                 // file ended inside a record or a record was corrupt
  std::uint64_t truncated_at_offset = 0;  // byte offset of the first record not read whole
  std::string truncation_message;         // libpcap's words for it
};

struct Packet {
  std::span<const std::uint8_t> data;  // valid until the next next()
  std::uint32_t wire_len = 0;
  std::int64_t ts_us = 0;
};

class CaptureSource {
 public:
  using Stats = CaptureStats;
  enum class Next : std::uint8_t { Packet, Timeout, End, Error };

  // pcap and pcapng (libpcap reads both). On failure `why` (when given) says which kind.
  static Result<CaptureSource> open_file(const std::string& path, Failure* why = nullptr);
  // Live capture: promiscuous off, immediate mode, kernel buffer >= 4 MiB, 100 ms read timeout
  // so a stop flag is noticed. An empty filter captures everything.
  static Result<CaptureSource> open_live(const std::string& iface,
                                         const std::string& bpf_filter = {}, int snaplen = 262144,
                                         Failure* why = nullptr);

  CaptureSource(CaptureSource&&) noexcept;
  CaptureSource& operator=(CaptureSource&&) noexcept;
  ~CaptureSource();

  // Applies a BPF filter (tcpdump syntax) to a file or live source.
  Result<bool> set_filter(const std::string& bpf_filter);
  // Packet: `out` filled. Timeout: live read timeout, nothing yet. End: end of file (or
  // truncation, then stats().truncated is set). Error: error() says what.
  Next next(Packet& out);
  [[nodiscard]] int link_type() const noexcept;
  [[nodiscard]] bool live() const noexcept;
  [[nodiscard]] const Stats& stats() const noexcept;
  [[nodiscard]] const std::string& error() const noexcept;
  [[nodiscard]] Failure failure() const noexcept;
  // Wakes a blocked next() (signal-safe: pcap_breakloop).
  void break_loop() noexcept;
  // Live: reads the kernel's drop counters into stats().kernel_dropped (run() does it at the end).
  void refresh_kernel_stats() noexcept;

 private:
  struct Impl;
  explicit CaptureSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct RunLimits {
  std::uint64_t max_packets = 0;  // 0: no limit
  std::int64_t duration_us = 0;   // 0: no limit (wall clock, live or file)
  FragmentLimits fragments{};
  // How often (capture time) expire() runs for idle flows.
  std::int64_t expire_every_us = 1'000'000;
};

struct RunStats {
  CaptureStats capture;
  DecodeStats decode;
  ReassemblyStats reassembly;
  bool stopped = false;             // `stop` was set
  bool limit_reached = false;       // max_packets or duration
  Failure failure = Failure::None;  // Truncated keeps everything read before it
  std::string message;              // for failure != None
  double seconds = 0;               // wall time
  [[nodiscard]] int exit_code() const noexcept { return pcap::exit_code(failure); }
};

// Reads until end/limit/stop, then calls reassembler.finish() so every flow is closed and
// every finished record kept. A truncated file is not an Error: RunStats::failure says
// Truncated (exit 3). Error is only for input that could not be read at all.
Result<RunStats> run(CaptureSource& source, Reassembler& reassembler, const std::atomic<bool>& stop,
                     const RunLimits& limits = {});

}  // namespace dicomsec::pcap
