// The fingerprint catalogue. Every row names the public source it was read from; the values
// were checked against those sources (see docs/fingerprints.md for notes and caveats).
// Order does not matter for matching: the longest UID root and the most literal name
// pattern win.
#include <array>
#include <cstddef>

#include "fingerprint/rules.hpp"

namespace dicomsec::fingerprint::detail {
namespace {

using U = UidVersion;

constexpr std::string_view kDcmtkSrc = "DCMTK/dcmtk dcmdata/include/dcmtk/dcmdata/dcuid.h";
constexpr std::string_view kDcmtkReleaseSrc =
    "DCMTK/dcmtk dcmdata/include/dcmtk/dcmdata/dcuid.h (root .0. PACKAGE_VERSION); release list "
    "from docs/CHANGES.354 ... docs/CHANGES.370";
constexpr std::string_view kPynetdicomReleaseSrc =
    "pydicom/pynetdicom pynetdicom/__init__.py (prefix + version); release list from "
    "docs/changelog/v*.rst";
constexpr std::string_view kDcmjsDimseSrc =
    "PantelisGeorgiadis/dcmjs-dimse src/Constants.js (Implementation; the class UID differs "
    "between stored versions)";
constexpr std::string_view kDicomRsSrc =
    "Enet4/dicom-rs ul/src/lib.rs (IMPLEMENTATION_CLASS_UID per release, git history)";

// clang-format off
constexpr std::array kRules = {
  // DCMTK: class UID is OFFIS_UID_ROOT ".0." PACKAGE_VERSION; name is "OFFIS_DCMTK_" followed by
  // PACKAGE_VERSION_NUMBER (367 for 3.6.7). Orthanc and DCMTK-based apps that do not override
  // the defaults say exactly this.
  Rule{{"DCMTK", "1.2.276.0.7230010.3", "OFFIS_DCMTK_{digits}", kDcmtkSrc},
       "DCMTK", U::AfterRoot, "0", {}, false},
  // Horos (and its OsiriX parent) ship a DCMTK 3.5.4 fork with the root changed to 72*38*010.5
  // and the name set to OSIRIX; the UID's version is the forked DCMTK's, not Horos's.
  Rule{{"Horos/OsiriX", "1.2.276.0.7238010.5", "OSIRIX",
        "horosproject/horos Binaries/dcmtk-source/dcmdata/dcuid.h"},
       "DCMTK", U::None, {}, {}, false},
  // dcm4che 3.x and 5.x (also dcm4chee-arc-light 5): name is "dcm4che-" + jar version, cut to 16.
  Rule{{"dcm4che", "1.2.40.0.13.1.3", "dcm4che-{ver}*",
        "dcm4che/dcm4che dcm4che-core/src/main/java/org/dcm4che3/data/Implementation.java"},
       "dcm4che", U::None, {}, {}, false},
  // dcm4che 2.x: class UID read from a build-filtered Implementation.properties; the values
  // below are those seen in captured dcm4che2 associations (not confirmed from the file).
  Rule{{"dcm4che", "1.2.40.0.13.1.1", "dcm4che-{ver}*",
        "pacsbrasil/dcm4che2 dcm4che2/trunk/dcm4che-net/src/main/java/org/dcm4che2/net/pdu/"
        "AAssociateRQAC.java (Implementation.classUID(); value unconfirmed)"},
       "dcm4che", U::None, {}, {}, false},
  // dcm4che 1.4: UID from Implementation.properties; the name is substituted at build time.
  Rule{{"dcm4che", "1.2.40.0.13.1.1.1", "",
        "johnperry/dcm4che-1.4-JP src/resources/org/dcm4che/Implementation.properties"},
       "dcm4che", U::None, {}, {}, false},
  // fo-dicom (all versions since the Dicom/mDCM rename): "fo-dicom major.minor.build".
  Rule{{"fo-dicom", "1.3.6.1.4.1.30071.8", "fo-dicom {ver}",
        "fo-dicom/fo-dicom FO-DICOM.Core/DicomImplementation.cs"},
       "fo-dicom", U::None, {}, {}, false},
  // pynetdicom >= 1.0: UID prefix + "maj.min.patch"; name "PYNETDICOM_" + digits joined.
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811", "PYNETDICOM_{digits}",
        "pydicom/pynetdicom pynetdicom/__init__.py"},
       "pynetdicom", U::AfterRoot, {}, {}, false},
  // pynetdicom3 0.9.x, same UID prefix, older name.
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811", "PYNETDICOM3_{digits}",
        "pydicom/pynetdicom pynetdicom3/__init__.py"},
       "pynetdicom", U::AfterRoot, {}, {}, false},
  // GDCM: the network layer reuses the file-meta defaults: root ".107.104.103.115." + version,
  // name "GDCM " + version.
  Rule{{"GDCM", "1.2.826.0.1.3680043.2.1143.107.104.103.115", "GDCM {ver}",
        "malaterre/GDCM Source/DataStructureAndEncodingDefinition/gdcmFileMetaInformation.cxx"},
       "GDCM", U::AfterRoot, {}, {}, false},
  // Conquest DICOM server (UCDMC lineage): fixed UID, name "<version>/<platform>".
  Rule{{"Conquest", "1.2.826.0.1.3680043.2.135.1066.101", "{ver}/*",
        "marcelvanherk/Conquest-DICOM-Server src/dgate/dicomlib/version.h"},
       "Conquest", U::None, {}, {}, false},
  // ClearCanvas: fixed UID and the constant name "Dicom 0.1" in every release.
  Rule{{"ClearCanvas", "1.3.6.1.4.1.25403.1.1.1", "Dicom 0.1",
        "ClearCanvas/ClearCanvas Dicom/DicomImplementation.cs"},
       "ClearCanvas", U::None, {}, {}, false},
  // grailbio go-netdicom: sends these in its A-ASSOCIATE-RQ only; its AC has no 0x52/0x55.
  Rule{{"go-netdicom", "1.2.826.0.1.3680043.9.7133.1.1", "GODICOM_1_1",
        "grailbio/go-dicom dicom.go; grailbio/go-netdicom contextmanager.go"},
       "go-netdicom", U::None, {}, {}, false},
  // kristianvalind's go-netdicom fork has its own root and name.
  Rule{{"go-netdicom (kristianvalind fork)", "1.2.826.0.1.3680043.10.786.1.1", "GONETDICOM_1_1",
        "kristianvalind/go-netdicom uid.go"},
       "go-netdicom", U::None, {}, {}, false},
  // ruby-dicom: UID_ROOT is also the implementation class UID; three name spellings over time.
  Rule{{"ruby-dicom", "1.2.826.0.1.3680043.8.641", "RUBY-DCM_{ver}",
        "dicom/ruby-dicom lib/dicom/general/constants.rb"},
       "ruby-dicom", U::None, {}, {}, false},
  Rule{{"ruby-dicom", "1.2.826.0.1.3680043.8.641", "RUBY_DICOM_{ver}",
        "dicom/ruby-dicom lib/dicom/Constants.rb (0.7.x)"},
       "ruby-dicom", U::None, {}, {}, false},
  Rule{{"ruby-dicom", "1.2.826.0.1.3680043.8.641", "RB_DCMNET_{ver}",
        "dicom/ruby-dicom lib/dicom/Constants.rb (DICOMNET module, early releases)"},
       "ruby-dicom", U::None, {}, {}, false},
  // DVTk: class UID documented in its emulator settings; the name is session-configurable
  // ("DVT 2.1", "dvt2.1", ...). File not pinned down; see docs.
  Rule{{"DVTk", "1.2.826.0.1.3680043.2.1545.1.2.1", "DVT*",
        "dvtk-org/DVTk (emulator session settings: DvtImplementationClassUid)"},
       "DVTk", U::None, {}, {}, true},
  // MergeCOM-3: the class UID is set per product in mergecom.pro; only the name is generic.
  Rule{{"MergeCOM-3", "", "MergeCOM3_{digits}",
        "Engin-Boot/transfer-images-s1b5 mergecom.pro (sample config, not a vendor source)"},
       "MergeCOM-3", U::None, {}, {}, false},
  // dicom-rs: a fresh random 2.25 UID per release; the name carries the version.
  Rule{{"dicom-rs", "", "DICOM-rs {ver}", kDicomRsSrc}, "dicom-rs", U::None, {}, {}, false},
  Rule{{"dicom-rs", "2.25.137038125948464847900039011591283709926", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.3", false},
  Rule{{"dicom-rs", "2.25.319987060362599024807367105075404354293", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.5", false},
  Rule{{"dicom-rs", "2.25.130984950029899771041107395941696826170", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.6", false},
  Rule{{"dicom-rs", "2.25.139623901558105915656014294038307328623", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.7.2", false},
  Rule{{"dicom-rs", "2.25.156227610253341005307660858504280353500", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.8.0", false},
  Rule{{"dicom-rs", "2.25.262086406829110419931297894772577063974", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.8.1", false},
  Rule{{"dicom-rs", "2.25.214312761802046835989399652652980912193", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.9.0", false},
  Rule{{"dicom-rs", "2.25.269557681719719925684832053554655571250", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.9.1", false},
  Rule{{"dicom-rs", "2.25.239162405814983375278132849753143205923", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.10.0", false},
  Rule{{"dicom-rs", "2.25.175220362680028036156011002668768058626", "", kDicomRsSrc},
       "dicom-rs", U::Fixed, {}, "0.10.0", false},

  // ---- Toolkits added for issue 12 (one row per public default; see docs/fingerprints.md).
  // pydicom: the file-meta defaults, which pynetdicom applications sometimes copy into their AE
  // (PYDICOM_IMPLEMENTATION_UID = root + "1"; the name is "PYDICOM " + __version__).
  Rule{{"pydicom", "1.2.826.0.1.3680043.8.498.1", "PYDICOM {ver}",
        "pydicom/pydicom src/pydicom/uid.py (PYDICOM_IMPLEMENTATION_UID); "
        "src/pydicom/dataset.py (default name 'PYDICOM ' + version)"},
       "pydicom", U::None, {}, {}, false},
  // dcmjs-dimse (Node.js, TypeScript): a fixed Implementation constant whose "V0.1" is not the
  // package version; stored versions of the file carry two different roots.
  Rule{{"dcmjs-dimse", "1.2.826.0.1.3680043.10.854", "DCMJS-DIMSE-V0.1", kDcmjsDimseSrc},
       "dcmjs-dimse", U::None, {}, {}, false},
  Rule{{"dcmjs-dimse", "1.3.6.1.4.1.41293.8", "DCMJS-DIMSE-V0.1", kDcmjsDimseSrc},
       "dcmjs-dimse", U::None, {}, {}, false},
  // mDCM (C#, fo-dicom's predecessor): Implementation.ClassUID and Version.
  Rule{{"mDCM", "1.3.6.1.4.1.30071.6", "Dicom 0.9", "souadB/mdcm Dicom/Implementation.cs"},
       "mDCM", U::None, {}, {}, false},
  // Odil (C++): uid_prefix + "0." + major version; name "Odil " + major version.
  Rule{{"Odil", "1.2.826.0.1.3680043.9.5560", "Odil {ver}",
        "lamyj/odil src/odil/uid.h, src/odil/uid.cpp"},
       "Odil", U::AfterRoot, "0", {}, false},
  // PixelMed (Java): VersionAndConstants: root 1.3.6.1.4.1.5962, toolkit 99, class UID 2;
  // the name is "PIXELMEDJAVA" + a build number ("001"), not a release version.
  Rule{{"PixelMed", "1.3.6.1.4.1.5962.99.2", "PIXELMEDJAVA*",
        "fedorov/pixelmed com/pixelmed/dicom/VersionAndConstants.java"},
       "PixelMed", U::None, {}, {}, false},
  // Imebra (C++; bundled by the Node package dicom-dimse-native): class UID ends with the major.
  Rule{{"Imebra", "1.3.6.1.4.1.54308.2.1.1", "Imebra {ver}",
        "knopkem/dicom-dimse-native library/include/imebra/definitions.h (Imebra 4)"},
       "Imebra", U::AfterRoot, {}, {}, false},
  // SharpDicom (C#): UserInformation.CreateDefault.
  Rule{{"SharpDicom", "2.25.329800735698586629295641978511506172928", "SharpDicom",
        "jas88/SharpDicom src/SharpDicom/Network/Items/UserInformation.cs"},
       "SharpDicom", U::None, {}, {}, false},
  // K-PACS (Delphi viewer/PACS; constants as carried into its C# port KPACS-neo).
  Rule{{"K-PACS", "1.2.826.0.1.3680043.2.22014", "KPACS",
        "knopkem/KPACS-neo KPACS.DCMClasses/DicomTagConstants.cs"},
       "K-PACS", U::None, {}, {}, false},

  // Evil DICOM (C#): a fixed class UID; the name is the assembly version, too generic a shape
  // ("2.0.6.2") to match on, so the row keys on the UID alone.
  Rule{{"Evil DICOM", "1.2.598.0.1.2851334.2.1865.1", "",
        "rexcardan/Evil-DICOM EvilDICOM/EvilDICOM/Core/Helpers/Constants.cs"},
       "Evil DICOM", U::None, {}, {}, false},
  // godcm (Go port of DCMTK): keeps DCMTK's root; one stored version names itself
  // OFFIS_DCMTK_GODCM instead of the packed version number.
  Rule{{"godcm", "", "OFFIS_DCMTK_GODCM",
        "grayzone/godcm dcmdata/dcuid.go (OFFIS_DTK_IMPLEMENTATION_VERSION_NAME)"},
       "DCMTK", U::None, {}, {}, false},

  // dicom-dimse (OHIF, Node.js; dcmjs-dimse took part of its network code): IMPLEM_UID and
  // IMPLEM_VERSION constants.
  Rule{{"dicom-dimse (OHIF)", "1.2.840.0.1.3680045.8.641", "OHIF-DCM-{ver}",
        "OHIF/dicom-dimse src/constants.js"},
       "dicom-dimse (OHIF)", U::None, {}, {}, false},
  // DcmSwift (Swift, SwiftNIO): DicomConstants.implementationUID / implementationVersion.
  Rule{{"DcmSwift", "1.2.276.0.808080.8080.1.2.3", "DCMSWIFT {ver}",
        "OPALE-dev/DcmSwift Sources/DcmSwift/Foundation/DicomConstants.swift"},
       "DcmSwift", U::None, {}, {}, false},

  // ---- One row per DCMTK release: the exact class UID names the release (the generic row
  // above reads any version; these say the version is a real release). 3.6.1 only ever
  // shipped as development snapshots, which distributions packaged.
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.5.4", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.5.4", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.0", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.0", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.1", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.1", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.2", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.2", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.3", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.3", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.4", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.4", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.5", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.5", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.6", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.6", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.7", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.7", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.8", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.8", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.6.9", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.6.9", false},
  Rule{{"DCMTK", "1.2.276.0.7230010.3.0.3.7.0", "", kDcmtkReleaseSrc}, "DCMTK", U::Fixed, {}, "3.7.0", false},

  // ---- One row per pynetdicom release (>= 1.0: prefix + "maj.min.patch").
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.0.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.0.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.1.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.1.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.2.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.2.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.3.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.3.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.3.1", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.3.1", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.4.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.4.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.4.1", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.4.1", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.1", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.1", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.2", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.2", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.3", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.3", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.4", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.4", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.5", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.5", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.6", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.6", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.1.5.7", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "1.5.7", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.2.0.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "2.0.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.2.0.2", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "2.0.2", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.2.1.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "2.1.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.2.1.1", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "2.1.1", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.3.0.0", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "3.0.0", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.3.0.1", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "3.0.1", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.3.0.2", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "3.0.2", false},
  Rule{{"pynetdicom", "1.2.826.0.1.3680043.9.3811.3.0.3", "", kPynetdicomReleaseSrc}, "pynetdicom", U::Fixed, {}, "3.0.3", false},
};

// Organisation roots say who made a device, not which toolkit it runs.
constexpr std::array kVendors = {
  VendorRoot{"1.2.840.113619", "GE HealthCare", "shared/FINGERPRINTS.md (registered org root)"},
  VendorRoot{"1.3.46.670589", "Philips", "shared/FINGERPRINTS.md (registered org root)"},
  VendorRoot{"1.3.12.2.1107", "Siemens Healthineers", "shared/FINGERPRINTS.md (registered org root)"},
  VendorRoot{"2.16.840.1.113669", "Merge Healthcare",
             "Engin-Boot/transfer-images-s1b5 mergecom.pro (IMPLEMENTATION_CLASS_UID sample)"},
};
// clang-format on

constexpr auto kEntries = [] {
  std::array<CatalogueEntry, kRules.size()> out{};
  for (std::size_t i = 0; i < kRules.size(); ++i) out[i] = kRules[i].entry;
  return out;
}();

}  // namespace

std::span<const Rule> rules() { return kRules; }
std::span<const VendorRoot> vendor_roots() { return kVendors; }

}  // namespace dicomsec::fingerprint::detail

namespace dicomsec::fingerprint {
std::span<const CatalogueEntry> catalogue() { return detail::kEntries; }
}  // namespace dicomsec::fingerprint
