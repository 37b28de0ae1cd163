// The few PS3.5 data set pieces dicomsec needs, sans-IO and bounded: an element writer for
// C-FIND/C-MOVE/C-GET identifiers and one synthetic test object, and a reader that walks a
// data set received from a peer (implicit or explicit VR little endian, PS3.5 7.1) to
// validate and count it. The reader hands out views into the caller's bytes and keeps
// nothing: the access probe walks identifiers only to count them (they may hold PHI).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace dicomsec::dicom {

struct Tag {
  std::uint16_t group = 0;
  std::uint16_t element = 0;
  [[nodiscard]] constexpr std::uint32_t value() const noexcept {
    return (std::uint32_t{group} << 16) | element;
  }
  constexpr auto operator<=>(const Tag&) const = default;
};

// "(0010,0020)": how every record and message names a tag.
std::string tag_text(Tag t);

namespace tag {
inline constexpr Tag kSpecificCharacterSet{0x0008, 0x0005};
inline constexpr Tag kImageType{0x0008, 0x0008};
inline constexpr Tag kSopClassUid{0x0008, 0x0016};
inline constexpr Tag kSopInstanceUid{0x0008, 0x0018};
inline constexpr Tag kStudyDate{0x0008, 0x0020};
inline constexpr Tag kStudyTime{0x0008, 0x0030};
inline constexpr Tag kAccessionNumber{0x0008, 0x0050};
inline constexpr Tag kQueryRetrieveLevel{0x0008, 0x0052};
inline constexpr Tag kModality{0x0008, 0x0060};
inline constexpr Tag kConversionType{0x0008, 0x0064};
inline constexpr Tag kReferringPhysicianName{0x0008, 0x0090};
inline constexpr Tag kStudyDescription{0x0008, 0x1030};
inline constexpr Tag kSeriesDescription{0x0008, 0x103E};
inline constexpr Tag kPatientName{0x0010, 0x0010};
inline constexpr Tag kPatientId{0x0010, 0x0020};
inline constexpr Tag kPatientBirthDate{0x0010, 0x0030};
inline constexpr Tag kPatientSex{0x0010, 0x0040};
inline constexpr Tag kPatientComments{0x0010, 0x4000};
inline constexpr Tag kStudyInstanceUid{0x0020, 0x000D};
inline constexpr Tag kSeriesInstanceUid{0x0020, 0x000E};
inline constexpr Tag kStudyId{0x0020, 0x0010};
inline constexpr Tag kSeriesNumber{0x0020, 0x0011};
inline constexpr Tag kInstanceNumber{0x0020, 0x0013};
inline constexpr Tag kSamplesPerPixel{0x0028, 0x0002};
inline constexpr Tag kPhotometricInterpretation{0x0028, 0x0004};
inline constexpr Tag kRows{0x0028, 0x0010};
inline constexpr Tag kColumns{0x0028, 0x0011};
inline constexpr Tag kBitsAllocated{0x0028, 0x0100};
inline constexpr Tag kBitsStored{0x0028, 0x0101};
inline constexpr Tag kHighBit{0x0028, 0x0102};
inline constexpr Tag kPixelRepresentation{0x0028, 0x0103};
inline constexpr Tag kPixelData{0x7FE0, 0x0010};
// PS3.5 7.5: item and delimitation tags (always written as in implicit VR).
inline constexpr Tag kItem{0xFFFE, 0xE000};
inline constexpr Tag kItemDelimitation{0xFFFE, 0xE00D};
inline constexpr Tag kSequenceDelimitation{0xFFFE, 0xE0DD};
}  // namespace tag

enum class VrEncoding { Implicit, Explicit };  // both little endian (PS3.5 A.1, A.2)

inline constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFF;

// Writes elements of a top-level data set in ascending tag order (PS3.5 7.1; a tag out of
// order is a caller bug: std::logic_error). Values are padded to even length: UI with NUL,
// other text with a space (PS3.5 6.2).
class DatasetWriter {
 public:
  explicit DatasetWriter(VrEncoding encoding) : encoding_(encoding) {}

  // Text VRs (AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT).
  void text(Tag t, std::string_view vr, std::string_view value);
  void us(Tag t, std::uint16_t value);
  // OB or OW binary value; OW data must have even length.
  void binary(Tag t, std::string_view vr, ByteView value);

  [[nodiscard]] const Bytes& bytes() const& noexcept { return out_.data(); }
  Bytes take() && { return std::move(out_).take(); }

 private:
  void header(Tag t, std::string_view vr, std::uint32_t length);

  VrEncoding encoding_;
  ByteWriter out_;
  std::optional<Tag> last_;
};

// PS3.5 7.1.2: explicit VRs whose length field is 32-bit after two reserved bytes.
bool has_long_length(std::string_view vr) noexcept;

struct ReaderLimits {
  std::size_t max_elements = 10'000;  // elements, items and delimiters together
  std::size_t max_depth = 8;          // nested sequences
};

// One element of a data set, as a view into the reader's input (valid while that is).
struct ElementView {
  Tag tag;
  std::string vr;            // explicit VR as sent; "" in implicit VR (and for items/delimiters)
  std::uint32_t length = 0;  // as encoded; kUndefinedLength for undefined-length sequences
  ByteView value;            // empty for sequences, items and delimiters (their content follows)
  std::size_t depth = 0;     // 0 = top-level data set
  [[nodiscard]] bool is_item_or_delimiter() const noexcept { return tag.group == 0xFFFE; }
};

// Incremental walk of one complete data set: next() returns Ready with the next element,
// NeedMore at the clean end of the data set (nothing follows), Error when the bytes are
// malformed or exceed the limits (error() says why). It never reads outside its input.
class DatasetReader {
 public:
  DatasetReader(ByteView data, VrEncoding encoding, ReaderLimits limits = {});

  DecodeStatus next();
  [[nodiscard]] const ElementView& element() const noexcept { return element_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }

 private:
  enum class Frame { Sequence, Item, Fragments };
  struct Open {
    Frame kind;
    std::optional<std::size_t> end;  // nullopt: undefined length, closed by a delimiter
  };
  DecodeStatus fail(std::string message);
  DecodeStatus item_or_delimiter(Tag t, std::uint32_t length);
  [[nodiscard]] std::size_t limit() const noexcept;  // end of the innermost defined frame

  ByteView data_;
  ByteReader r_;
  VrEncoding encoding_;
  ReaderLimits limits_;
  std::vector<Open> open_;
  ElementView element_;
  std::string error_;
  std::size_t count_ = 0;
  bool failed_ = false;
};

// Walks a whole data set and returns how many top-level elements it has. For response
// identifiers: validates them without keeping any value.
Result<std::size_t> count_top_level(ByteView data, VrEncoding encoding, ReaderLimits limits = {});

}  // namespace dicomsec::dicom
