// Splits a byte stream into whole PS3.8 PDUs (6-byte header: type, reserved, 32-bit length)
// so the gateway can forward each PDU's exact bytes once the engine has validated it. The
// length field is checked against the cap before any byte of the body is buffered: a header
// claiming 4 GB costs six bytes, not four gigabytes. Sans-IO.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"

namespace dicomsec::gateway {

class PduFramer {
 public:
  explicit PduFramer(std::uint32_t max_length) : max_length_(max_length) {}

  // Calls on_pdu(ByteView whole_pdu) for every complete PDU in order; on_pdu returns false
  // to stop (the rest is dropped). Returns false when a header claims more than the cap
  // (error() says so; nothing more is accepted).
  template <class F>
  bool feed(ByteView in, F&& on_pdu) {
    if (failed_) return false;
    while (!in.empty()) {
      if (buf_.empty()) {
        if (in.size() >= 6) {
          const auto need = whole_length(in);
          if (!need) return false;
          if (in.size() >= *need) {
            if (!on_pdu(in.first(*need))) return stop();
            in = in.subspan(*need);
            continue;
          }
        }
        buf_.assign(in.begin(), in.end());
        return true;
      }
      if (buf_.size() < 6) {
        const auto take = std::min<std::size_t>(6 - buf_.size(), in.size());
        buf_.insert(buf_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
        in = in.subspan(take);
        if (buf_.size() < 6) return true;
      }
      const auto need = whole_length(buf_);
      if (!need) return false;
      const auto take = std::min<std::size_t>(*need - buf_.size(), in.size());
      buf_.insert(buf_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
      in = in.subspan(take);
      if (buf_.size() == *need) {
        const bool go_on = on_pdu(ByteView(buf_));
        clear();
        if (!go_on) return stop();
      }
    }
    return true;
  }

  [[nodiscard]] std::size_t buffered() const noexcept { return buf_.size(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] bool failed() const noexcept { return failed_; }

 private:
  std::optional<std::size_t> whole_length(ByteView header);
  bool stop() {
    clear();
    return true;
  }
  void clear();

  std::uint32_t max_length_;
  Bytes buf_;
  bool failed_ = false;
  std::string error_;
};

}  // namespace dicomsec::gateway
