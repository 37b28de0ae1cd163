#include "findings/honeypot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "core/version.hpp"

namespace dicomsec::findings {

namespace {

using record::AssociationResult;

// Weights and sources; the checks below refer to them by index.
constexpr std::array kSignals{
    HoneypotSignal{"no-implementation-class-uid", 3,
                   "nsmfoo/dicompot contextmanager.go (onAssociateRequest: user information "
                   "carries the maximum length only)"},
    HoneypotSignal{"unknown-abstract-syntax-accepted", 3,
                   "nsmfoo/dicompot contextmanager.go (onAssociateRequest: every context "
                   "result 0, first transfer syntax)"},
    HoneypotSignal{"go-netdicom-max-pdu", 1,
                   "nsmfoo/dicompot serviceprovider.go (DefaultMaxPDUSize = 4 MiB)"},
    HoneypotSignal{"pynetdicom-max-pdu-with-borrowed-identity", 3,
                   "honeynet/DICOMHawk dicom_server/core/dicom_application.py (pynetdicom AE "
                   "announcing OFFIS_DCMTK_362), dicom_server/core/vendor_personas.py"},
    HoneypotSignal{"dicomhawk-persona", 2,
                   "honeynet/DICOMHawk dicom_server/core/vendor_personas.py"},
    HoneypotSignal{"called-ae-reject-protocol-version", 3,
                   "nsmfoo/dicompot statemachine.go (AE-6 with -enforce: wrong called AE "
                   "rejected with source 2 reason 2)"},
    // Level auth: the C-FIND answers of the access checks (record access.find.answers).
    HoneypotSignal{"find-level-ignored", 3,
                   "nsmfoo/dicompot server/server.go (findMatchingFiles: one row per stored "
                   "file whatever the query level); PS3.4 C.4.1.1.3.2 (answers at the level asked)"},
    HoneypotSignal{"find-whole-data-set", 3,
                   "PS3.4 C.4.1.1.3.2: an answer carries the keys asked for, never Image Pixel "
                   "attributes or pixel data (naive pynetdicom handlers that yield the stored file)"},
    HoneypotSignal{"find-unrequested-attributes", 1,
                   "honeynet/DICOMHawk dicom_server/core/dicomdb.py (get_studyRoot_dataset fills "
                   "a fixed set of 12 attributes whatever was asked)"},
    HoneypotSignal{"find-level-missing", 1,
                   "honeynet/DICOMHawk dicom_server/core/dicomdb.py (answers without "
                   "QueryRetrieveLevel); nsmfoo/dicompot server/server.go (the level echoed "
                   "empty); PS3.4 C.4.1.1.3.2 requires it"},
    HoneypotSignal{"dicomhawk-study-answer", 2,
                   "honeynet/DICOMHawk dicom_server/core/dicomdb.py (get_studyRoot_dataset: "
                   "StudyDate ... ModalitiesInStudy, NumberOfStudyRelatedInstances)"},
    // Level auth: the web probe's GET / (record web.title, web.login_page).
    HoneypotSignal{"honeypot-web-title", 3,
                   "honeynet/DICOMHawk flask_logging_server/templates/base.html, "
                   "src/web/templates/landing.html (page titles naming DICOMHawk)"},
    HoneypotSignal{"dicomhawk-login-page", 2,
                   "honeynet/DICOMHawk src/profiles/generic-pacs/web/templates/login.html "
                   "(title 'PACS Web Login' over a password form)"},
};
enum Index : std::size_t {
  kNoUid,
  kUnknownContext,
  kGoPdu,
  kPynetdicomPdu,
  kPersona,
  kRejectVersion,
  kFindLevel,
  kFindWhole,
  kFindUnrequested,
  kFindLevelMissing,
  kDicomHawkStudy,
  kWebTitle,
  kWebLogin
};

// More distinct unrequested attributes than this in one query's answers is a weak signal: a
// real SCP returns the keys asked for plus the few PS3.4 C.4.1.1.3.2 allows.
constexpr std::uint32_t kManyUnrequested = 8;

// DICOMHawk's STUDY-level answer (get_studyRoot_dataset), less the Study Instance UID we ask
// for: Study Date/Time, Accession Number, Study ID, Institution Name, Patient's Birth Date,
// Sex, Name, ID, Number of Study Related Instances, Modalities in Study.
constexpr std::array<std::string_view, 11> kDicomHawkStudyTags{
    "(0008,0020)", "(0008,0030)", "(0008,0050)", "(0008,0061)", "(0008,0080)", "(0010,0010)",
    "(0010,0020)", "(0010,0030)", "(0010,0040)", "(0020,0010)", "(0020,1208)"};

// Case-insensitive substring test for ASCII titles.
bool contains_word(std::string_view text, std::string_view word) {
  auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < word.size() && low(text[i + k]) == word[k]) ++k;
    if (k == word.size()) return true;
  }
  return false;
}

