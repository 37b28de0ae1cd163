// PduChainHunter: finds DICOM PDU boundaries in a TCP stream picked up mid-association
// without holding the PDUs (docs/design.md "pcap: mid-stream detection of large PDUs").
//
// dul::PduDecoder's resync needs a whole PDU buffered to judge it, so a capture that starts
// inside an association with 1 MiB P-DATA-TF PDUs would need megabytes held per direction
// before the flow is known to be DICOM. This hunter reads only headers: at each byte that
// could start a P-DATA-TF (PS3.8 9.3.5: type 0x04, reserved 0, a length within the cap) it
// opens a candidate and follows it by counting bytes: every PDV item header (length >= 2 and
// within the PDU, odd presentation context id, message control header <= 3, the same context
// and command/data kind until a "last" fragment) is checked where it falls, the items must end
// exactly at the PDU's end, and the next PDU header must follow right there. Candidates are
// few (a false one dies at its first inconsistent header) and each is a handful of counters;
// the bytes in between are never kept.
//
// A chain is accepted when it holds `chain_pdus` complete PDUs, or one complete P-DATA-TF of
// at least `large_pdu` bytes whose items chain exactly to its end (a length field and an
// item length agreeing to the byte, twice counting the next header) followed by a valid
// header. The decision falls at a PDU boundary; tail() then holds the stream from there on.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/bytes.hpp"

namespace dicomsec::pcap {

struct HuntOptions {
  std::uint32_t max_pdu_length = 1U << 20;  // larger PDU lengths are not candidates
  std::uint32_t large_pdu = 16 * 1024;      // one such complete P-DATA-TF + a header decides
  std::size_t chain_pdus = 3;               // or this many complete PDUs
  std::size_t max_candidates = 32;          // followed at once; more are not opened
};

class PduChainHunter {
 public:
  explicit PduChainHunter(HuntOptions options = {}) : options_(options) {}

  // Stream bytes in order. Returns true once a chain is accepted; after that the bytes fed
  // are only appended to tail().
  bool feed(ByteView bytes);
  [[nodiscard]] bool found() const noexcept { return found_; }
  // Stream offset (counted from the first byte fed) of the PDU boundary the decision fell on.
  [[nodiscard]] std::uint64_t boundary() const noexcept { return base_; }
  // After found(): the bytes fed from boundary() on.
  [[nodiscard]] ByteView tail() const noexcept { return buf_; }
  [[nodiscard]] std::uint64_t fed() const noexcept { return fed_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return buf_.size(); }
  [[nodiscard]] std::size_t candidates() const noexcept { return candidates_.size(); }
  // Candidates not opened because max_candidates were being followed.
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
  void reset();

 private:
  enum class Expect : std::uint8_t { PduHeader, PdvHeader };
  struct Candidate {
    std::uint64_t pdu_start = 0, pdu_end = 0;
    std::uint64_t next = 0;  // where the next header is checked
    Expect expect = Expect::PduHeader;
    std::size_t complete = 0;  // PDUs whose bytes were accounted for exactly
    bool large_seen = false;
    std::optional<std::pair<std::uint8_t, bool>> open_part;  // (context id, command)
  };
  // Checks the header at stream offset `at`, whose bytes (at least kWindow) start at `w`.
  // false: the candidate is not a PDU chain.
  bool step(Candidate& c, std::uint64_t at, const std::uint8_t* w) const;
  bool pdv(Candidate& c, std::uint64_t at, const std::uint8_t* w) const;
  [[nodiscard]] bool accepted(const Candidate& c) const noexcept {
    return c.complete >= options_.chain_pdus || (c.complete >= 1 && c.large_seen);
  }

  HuntOptions options_;
  Bytes buf_;               // bytes from base_ on not yet judged (< kWindow unless found)
  std::uint64_t base_ = 0;  // stream offset of buf_[0]
  std::uint64_t fed_ = 0;
  std::vector<Candidate> candidates_;
  std::uint64_t refused_ = 0;
  bool found_ = false;
};

}  // namespace dicomsec::pcap
