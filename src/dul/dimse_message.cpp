// PS3.7 Annex E and PS3.8 Annex E.2: a DIMSE message is a command set followed, when its
// CommandDataSetType says so, by a data set; each travels as PDV fragments on one
// presentation context, the last fragment flagged in the message control header.
#include <algorithm>
#include <limits>
#include <utility>

#include "dul/dimse.hpp"

namespace dicomsec::dimse {

MessageAssembler::MessageAssembler(std::size_t max_bytes) : max_bytes_(max_bytes) {}

MessageAssembler::Status MessageAssembler::fail(std::string message) {
  phase_ = Phase::Failed;
  error_ = std::move(message);
  fragments_.clear();
  data_.clear();
  return Status::Error;
}

MessageAssembler::Status MessageAssembler::add(const dul::Pdv& pdv) {
  if (phase_ == Phase::Failed) return Status::Error;
  if (phase_ == Phase::Idle) {  // first fragment of a new message
    if (!pdv.command) return fail("data set fragment without a preceding command");
    phase_ = Phase::Command;
    context_id_ = pdv.context_id;
    fragments_.clear();
    data_.clear();
  } else if (pdv.context_id != context_id_) {
    return fail("fragment on presentation context " + std::to_string(pdv.context_id) +
                " inside a message on context " + std::to_string(context_id_));
  }

  if (phase_ == Phase::Command) {
    if (!pdv.command) return fail("data set fragment before the command was complete");
    if (pdv.data.size() > max_bytes_ - fragments_.size())
      return fail("command set exceeds " + std::to_string(max_bytes_) + " bytes");
    fragments_.insert(fragments_.end(), pdv.data.begin(), pdv.data.end());
    if (!pdv.last) return Status::NeedMore;
    auto decoded = decode_command(fragments_);
    if (!decoded) return fail(decoded.error().message);
    command_ = std::move(decoded).value();
    fragments_.clear();
    phase_ = command_.has_data_set() ? Phase::DataSet : Phase::Idle;
    return Status::CommandReady;
  }

  // Phase::DataSet
  if (pdv.command) return fail("command fragment while a data set was expected");
  if (pdv.data.size() > max_bytes_ - data_.size())
    return fail("data set exceeds " + std::to_string(max_bytes_) + " bytes");
  data_.insert(data_.end(), pdv.data.begin(), pdv.data.end());
  if (!pdv.last) return Status::NeedMore;
  phase_ = Phase::Idle;
  return Status::DataSetReady;
}

std::vector<dul::Pdu> make_pdata(std::uint8_t context_id, const Bytes& command,
                                 const Bytes* data_set, std::uint32_t peer_max_pdu) {
  // A PDV item adds 4 (item length) + 2 (context id, control header) bytes to the PDU
  // length field (PS3.8 9.3.5.1), so that is what a fragment must leave room for.
  constexpr std::uint32_t kPdvOverhead = 6;
  const std::size_t chunk = peer_max_pdu == 0             ? std::numeric_limits<std::size_t>::max()
                            : peer_max_pdu > kPdvOverhead ? peer_max_pdu - kPdvOverhead
                                                          : 1;
  std::vector<dul::Pdu> out;
  auto emit = [&](const Bytes& bytes, bool is_command) {
    ByteView all(bytes);
    std::size_t offset = 0;
    do {
      auto n = std::min(chunk, all.size() - offset);
      auto part = all.subspan(offset, n);
      offset += n;
      dul::PData pd;
      pd.pdvs.push_back(
          dul::Pdv{context_id, is_command, offset == all.size(), Bytes(part.begin(), part.end())});
      out.emplace_back(std::move(pd));
    } while (offset < all.size());
  };
  emit(command, true);
  if (data_set != nullptr) emit(*data_set, false);
  return out;
}

}  // namespace dicomsec::dimse