// pynetdicom's default maximum PDU length (AE.maximum_pdu_size); DCMTK, Orthanc and dcm4che
// announce other values (16384, 16384, 16378 by default).
constexpr std::uint32_t kPynetdicomDefaultPdu = 16382;
// go-netdicom, and dicompot on it: DefaultMaxPDUSize = 4 << 20.
constexpr std::uint32_t kGoNetdicomPdu = 4u << 20;
// pynetdicom's own implementation class UID root (PYNETDICOM_IMPLEMENTATION_UID).
constexpr std::string_view kPynetdicomRoot = "1.2.826.0.1.3680043.9.3811.";
// DCMTK's implementation class UID root (OFFIS), which DICOMHawk announces.
constexpr std::string_view kDcmtkRoot = "1.2.276.0.7230010.3.";

struct Persona {
  std::string_view uid, version_name, label;
};
// DICOMHawk's vendor personas. Its default identity (DCMTK 3.6.2's own UID and name) is left
// out: a real DCMTK 3.6.2 announces the same pair; the 16382 maximum PDU gives that one away.
constexpr std::array kPersonas{
    Persona{"1.2.840.113619.6.96", "GE_PACS_REV_24", "ge_ct"},
    Persona{"1.3.12.2.1107.5.2", "syngo CT VA48A", "siemens_ct"},
    Persona{"1.3.46.670589.11", "PHILIPS_MR_56.1", "philips_mr"},
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The protocol-version reject (PS3.8 9.3.4: source 2 ACSE provider, reason 2) answers an RQ
// whose version bit 0 is clear; ours always sets it, so a real SCP never sends it to us.
bool protocol_version_reject(const std::optional<record::RejectRecord>& rj) {
  return rj && rj->source == 2 && rj->reason == 2;
}

// The peer names a toolkit other than pynetdicom: DCMTK's UID root or version name (what
// DICOMHawk borrows), a DICOMHawk persona, or a fingerprint catalogue row whose toolkit is not
// pynetdicom. A program on pynetdicom under its own organisation's UID claims nothing, so it
// stays unflagged.
bool claims_other_toolkit(const record::ScanRecord& r, std::string_view uid, std::string_view name,
                          bool persona) {
  if (persona || starts_with(uid, kDcmtkRoot) || starts_with(name, "OFFIS_DCMTK")) return true;
  return r.product && r.product->name != "unknown" && !r.product->toolkit.empty() &&
         r.product->toolkit != "unknown" && r.product->toolkit != "pynetdicom";
}

record::HoneypotRecord finish(record::HoneypotRecord h, int score) {
  h.likely = score >= 3;
  h.confidence = score >= 5 ? "high" : score >= 3 ? "medium" : score > 0 ? "low" : "none";
  return h;
}

}  // namespace

std::span<const HoneypotSignal> honeypot_signals() { return kSignals; }

