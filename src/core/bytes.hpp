// Bounds-checked byte reading and writing. Every read from the wire goes through
// ByteReader, which never reads past its span: a short read returns std::nullopt and
// leaves the reader unchanged, so callers turn it into a protocol error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsec {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

class ByteReader {
 public:
  explicit ByteReader(ByteView data) noexcept : data_(data) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] bool empty() const noexcept { return remaining() == 0; }

  std::optional<std::uint8_t> u8() noexcept;
  std::optional<std::uint16_t> u16be() noexcept;
  std::optional<std::uint32_t> u32be() noexcept;
  std::optional<std::uint16_t> u16le() noexcept;
  std::optional<std::uint32_t> u32le() noexcept;
  // Takes the next n bytes as a view; nullopt when fewer remain.
  std::optional<ByteView> take(std::size_t n) noexcept;
  // Takes the next n bytes as a nested reader bounded to them.
  std::optional<ByteReader> sub(std::size_t n) noexcept;
  bool skip(std::size_t n) noexcept;
  // Looks at the next bytes without consuming them.
  [[nodiscard]] ByteView peek(std::size_t n) const noexcept;
  [[nodiscard]] ByteView rest() const noexcept { return data_.subspan(pos_); }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16be(std::uint16_t v);
  void u32be(std::uint32_t v);
  void u16le(std::uint16_t v);
  void u32le(std::uint32_t v);
  void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
  void text(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }

  // Reserves a big-endian length field and returns its offset; patch_* fills it with the
  // number of bytes written after it.
  std::size_t reserve_u16be();
  std::size_t reserve_u32be();
  void patch_u16be(std::size_t at);
  void patch_u32be(std::size_t at);

  [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }
  [[nodiscard]] const Bytes& data() const& noexcept { return out_; }
  Bytes take() && { return std::move(out_); }

 private:
  Bytes out_;
};

// Printable rendering of untrusted text (AE titles, version names) for logs and reports:
// keeps printable ASCII, replaces the rest with '?'.
std::string printable(std::string_view s);

}  // namespace dicomsec
