#include "dicom/identifiers.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include "core/version.hpp"

namespace dicomsec::dicom {

std::string_view query_level_name(QueryLevel level) noexcept {
  return level == QueryLevel::Patient ? "PATIENT" : "STUDY";
}

Bytes find_identifier(QueryLevel level, VrEncoding encoding) {
  DatasetWriter w(encoding);
  w.text(tag::kQueryRetrieveLevel, "CS", query_level_name(level));
  if (level == QueryLevel::Patient)
    w.text(tag::kPatientId, "LO", "");
  else
    w.text(tag::kStudyInstanceUid, "UI", "");
  return std::move(w).take();
}

namespace {

// PS3.4 C.4.1.1.3.2: attributes an SCP may return although the identifier did not ask for
// them. Group length elements (gggg,0000) are retired and harmless too.
constexpr std::array<Tag, 9> kAllowedExtras{{
    tag::kSpecificCharacterSet,
    {0x0008, 0x0053},  // Query/Retrieve View
    {0x0008, 0x0054},  // Retrieve AE Title
    {0x0008, 0x0056},  // Instance Availability
    {0x0008, 0x0201},  // Timezone Offset From UTC
    {0x0008, 0x1190},  // Retrieve URL
    {0x0040, 0xE011},  // Retrieve Location UID
    {0x0088, 0x0130},  // Storage Media File-Set ID
    {0x0088, 0x0140},  // Storage Media File-Set UID
}};

std::string_view level_word(ByteView value) {
  std::string_view v(reinterpret_cast<const char*>(value.data()), value.size());
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.empty()) return "empty";
  for (std::string_view known : {"PATIENT", "STUDY", "SERIES", "IMAGE"})
    if (v == known) return known;
  return "other";
}

}  // namespace

Result<IdentifierShape> identifier_shape(ByteView data, VrEncoding encoding, QueryLevel asked,
                                         ReaderLimits limits) {
  const Tag own_key = asked == QueryLevel::Patient ? tag::kPatientId : tag::kStudyInstanceUid;
  IdentifierShape shape;
  DatasetReader reader(data, encoding, limits);
  while (true) {
    switch (reader.next()) {
      case DecodeStatus::NeedMore:
        return shape;
      case DecodeStatus::Error:
        return make_error(reader.error());
      case DecodeStatus::Ready:
        break;
    }
    const auto& e = reader.element();
    if (e.depth != 0 || e.is_item_or_delimiter()) continue;
    const Tag t = e.tag;
    if (t == tag::kQueryRetrieveLevel) {
      shape.level = level_word(e.value);
      continue;
    }
    if (t == own_key) {
      std::string_view v(reinterpret_cast<const char*>(e.value.data()), e.value.size());
      while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
      shape.key_hash = std::hash<std::string_view>{}(v);
      continue;
    }
    if (t.element == 0x0000 ||
        std::find(kAllowedExtras.begin(), kAllowedExtras.end(), t) != kAllowedExtras.end())
      continue;
    shape.unrequested.push_back(t);
    if (t == tag::kSeriesInstanceUid || t == tag::kSopInstanceUid ||
        (asked == QueryLevel::Patient && t == tag::kStudyInstanceUid))
      shape.lower_level_keys = true;
    if (t.group == 0x0028) shape.image_attributes = true;
    if (t == tag::kPixelData) shape.pixel_data = true;
  }
}

Bytes retrieve_identifier(std::string_view study_uid, VrEncoding encoding) {
  DatasetWriter w(encoding);
  w.text(tag::kQueryRetrieveLevel, "CS", "STUDY");
  w.text(tag::kStudyInstanceUid, "UI", study_uid);
  return std::move(w).take();
}

