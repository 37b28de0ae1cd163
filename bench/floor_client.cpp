// floor_client: the lower bound for `dicomsec scan` on loopback (bench/scan_vs_nmap).
//
// Does only the network work the level-safe probe needs, with plain blocking sockets and N
// threads, and nothing else (no engine, no politeness, no records, no findings):
//   - connect; refused -> done (a closed port);
//   - A-ASSOCIATE-RQ with the probe's own proposal (every SOP class of dicom::kSopClasses,
//     implicit + explicit VR LE, our implementation UID and version name);
//     A-ASSOCIATE-RJ -> done; A-ASSOCIATE-AC -> C-ECHO, A-RELEASE, close, then
//   - a second association with a random called AE title (Verification only), released at
//     once when accepted.
// PDUs are built and parsed by dicomsec's sans-IO codec (dicomsec::dul), so the bytes on
// the wire are the scanner's.
//
// Network rule: only 127.0.0.0/8 targets are accepted; every socket operation has a timeout.
//
//   floor_client --first 127.0.1.0 --count 64 --ports P1,P2,P3 --threads N [--seed S]
//                [--quickack]
//
// --quickack re-arms TCP_QUICKACK before every read. DCMTK (storescp, Orthanc) writes a
// C-ECHO-RSP as two segments (PDU + PDV headers, then the command); with Nagle on the server
// and a delayed ACK on the client the second one waits ~40 ms. Measured on loopback: one
// storescp probe 54 ms plain, 11 ms with --quickack.
//
// Prints one line of key=value results on stdout (see main) and exits 0 when every pair got
// an answer (accepted, rejected or refused), 1 otherwise, 2 on bad usage.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "core/version.hpp"
#include "dicom/uids.hpp"
#include "dul/dimse.hpp"
#include "dul/pdu.hpp"
#include "probes/dicom_ul/association_client.hpp"

namespace {

using namespace dicomsec;
using Clock = std::chrono::steady_clock;

constexpr int kIoTimeoutMs = 5000;  // per connect / read / write
constexpr int kRetransmitMs = 900;  // a connect this slow needed a SYN retransmit
constexpr std::uint32_t kMaxPduReceive = 64 * 1024;
// --quickack: re-arm TCP_QUICKACK before every read, so the peer's small segments are
// acknowledged at once (see the note in main on DCMTK's split C-ECHO-RSP).
bool g_quickack = false;

struct Target {
  std::uint32_t addr = 0;  // host order
  std::uint16_t port = 0;
};

enum class Outcome { Refused, Rejected, Accepted, Failed };

struct Counters {
  std::atomic<unsigned> refused{0}, rejected{0}, accepted{0}, echo_ok{0}, released{0},
      random_ae_accepted{0}, random_ae_rejected{0}, failed{0}, slow_connects{0}, associations{0},
      connects{0};
  std::atomic<long> max_connect_ms{0};
};

void note_max(std::atomic<long>& m, long v) {
  long cur = m.load();
  while (v > cur && !m.compare_exchange_weak(cur, v)) {
  }
}

class Socket {
 public:
  Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }

