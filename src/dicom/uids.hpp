// The SOP classes and transfer syntaxes dicomsec proposes or reports, with their PS3.6
// Annex A names. A table, so reports can name what a peer accepted.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace dicomsec::dicom {

struct UidEntry {
  std::string_view uid;
  std::string_view name;
  enum class Kind { Verification, Query, Retrieve, Storage, Other } kind;
};

namespace uid {
inline constexpr std::string_view kApplicationContext = "1.2.840.10008.3.1.1.1";
inline constexpr std::string_view kImplicitVrLittleEndian = "1.2.840.10008.1.2";
inline constexpr std::string_view kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
inline constexpr std::string_view kVerification = "1.2.840.10008.1.1";
inline constexpr std::string_view kPatientRootFind = "1.2.840.10008.5.1.4.1.2.1.1";
inline constexpr std::string_view kPatientRootMove = "1.2.840.10008.5.1.4.1.2.1.2";
inline constexpr std::string_view kPatientRootGet = "1.2.840.10008.5.1.4.1.2.1.3";
inline constexpr std::string_view kStudyRootFind = "1.2.840.10008.5.1.4.1.2.2.1";
inline constexpr std::string_view kStudyRootMove = "1.2.840.10008.5.1.4.1.2.2.2";
inline constexpr std::string_view kStudyRootGet = "1.2.840.10008.5.1.4.1.2.2.3";
}  // namespace uid

using K = UidEntry::Kind;
// PS3.6 Annex A, Table A-1. The storage classes are those a PACS commonly accepts.
inline constexpr std::array kSopClasses{
    UidEntry{uid::kVerification, "Verification SOP Class", K::Verification},
    UidEntry{uid::kPatientRootFind, "Patient Root Query/Retrieve Information Model - FIND", K::Query},
    UidEntry{uid::kPatientRootMove, "Patient Root Query/Retrieve Information Model - MOVE", K::Retrieve},
    UidEntry{uid::kPatientRootGet, "Patient Root Query/Retrieve Information Model - GET", K::Retrieve},
    UidEntry{uid::kStudyRootFind, "Study Root Query/Retrieve Information Model - FIND", K::Query},
    UidEntry{uid::kStudyRootMove, "Study Root Query/Retrieve Information Model - MOVE", K::Retrieve},
    UidEntry{uid::kStudyRootGet, "Study Root Query/Retrieve Information Model - GET", K::Retrieve},
    UidEntry{"1.2.840.10008.5.1.4.31", "Modality Worklist Information Model - FIND", K::Query},
    UidEntry{"1.2.840.10008.3.1.2.3.3", "Modality Performed Procedure Step SOP Class", K::Other},
    UidEntry{"1.2.840.10008.1.20.1", "Storage Commitment Push Model SOP Class", K::Other},
    UidEntry{"1.2.840.10008.5.1.4.1.1.1", "Computed Radiography Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.1.1", "Digital X-Ray Image Storage - For Presentation", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.1.2", "Digital Mammography X-Ray Image Storage - For Presentation", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.2", "CT Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.2.1", "Enhanced CT Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.3.1", "Ultrasound Multi-frame Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.4", "MR Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.4.1", "Enhanced MR Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.6.1", "Ultrasound Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.7", "Secondary Capture Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.12.1", "X-Ray Angiographic Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.12.2", "X-Ray Radiofluoroscopic Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.20", "Nuclear Medicine Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.128", "Positron Emission Tomography Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.481.1", "RT Image Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.481.2", "RT Dose Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.481.3", "RT Structure Set Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.481.5", "RT Plan Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.88.11", "Basic Text SR Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.88.22", "Enhanced SR Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.88.59", "Key Object Selection Document Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.104.1", "Encapsulated PDF Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.11.1", "Grayscale Softcopy Presentation State Storage", K::Storage},
    UidEntry{"1.2.840.10008.5.1.4.1.1.77.1.4", "VL Photographic Image Storage", K::Storage},
};

inline std::optional<UidEntry> find_sop_class(std::string_view uid) {
  for (const auto& e : kSopClasses)
    if (e.uid == uid) return e;
  return std::nullopt;
}

}  // namespace dicomsec::dicom
