#include "pcap/capture.hpp"

#include <pcap/pcap.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "pcap/bad_record.hpp"

namespace dicomsec::pcap {

int exit_code(Failure f) noexcept {
  switch (f) {
    case Failure::None:
      return 0;
    case Failure::Truncated:
    case Failure::Io:
      return 3;
    case Failure::NotCapture:
    case Failure::UnsupportedLinkType:
    case Failure::NoSuchFile:
    case Failure::NoSuchInterface:
    case Failure::Permission:
    case Failure::BadFilter:
    case Failure::LiveOpen:
      return 2;
  }
  return 2;
}

struct CaptureSource::Impl {
  ~Impl() {
    clear_filter();
    if (handle != nullptr) pcap_close(handle);
  }
  void clear_filter() {
    if (has_filter) pcap_freecode(&filter);
    has_filter = false;
  }
  pcap_t* handle = nullptr;
  bool live = false;
  int link_type = 0;
  Stats stats;
  std::string error;
  Failure failure = Failure::None;
  // Offset just after the last record read whole (files): where a truncation starts.
  std::string path;  // files: read again only to locate a bad record
  int selectable_fd = -1;
  bpf_program filter{};  // files: applied in next()
  bool has_filter = false;
  std::uint64_t records = 0;  // files: records read, filtered or not  // live: polled when a
                              // non-blocking read found nothing
};

namespace {

Error fail(Failure* why, Failure kind, std::string message) {
  if (why != nullptr) *why = kind;
  return make_error(std::move(message));
}

std::string describe_link_type(int lt) {
  std::string s = link_type_name(lt);
  if (const char* name = pcap_datalink_val_to_name(lt); name != nullptr) {
    s += std::string(" (libpcap: ") + name + ")";
  }
  return s;
}

}  // namespace

CaptureSource::CaptureSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaptureSource::CaptureSource(CaptureSource&&) noexcept = default;
CaptureSource& CaptureSource::operator=(CaptureSource&&) noexcept = default;
CaptureSource::~CaptureSource() = default;

Result<CaptureSource> CaptureSource::open_file(const std::string& path, Failure* why) {
  // fopen first, so "no such file" and "permission denied" are told apart from "not a
  // capture file" (libpcap reports all three through one error string).
  std::FILE* fp = std::fopen(path.c_str(), "rb");
  if (fp == nullptr) {
    const int e = errno;
    return fail(why, e == ENOENT ? Failure::NoSuchFile : Failure::Permission,
                "cannot open capture file " + path + ": " + std::strerror(e));
  }
  // libpcap reads each record with fread: with stdio's default 4 KiB buffer that is one
  // read(2) per few packets. 1 MiB cuts the system calls ~250-fold.
  std::setvbuf(fp, nullptr, _IOFBF, 1 << 20);
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // pcap_fopen_offline takes ownership of fp (pcap_close closes it).
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (p == nullptr) {
    std::fclose(fp);
    return fail(why, Failure::NotCapture,
                path + " is not a pcap or pcapng capture file (" + errbuf + ")");
  }
  auto impl = std::make_unique<Impl>();
  impl->handle = p;
  impl->link_type = pcap_datalink(p);
  if (!link_type_supported(impl->link_type)) {
    return fail(why, Failure::UnsupportedLinkType,
                path + ": unsupported " + describe_link_type(impl->link_type) +
                    "; supported: Ethernet (with 802.1Q/QinQ), Linux SLL/SLL2, BSD "
                    "loopback/null, raw IPv4/IPv6");
  }
  impl->path = path;
  return CaptureSource(std::move(impl));
}

Result<CaptureSource> CaptureSource::open_live(const std::string& iface,
                                               const std::string& bpf_filter, int snaplen,
                                               Failure* why) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(iface.c_str(), errbuf);
  if (p == nullptr) {
    return fail(why, Failure::LiveOpen, "cannot capture on " + iface + ": " + errbuf);
  }
  auto impl = std::make_unique<Impl>();
  impl->handle = p;
  impl->live = true;
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, 0);
  // 100 ms: a quiet interface still returns to the caller, who checks stop and --duration.
  pcap_set_timeout(p, 100);
  // A bursty 1 Gb/s mirror port fills a small ring in milliseconds; 16 MiB rides out bursts.
  pcap_set_buffer_size(p, 16 * 1024 * 1024);
  const int rc = pcap_activate(p);
  if (rc < 0) {
    const std::string detail = pcap_geterr(p);
    switch (rc) {
      case PCAP_ERROR_PERM_DENIED:
        return fail(why, Failure::Permission,
                    "no permission to capture on " + iface +
                        ": live capture needs root or the CAP_NET_RAW capability (e.g. sudo "
                        "setcap cap_net_raw,cap_net_admin=eip $(which dicomsec)) (" +
                        detail + ")");
      case PCAP_ERROR_NO_SUCH_DEVICE:
        return fail(why, Failure::NoSuchInterface,
                    "no such interface: " + iface + " (" + detail + ")");
      default:
        return fail(
            why, Failure::LiveOpen,
            "cannot capture on " + iface + ": " + pcap_statustostr(rc) + " (" + detail + ")");
    }
  }
  // With TPACKET_V3 a blocking read on a quiet interface never returns (the read timeout
  // only runs once a packet arrived; pcap_set_timeout(3PCAP)). Non-blocking reads plus our
  // own poll() bound every next() to 100 ms, so stop and --duration are always noticed.
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    return fail(why, Failure::LiveOpen, "cannot capture on " + iface + ": " + errbuf);
  }
  impl->selectable_fd = pcap_get_selectable_fd(p);
  impl->link_type = pcap_datalink(p);
  if (!link_type_supported(impl->link_type)) {
    return fail(why, Failure::UnsupportedLinkType,
                iface + ": unsupported " + describe_link_type(impl->link_type));
  }
  CaptureSource source(std::move(impl));
  if (!bpf_filter.empty()) {
    auto f = source.set_filter(bpf_filter);
    if (!f) return fail(why, Failure::BadFilter, f.error().message);
  }
  return source;
}

