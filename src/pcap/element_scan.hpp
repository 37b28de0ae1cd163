// Streaming walk of a data set's element headers, fed one PDV value at a time, to learn
// which patient-identifying attributes (dicom::patient_identifying) cross in cleartext. It
// keeps at most one element header (12 bytes) and skips every value without holding it, so
// memory does not grow with the object: a 2 GB image crosses in constant space. Values are
// never read, only element lengths; the tags found are the whole output.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "core/bytes.hpp"
#include "dicom/dataset.hpp"

namespace dicomsec::pcap {

// What the analyser knows of a data set's encoding. Unknown (mid-stream, context never
// negotiated in the capture): inferred from the first element header.
enum class SetEncoding { Unknown, ImplicitLe, ExplicitLe, Opaque };

// From the accepted transfer syntax UID: implicit LE, explicit LE (also every encapsulated
// syntax, PS3.5 A.4), Opaque for deflate and big endian (not walked), Unknown for "".
SetEncoding encoding_of(std::string_view transfer_syntax) noexcept;

class ElementScanner {
 public:
  explicit ElementScanner(SetEncoding encoding) : encoding_(encoding) {}
  // The next bytes of the data set, in order.
  void feed(ByteView bytes);
  // Tags (dicom::Tag::value()) of patient-identifying elements seen with a non-empty value.
  [[nodiscard]] const std::set<std::uint32_t>& found() const noexcept { return found_; }
  // The walk stopped: pixel data reached, or the bytes stopped looking like elements.
  [[nodiscard]] bool stopped() const noexcept { return stopped_; }
  [[nodiscard]] SetEncoding encoding() const noexcept { return encoding_; }

 private:
  // Header bytes needed for the element whose first bytes are buffered (8 or 12).
  [[nodiscard]] std::size_t header_size() const noexcept;
  void on_header();

  SetEncoding encoding_;
  std::array<std::uint8_t, 12> header_{};
  std::size_t have_ = 0;
  std::uint64_t skip_ = 0;
  std::size_t elements_ = 0;
  bool stopped_ = false;
  std::set<std::uint32_t> found_;
};

}  // namespace dicomsec::pcap