namespace {

// Level auth, the C-FIND answers: a query answered at another level, with a lower level's keys,
// or with image attributes and pixel data (record access.find.answers; tags, never values).
void judge_find_answers(const record::ScanRecord& r,
                        const std::function<void(Index, std::string)>& fire) {
  if (!r.access) return;
  const auto& f = r.access->find;
  std::optional<std::string> level, whole, many, missing, hawk;
  for (const auto& [asked, shape] :
       {std::pair{"PATIENT", &f.patient_answers}, std::pair{"STUDY", &f.study_answers}}) {
    if (!*shape) continue;
    const auto& s = **shape;
    for (const auto& l : s.levels) {
      const bool known = l == "PATIENT" || l == "STUDY" || l == "SERIES" || l == "IMAGE";
      if (!level && known && l != asked)
        level = fmt::format("a {}-level C-FIND answered with {}-level identifiers", asked, l);
      if (!missing && (l == "absent" || l == "empty"))
        missing = fmt::format("a {}-level C-FIND answered without a Query/Retrieve Level", asked);
    }
    if (!level && s.lower_level_keys)
      level = fmt::format("a {}-level C-FIND answered with a lower level's unique keys", asked);
    // One row per stored instance: at least half the rows repeat a key (a real SCP answers one
    // row per patient or study; a few repeated Patient IDs across issuers stay below that).
    if (!level && s.duplicate_keys >= 2 && 2 * s.duplicate_keys >= s.identifiers)
      level = fmt::format("a {}-level C-FIND answered {} rows of which {} repeat a unique key", asked,
                          s.identifiers, s.duplicate_keys);
    if (!whole && (s.pixel_data || s.image_attributes))
      whole = fmt::format("a {}-level C-FIND answered with {}", asked,
                          s.pixel_data ? "pixel data" : "Image Pixel attributes (group 0028)");
    if (!many && s.unrequested_count > kManyUnrequested)
      many = fmt::format("a {}-level C-FIND answered with {} attributes it did not ask for", asked,
                         s.unrequested_count);
    if (!hawk && std::string_view(asked) == "STUDY" &&
        s.unrequested_tags.size() == kDicomHawkStudyTags.size() &&
        std::equal(s.unrequested_tags.begin(), s.unrequested_tags.end(),
                   kDicomHawkStudyTags.begin()))
      hawk = "the STUDY-level answers carry exactly DICOMHawk's fixed attribute set";
  }
  if (level) fire(kFindLevel, *level);
  if (whole) fire(kFindWhole, *whole);
  if (many) fire(kFindUnrequested, *many);
  if (missing) fire(kFindLevelMissing, *missing);
  if (hawk) fire(kDicomHawkStudy, *hawk);
}

// Level auth, the web probe's GET /: a title that names a honeypot, or DICOMHawk's generic
// login page (record web.title, web.login_page).
void judge_web_page(const record::ScanRecord& r,
                    const std::function<void(Index, std::string)>& fire) {
  if (!r.web || !r.web->title) return;
  const auto& title = *r.web->title;
  if (contains_word(title, "dicomhawk") || contains_word(title, "honeypot"))
    fire(kWebTitle, fmt::format("GET / page title '{}' names a honeypot", title));
  else if (r.web->login_page && title == "PACS Web Login")
    fire(kWebLogin,
         "GET / is DICOMHawk's generic login page ('PACS Web Login' over a password form)");
}

}  // namespace

std::optional<record::HoneypotRecord> assess_honeypot(const record::ScanRecord& r) {
  const bool dicom_answer =
      r.association && (r.association->result == AssociationResult::Accepted ||
                        r.association->result == AssociationResult::Rejected || r.dicom);
  if (!dicom_answer && !r.web) return std::nullopt;

  record::HoneypotRecord h;
  int score = 0;
  auto fire = [&](Index i, std::string why) {
    score += kSignals[i].weight;
    h.evidence.push_back(fmt::format("{}: {}", kSignals[i].id, why));
  };
  judge_web_page(r, fire);
  if (!dicom_answer) return finish(h, score);
  const auto& a = *r.association;
  const bool accepted = a.result == AssociationResult::Accepted;

  if (accepted && !a.implementation_class_uid)
    fire(kNoUid, "A-ASSOCIATE-AC without the implementation class UID PS3.7 D.3.3.2 requires");
  if (accepted &&
      std::any_of(a.accepted_contexts.begin(), a.accepted_contexts.end(),
                  [](const auto& c) { return c.abstract_syntax == kUnknownAbstractSyntaxUid; }))
    fire(kUnknownContext, fmt::format("accepted the abstract syntax {}, which no SOP class has",
                                      kUnknownAbstractSyntaxUid));
  if (accepted && a.max_pdu == kGoNetdicomPdu)
    fire(kGoPdu, "maximum PDU length 4194304, go-netdicom's default");

  const std::string uid = a.implementation_class_uid.value_or("");
  const std::string name = a.implementation_version_name.value_or("");
  const Persona* persona = nullptr;
  for (const auto& p : kPersonas)
    if (uid == p.uid && name == p.version_name) persona = &p;
  if (accepted && a.max_pdu == kPynetdicomDefaultPdu && !uid.empty() &&
      !starts_with(uid, kPynetdicomRoot) && claims_other_toolkit(r, uid, name, persona != nullptr))
    fire(kPynetdicomPdu,
         "maximum PDU length 16382 (pynetdicom's default) under another toolkit's identity");
  if (persona)
    fire(kPersona, fmt::format("implementation class UID and version name are DICOMHawk's {} "
                               "persona",
                               persona->label));

  if (protocol_version_reject(a.reject))
    fire(kRejectVersion,
         "our A-ASSOCIATE-RQ (protocol version 1) rejected as 'protocol version "
         "not supported'");
  else if (r.called_ae_check && protocol_version_reject(r.called_ae_check->reject))
    fire(kRejectVersion, "a random called AE title rejected as 'protocol version not supported'");

  judge_find_answers(r, fire);
  return finish(h, score);
}

}  // namespace dicomsec::findings