Result<bool> CaptureSource::set_filter(const std::string& bpf_filter) {
  bpf_program prog{};
  if (pcap_compile(impl_->handle, &prog, bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return make_error("bad capture filter '" + bpf_filter + "': " + pcap_geterr(impl_->handle));
  }
  if (!impl_->live) {
    // Files: filtered here (pcap_offline_filter), not inside libpcap, so every record is
    // still counted and a truncation's offset can be found by counting records.
    impl_->clear_filter();
    impl_->filter = prog;
    impl_->has_filter = true;
    return true;
  }
  const int rc = pcap_setfilter(impl_->handle, &prog);
  pcap_freecode(&prog);
  if (rc != 0) {
    return make_error("cannot set capture filter: " + std::string(pcap_geterr(impl_->handle)));
  }
  return true;
}

CaptureSource::Next CaptureSource::next(Packet& out) {
  pcap_pkthdr* header = nullptr;
  const std::uint8_t* data = nullptr;
  int rc = 0;
  for (;;) {
    rc = pcap_next_ex(impl_->handle, &header, &data);
    if (rc != 1) break;
    if (!impl_->has_filter) break;
    ++impl_->records;
    if (pcap_offline_filter(&impl_->filter, header, data) != 0) break;
    ++impl_->stats.filtered_out;
  }
  if (rc == 1) {
    Stats& s = impl_->stats;
    ++s.packets;
    if (!impl_->has_filter) ++impl_->records;
    s.bytes += header->caplen;
    if (header->caplen < header->len) ++s.snapped;
    out.data = std::span<const std::uint8_t>(data, header->caplen);
    out.wire_len = header->len;
    out.ts_us = static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000 + header->ts.tv_usec;
    return Next::Packet;
  }
  if (rc == 0) {
    if (impl_->selectable_fd >= 0) {
      pollfd pfd{impl_->selectable_fd, POLLIN, 0};
      poll(&pfd, 1, 100);
    }
    return Next::Timeout;
  }
  if (rc == PCAP_ERROR_BREAK) return Next::End;  // end of file, or break_loop()
  impl_->error = pcap_geterr(impl_->handle);
  if (!impl_->live) {
    // A record cut short or with an impossible length: keep everything before it.
    Stats& s = impl_->stats;
    s.truncated = true;
    s.truncated_at_offset = detail::locate_bad_record(impl_->path, impl_->records);
    s.truncation_message = impl_->error;
    impl_->failure = Failure::Truncated;
    return Next::End;
  }
  impl_->failure = Failure::Io;
  return Next::Error;
}

int CaptureSource::link_type() const noexcept { return impl_->link_type; }
bool CaptureSource::live() const noexcept { return impl_->live; }
const CaptureSource::Stats& CaptureSource::stats() const noexcept { return impl_->stats; }
const std::string& CaptureSource::error() const noexcept { return impl_->error; }
Failure CaptureSource::failure() const noexcept { return impl_->failure; }
void CaptureSource::break_loop() noexcept { pcap_breakloop(impl_->handle); }

void CaptureSource::refresh_kernel_stats() noexcept {
  if (!impl_->live) return;
  pcap_stat ps{};
  if (pcap_stats(impl_->handle, &ps) == 0) {
    impl_->stats.kernel_dropped = std::uint64_t{ps.ps_drop} + ps.ps_ifdrop;
  }
}

Result<RunStats> run(CaptureSource& source, Reassembler& reassembler, const std::atomic<bool>& stop,
                     const RunLimits& limits) {
  if (!link_type_supported(source.link_type())) {
    return make_error("unsupported " + link_type_name(source.link_type()));
  }
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto elapsed_us = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
  };
  Decoder decoder(source.link_type(), limits.fragments);
  RunStats rs;
  Packet packet;
  std::int64_t last_ts = 0;
  std::uint64_t count = 0;
  for (;;) {
    if (stop.load(std::memory_order_relaxed)) {
      rs.stopped = true;
      break;
    }
    if (limits.max_packets != 0 && count >= limits.max_packets) {
      rs.limit_reached = true;
      break;
    }
    // The clock is read every 256 packets and on every read timeout.
    if (limits.duration_us != 0 && (count & 255) == 0 && elapsed_us() >= limits.duration_us) {
      rs.limit_reached = true;
      break;
    }
    const auto next = source.next(packet);
    if (next == CaptureSource::Next::Packet) {
      ++count;
      last_ts = std::max(last_ts, packet.ts_us);
      auto decoded = decoder.decode(packet.data, packet.ts_us);
      if (decoded && decoded->kind == FrameKind::Tcp) reassembler.feed(decoded->segment);
      continue;
    }
    if (next == CaptureSource::Next::Timeout) {
      if (limits.duration_us != 0 && elapsed_us() >= limits.duration_us) {
        rs.limit_reached = true;
        break;
      }
      // A quiet live interface: idle flows still age, by the wall clock the capture uses.
      const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      reassembler.expire(now_us);
      continue;
    }
    if (next == CaptureSource::Next::Error) {
      rs.failure = source.failure();
      rs.message = source.error();
    } else if (source.stats().truncated) {
      rs.failure = Failure::Truncated;
      rs.message = "capture truncated or corrupt at byte offset " +
                   std::to_string(source.stats().truncated_at_offset) + ": " +
                   source.stats().truncation_message;
    }
    break;
  }
  reassembler.finish(last_ts);
  source.refresh_kernel_stats();
  rs.capture = source.stats();
  rs.decode = decoder.stats();
  rs.reassembly = reassembler.stats();
  rs.seconds = static_cast<double>(elapsed_us()) / 1e6;
  return rs;
}

}  // namespace dicomsec::pcap
