// PS3.8 9.3.5 and Annex E.2: a DIMSE message travels as PDV fragments on one presentation
// context, command set first, then (when CommandDataSetType says so) the data set, the last
// fragment of each flagged in the message control header. This is the module's only
// fragmenter; dul::Association's send path calls it.
#include <algorithm>

#include "dul/dimse.hpp"

namespace dicomsec::dimse {

namespace {
// A PDV item adds 4 (item length) + 2 (context id, control header) bytes to the PDU length
// field (PS3.8 9.3.5.1), so that is what a fragment must leave room for.
constexpr std::uint32_t kPdvOverhead = 6;
}  // namespace

void append_pdata(Bytes& out, std::uint8_t context_id, ByteView bytes, bool command, bool last,
                  std::uint32_t peer_max_pdu) {
  const std::size_t chunk = peer_max_pdu == 0             ? std::size_t{1} << 30
                            : peer_max_pdu > kPdvOverhead ? peer_max_pdu - kPdvOverhead
                                                          : 1;
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(chunk, bytes.size() - offset);
    const bool final_fragment = last && offset + n == bytes.size();
    ByteWriter w;
    w.u8(static_cast<std::uint8_t>(dul::PduType::PData));
    w.u8(0);
    w.u32be(static_cast<std::uint32_t>(n + kPdvOverhead));
    w.u32be(static_cast<std::uint32_t>(n + 2));
    w.u8(context_id);
    w.u8(static_cast<std::uint8_t>((command ? 1 : 0) | (final_fragment ? 2 : 0)));
    const auto& head = w.data();
    out.insert(out.end(), head.begin(), head.end());
    auto part = bytes.subspan(offset, n);
    out.insert(out.end(), part.begin(), part.end());
    offset += n;
  } while (offset < bytes.size());
}

Bytes encode_pdata(std::uint8_t context_id, ByteView command, const Bytes* data_set,
                   std::uint32_t peer_max_pdu) {
  Bytes out;
  append_pdata(out, context_id, command, true, true, peer_max_pdu);
  if (data_set != nullptr) append_pdata(out, context_id, *data_set, false, true, peer_max_pdu);
  return out;
}

}  // namespace dicomsec::dimse