std::string derived_uid(unsigned kind, std::mt19937_64& rng) {
  // Root (44 characters) + ".K" + "." + up to 17 digits stays within 64 (PS3.5 9.1).
  std::uniform_int_distribution<std::uint64_t> n(1, 99'999'999'999'999'999ULL);
  return std::string(kImplementationClassUid) + "." + std::to_string(kind % 10) + "." +
         std::to_string(n(rng));
}

TestObject make_test_object(std::mt19937_64& rng, std::string date) {
  TestObject o;
  o.study_uid = derived_uid(1, rng);
  o.series_uid = derived_uid(2, rng);
  o.instance_uid = derived_uid(3, rng);
  o.date = std::move(date);
  return o;
}

Bytes test_object_data_set(const TestObject& o, VrEncoding encoding) {
  const std::array<std::uint8_t, 64> pixels{};  // 8x8, all zero
  DatasetWriter w(encoding);
  w.text(tag::kSpecificCharacterSet, "CS", "ISO_IR 100");
  w.text(tag::kImageType, "CS", "DERIVED\\SECONDARY");
  w.text(tag::kSopClassUid, "UI", kSecondaryCaptureStorage);
  w.text(tag::kSopInstanceUid, "UI", o.instance_uid);
  w.text(tag::kStudyDate, "DA", o.date);
  w.text(tag::kStudyTime, "TM", "000000");
  w.text(tag::kAccessionNumber, "SH", "");
  w.text(tag::kModality, "CS", "OT");
  w.text(tag::kConversionType, "CS", "WSD");
  w.text(tag::kReferringPhysicianName, "PN", "");
  w.text(tag::kStudyDescription, "LO", kTestStudyDescription);
  w.text(tag::kSeriesDescription, "LO", kTestStudyDescription);
  w.text(tag::kPatientName, "PN", kTestPatientName);
  w.text(tag::kPatientId, "LO", kTestPatientId);
  w.text(tag::kPatientBirthDate, "DA", "");
  w.text(tag::kPatientSex, "CS", "O");
  w.text(tag::kPatientComments, "LT",
         "Synthetic object stored by the dicomsec scanner (intrusive level); not patient data");
  w.text(tag::kStudyInstanceUid, "UI", o.study_uid);
  w.text(tag::kSeriesInstanceUid, "UI", o.series_uid);
  w.text(tag::kStudyId, "SH", "DICOMSEC");
  w.text(tag::kSeriesNumber, "IS", "1");
  w.text(tag::kInstanceNumber, "IS", "1");
  w.us(tag::kSamplesPerPixel, 1);
  w.text(tag::kPhotometricInterpretation, "CS", "MONOCHROME2");
  w.us(tag::kRows, 8);
  w.us(tag::kColumns, 8);
  w.us(tag::kBitsAllocated, 8);
  w.us(tag::kBitsStored, 8);
  w.us(tag::kHighBit, 7);
  w.us(tag::kPixelRepresentation, 0);
  w.binary(tag::kPixelData, "OB", pixels);
  return std::move(w).take();
}

bool patient_identifying(Tag t) noexcept {
  // PS3.15 E.1-1 rows that name or locate the patient, or tie a record to them.
  static constexpr std::uint32_t kTags[] = {
      0x00080050,  // Accession Number
      0x00080090,  // Referring Physician's Name
      0x00081048,  // Physician(s) of Record
      0x00100010,  // Patient's Name
      0x00100020,  // Patient ID
      0x00100021,  // Issuer of Patient ID
      0x00100030,  // Patient's Birth Date
      0x00100032,  // Patient's Birth Time
      0x00101000,  // Other Patient IDs
      0x00101001,  // Other Patient Names
      0x00101002,  // Other Patient IDs Sequence
      0x00101005,  // Patient's Birth Name
      0x00101040,  // Patient's Address
      0x00101060,  // Patient's Mother's Birth Name
      0x00102154,  // Patient's Telephone Numbers
      0x00104000,  // Patient Comments
      0x00380010,  // Admission ID
      0x00400275,  // Request Attributes Sequence
  };
  for (auto v : kTags)
    if (t.value() == v) return true;
  return false;
}

}  // namespace dicomsec::dicom