  // 1 connected, 0 refused, -1 other failure (timeout included).
  int connect(const Target& t, Counters& c) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return -1;
    timeval tv{kIoTimeoutMs / 1000, (kIoTimeoutMs % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(t.port);
    sa.sin_addr.s_addr = htonl(t.addr);
    const auto t0 = Clock::now();
    const int rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    const long ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    ++c.connects;
    note_max(c.max_connect_ms, ms);
    if (ms >= kRetransmitMs) ++c.slow_connects;
    if (rc != 0) return errno == ECONNREFUSED ? 0 : -1;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 1;
  }

  bool send_all(const Bytes& b) {
    std::size_t off = 0;
    while (off < b.size()) {
      const ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return false;
      }
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads until the decoder has one PDU; nullopt on close, timeout or a malformed PDU.
  std::optional<dul::Pdu> next_pdu(dul::PduDecoder& dec) {
    std::uint8_t buf[16 * 1024];
    for (int reads = 0; reads < 10'000; ++reads) {  // bounded: each read has a timeout
      switch (dec.next()) {
        case DecodeStatus::Ready:
          return dec.take();
        case DecodeStatus::Error:
          return std::nullopt;
        case DecodeStatus::NeedMore:
          break;
      }
      if (g_quickack) {
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      dec.feed(ByteView(buf, static_cast<std::size_t>(n)));
    }
    return std::nullopt;
  }

 private:
  int fd_ = -1;
};

Bytes associate_rq(std::string_view called, std::vector<dul::PresentationContextRq> contexts) {
  dul::AssociateRq rq;
  rq.called_ae = std::string(called);
  rq.calling_ae = "DICOMSEC";
  rq.contexts = std::move(contexts);
  rq.user_info.max_length = kMaxPduReceive;
  rq.user_info.implementation_class_uid = std::string(kImplementationClassUid);
  rq.user_info.implementation_version_name = std::string(kImplementationVersionName);
  return dul::encode(dul::Pdu{std::move(rq)}).value();  // our own RQ always encodes
}

std::string random_ae(std::mt19937_64& rng) {
  std::string ae = "DS";
  std::uniform_int_distribution<int> letter(0, 25);
  while (ae.size() < 16) ae.push_back(static_cast<char>('A' + letter(rng)));
  return ae;
}

dul::Limits limits() {
  dul::Limits l;
  l.max_pdu_length = kMaxPduReceive;
  return l;
}

bool release(Socket& s, dul::PduDecoder& dec, Counters& c) {
  if (!s.send_all(dul::encode(dul::Pdu{dul::ReleaseRq{}}).value())) return false;
  auto rp = s.next_pdu(dec);
  if (rp && std::holds_alternative<dul::ReleaseRp>(*rp)) {
    ++c.released;
    return true;
  }
  return false;
}

// The first association: full proposal, C-ECHO when Verification is accepted, release.
Outcome first_association(const Target& t, const Bytes& rq, Counters& c) {
  Socket s;
  const int rc = s.connect(t, c);
  if (rc == 0) return Outcome::Refused;
  if (rc < 0) return Outcome::Failed;
  ++c.associations;
  dul::PduDecoder dec(limits());
  if (!s.send_all(rq)) return Outcome::Failed;
  auto pdu = s.next_pdu(dec);
  if (!pdu) return Outcome::Failed;
  if (std::holds_alternative<dul::AssociateRj>(*pdu)) return Outcome::Rejected;
  const auto* ac = std::get_if<dul::AssociateAc>(&*pdu);
  if (!ac) return Outcome::Failed;
  std::uint8_t echo_ctx = 0;
  for (const auto& pc : ac->contexts)
    if (pc.id == 1 && pc.result == dul::PcResult::Acceptance) echo_ctx = 1;  // Verification
  if (echo_ctx != 0) {
    dimse::Command cmd;
    cmd.field = dimse::CommandField::CEchoRq;
    cmd.affected_sop_class_uid = std::string(dicom::uid::kVerification);
    cmd.message_id = 1;
    const Bytes out = dimse::encode_pdata(echo_ctx, dimse::encode_command(cmd), nullptr,
                                          ac->user_info.max_length.value_or(0));
    if (!s.send_all(out)) return Outcome::Failed;
    auto rsp = s.next_pdu(dec);
    const auto* pd = rsp ? std::get_if<dul::PData>(&*rsp) : nullptr;
    if (!pd) return Outcome::Failed;
    // A C-ECHO-RSP has no data set: join its command fragments and decode them.
    Bytes command;
    bool complete = false;
    for (const auto& pdv : pd->pdvs) {
      if (!pdv.command) continue;
      command.insert(command.end(), pdv.data.begin(), pdv.data.end());
      complete = complete || pdv.last;
    }
    if (complete) {
      auto echo_rsp = dimse::decode_command(command);
      if (echo_rsp && echo_rsp->status.value_or(0xFFFF) == 0) ++c.echo_ok;
    }
  }
  release(s, dec, c);
  return Outcome::Accepted;
}

// The second association: random called AE, Verification only, no echo.
void called_ae_check(const Target& t, std::mt19937_64& rng, Counters& c) {
  Socket s;
  if (s.connect(t, c) != 1) {
    ++c.failed;
    return;
  }
  ++c.associations;
  dul::PduDecoder dec(limits());
  const Bytes rq =
      associate_rq(random_ae(rng), {{1,
                                     std::string(dicom::uid::kVerification),
                                     {std::string(dicom::uid::kImplicitVrLittleEndian)}}});
  if (!s.send_all(rq)) {
    ++c.failed;
    return;
  }
  auto pdu = s.next_pdu(dec);
  if (!pdu) {
    ++c.failed;
    return;
  }
  if (std::holds_alternative<dul::AssociateRj>(*pdu)) {
    ++c.random_ae_rejected;
  } else if (std::holds_alternative<dul::AssociateAc>(*pdu)) {
    ++c.random_ae_accepted;
    release(s, dec, c);
  } else {
    ++c.failed;
  }
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "floor_client: %s\nusage: floor_client --first A.B.C.D --count N --ports P1,P2,... "
               "--threads N [--seed S] [--quickack]\n",
               why);
  std::exit(2);
}

unsigned long parse_num(const char* s, unsigned long max, const char* what) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v > max) usage(what);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::uint32_t> first;
  unsigned long count = 0, threads = 0, seed = 1;
  std::vector<std::uint16_t> ports;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quickack") {
      g_quickack = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (a == "--first") {
      in_addr ia{};
      if (::inet_pton(AF_INET, v, &ia) != 1) usage("--first: not an IPv4 address");
      first = ntohl(ia.s_addr);
    } else if (a == "--count") {
      count = parse_num(v, 1U << 16, "--count: 1..65536");
    } else if (a == "--threads") {
      threads = parse_num(v, 1024, "--threads: 1..1024");
    } else if (a == "--seed") {
      seed = parse_num(v, ~0UL, "--seed: a number");
    } else if (a == "--ports") {
      std::string list = v;
      std::size_t pos = 0;
      while (pos <= list.size()) {
        const auto comma = std::min(list.find(',', pos), list.size());
        const auto p = parse_num(list.substr(pos, comma - pos).c_str(), 65535, "--ports: 1..65535");
        if (p == 0 || p == 104 || p == 4242 || p == 8042 || p == 11112)
          usage("--ports: 0, 104, 4242, 8042 and 11112 are not allowed");
        ports.push_back(static_cast<std::uint16_t>(p));
        pos = comma + 1;
      }
    } else {
      usage("unknown option");
    }
  }
  if (!first || count == 0 || ports.empty() || threads == 0) usage("missing option");
  // Network rule: loopback only, and the range may not leave 127.0.0.0/8.
  if ((*first >> 24) != 127 || ((*first + count - 1) >> 24) != 127)
    usage("targets must lie inside 127.0.0.0/8");

  std::vector<Target> targets;
  for (unsigned long h = 0; h < count; ++h)
    for (auto p : ports) targets.push_back({static_cast<std::uint32_t>(*first + h), p});
  // A fixed random order, like the scanner's permutation (ports of one host spread out).
  std::mt19937_64 order_rng(seed);
  std::shuffle(targets.begin(), targets.end(), order_rng);

  const Bytes rq = associate_rq("ANY-SCP", probes::default_contexts());

  Counters c;
  std::atomic<std::size_t> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  const auto n_threads = std::min<std::size_t>(threads, targets.size());
  for (std::size_t w = 0; w < n_threads; ++w) {
    pool.emplace_back([&, w] {
      std::mt19937_64 rng(seed * 1000003ULL + w);
      for (auto i = next++; i < targets.size(); i = next++) {
        const auto& t = targets[i];
        switch (first_association(t, rq, c)) {
          case Outcome::Refused:
            ++c.refused;
            break;
          case Outcome::Rejected:
            ++c.rejected;
            break;
          case Outcome::Failed:
            ++c.failed;
            break;
          case Outcome::Accepted:
            ++c.accepted;
            called_ae_check(t, rng, c);
            break;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();

  std::printf(
      "threads=%zu quickack=%d pairs=%zu seconds=%.3f connects=%u associations=%u refused=%u "
      "rejected=%u "
      "accepted=%u echo_ok=%u released=%u random_ae_accepted=%u random_ae_rejected=%u failed=%u "
      "slow_connects=%u max_connect_ms=%ld\n",
      n_threads, g_quickack ? 1 : 0, targets.size(), secs, c.connects.load(), c.associations.load(),
      c.refused.load(), c.rejected.load(), c.accepted.load(), c.echo_ok.load(), c.released.load(),
      c.random_ae_accepted.load(), c.random_ae_rejected.load(), c.failed.load(),
      c.slow_connects.load(), c.max_connect_ms.load());
  return c.failed.load() == 0 ? 0 : 1;
}
