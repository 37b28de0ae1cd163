#include "findings/honeypot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
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
};
enum Index : std::size_t {
  kNoUid,
  kUnknownContext,
  kGoPdu,
  kPynetdicomPdu,
  kPersona,
  kRejectVersion
};

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

}  // namespace

std::span<const HoneypotSignal> honeypot_signals() { return kSignals; }

std::optional<record::HoneypotRecord> assess_honeypot(const record::ScanRecord& r) {
  if (!r.association) return std::nullopt;
  const auto& a = *r.association;
  const bool accepted = a.result == AssociationResult::Accepted;
  if (!accepted && a.result != AssociationResult::Rejected && !r.dicom) return std::nullopt;

  record::HoneypotRecord h;
  int score = 0;
  auto fire = [&](Index i, std::string why) {
    score += kSignals[i].weight;
    h.evidence.push_back(fmt::format("{}: {}", kSignals[i].id, why));
  };

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

  h.likely = score >= 3;
  h.confidence = score >= 5 ? "high" : score >= 3 ? "medium" : score > 0 ? "low" : "none";
  return h;
}

}  // namespace dicomsec::findings
