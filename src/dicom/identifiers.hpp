// What dicomsec sends as data sets: C-FIND identifiers with universal matching, retrieve
// identifiers that match nothing, and the one synthetic test object of the intrusive level.
// UIDs are derived under dicomsec's own root (its implementation class UID, PS3.5 9.1).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "dicom/dataset.hpp"

namespace dicomsec::dicom {

enum class QueryLevel { Patient, Study };
std::string_view query_level_name(QueryLevel level) noexcept;  // "PATIENT", "STUDY"

// PS3.4 C.4.1.1.3: a C-FIND identifier with the level's unique key only, empty (universal
// matching). Patient level: Patient ID; study level: Study Instance UID. We ask for no
// other attribute, so a match carries as little as the server allows.
Bytes find_identifier(QueryLevel level, VrEncoding encoding);

// What one C-FIND response identifier carries, as tags only (issue 12 §3: honeypots answer a
// query at another level, or with whole data sets). No value leaves the walk except the
// Query/Retrieve Level, and that only as one of PS3.4's four level names.
struct IdentifierShape {
  // (0008,0052) as sent: "PATIENT", "STUDY", "SERIES", "IMAGE"; "empty" for a zero-length
  // value, "other" for any other value, "absent" when the element is missing.
  std::string_view level = "absent";
  // A hash of the value of the level's own unique key (Patient ID, Study Instance UID), so
  // the caller can count repeated rows without keeping the value; nullopt when absent.
  std::optional<std::size_t> key_hash;
  // Top-level tags that the query did not ask for and PS3.4 C.4.1.1.3.2 does not let the SCP
  // add (Specific Character Set, Timezone Offset, Retrieve AE Title, ...), in stream order.
  std::vector<Tag> unrequested;
  bool lower_level_keys = false;  // a lower level's unique key (Study/Series/SOP Instance UID)
  bool image_attributes = false;  // Image Pixel module attributes (group 0028)
  bool pixel_data = false;        // (7FE0,0010)
};

// Walks one response identifier of a C-FIND at `asked` level (find_identifier's keys). Error
// when it is malformed (the same walk as count_top_level).
Result<IdentifierShape> identifier_shape(ByteView data, VrEncoding encoding, QueryLevel asked,
                                         ReaderLimits limits = {});

// A STUDY-level C-MOVE/C-GET identifier (Study Root) naming one study UID we just made up:
// it matches nothing, so no sub-operation can start (PS3.4 C.4.2.2, C.4.3.2).
Bytes retrieve_identifier(std::string_view study_uid, VrEncoding encoding);

// UIDs under kImplementationClassUid: ROOT.KIND.N, at most 64 characters (PS3.5 9.1).
// KIND: 1 study, 2 series, 3 instance, 4 retrieve probe (matches nothing).
std::string derived_uid(unsigned kind, std::mt19937_64& rng);

inline constexpr std::string_view kTestPatientName = "DICOMSEC^TEST";
inline constexpr std::string_view kTestPatientId = "DICOMSEC-TEST";
inline constexpr std::string_view kTestStudyDescription = "DICOMSEC ACCESS TEST - SAFE TO DELETE";
inline constexpr std::string_view kSecondaryCaptureStorage = "1.2.840.10008.5.1.4.1.1.7";

struct TestObject {
  std::string study_uid, series_uid, instance_uid;
  std::string date;  // study date, YYYYMMDD
};

// Fresh UIDs (kinds 1-3) for one test object.
TestObject make_test_object(std::mt19937_64& rng, std::string date);

// PS3.3 A.8.1 Secondary Capture Image: an 8x8 black 8-bit image, patient DICOMSEC^TEST,
// labelled in its description fields as a dicomsec test object. No file meta: this is what
// a C-STORE carries.
Bytes test_object_data_set(const TestObject& object, VrEncoding encoding);

// Patient-identifying attributes (after PS3.15 Table E.1-1, the Basic Application Level
// Confidentiality Profile: the direct identifiers of the patient and the visit). The passive
// analyser reports a data set that carries one of them with a value in cleartext, by tag
// only (issue 14 §6).
bool patient_identifying(Tag t) noexcept;

}  // namespace dicomsec::dicom
