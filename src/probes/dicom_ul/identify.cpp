#include "probes/dicom_ul/identify.hpp"

#include <algorithm>
#include <string_view>

#include "dicom/uids.hpp"
#include "fingerprint/fingerprint.hpp"

namespace dicomsec::probes {

namespace {

using dicom::UidEntry;

constexpr std::string_view kStorageCommitment = "1.2.840.10008.1.20.1";

struct Behaviour {
  bool verification = false, query = false, storage = false, storage_commitment = false;
  bool storage_before_verification = false;  // order of the AC's context list
};

Behaviour observe(const record::AssociationRecord& a) {
  Behaviour b;
  for (const auto& c : a.accepted_contexts) {
    const auto e = dicom::find_sop_class(c.abstract_syntax);
    if (!e) continue;
    if (e->kind == UidEntry::Kind::Verification) b.verification = true;
    if (e->kind == UidEntry::Kind::Query) b.query = true;
    if (e->kind == UidEntry::Kind::Storage) {
      if (!b.verification) b.storage_before_verification = true;
      b.storage = true;
    }
    if (e->uid == kStorageCommitment) b.storage_commitment = true;
  }
  return b;
}

// DCMTK-based applications all send DCMTK's implementation UID and version name; what they
// accept out of our ~30 contexts, and in which order, tells the common ones apart (measured
// against DCMTK 3.6.7 and Orthanc 1.10.1, scripts/LAB-NOTES.md). Heuristics: medium or low.
struct DcmtkApplication {
  std::string_view product;      // reported name; empty keeps "DCMTK"
  std::string_view application;  // reported application
  std::string_view confidence;
  std::string_view evidence;
  bool (*matches)(const Behaviour&);
};

constexpr DcmtkApplication kDcmtkApplications[] = {
    {"Orthanc", "Orthanc", "medium",
     "accepts Storage Commitment and Query/Retrieve in the order offered (Orthanc's pattern)",
     [](const Behaviour& b) { return b.storage_commitment && b.query && !b.storage_before_verification; }},
    {"", "dcmqrscp", "low",
     "accepts Query/Retrieve and lists storage contexts before Verification (dcmqrscp's pattern)",
     [](const Behaviour& b) { return b.query && b.storage_before_verification && !b.storage_commitment; }},
    {"", "storescp", "low",
     "accepts Verification and storage but no Query/Retrieve (storescp's pattern)",
     [](const Behaviour& b) { return b.verification && b.storage && !b.query && !b.storage_commitment; }},
};

void refine_dcmtk(record::ProductRecord& p, const record::AssociationRecord& a) {
  const auto b = observe(a);
  for (const auto& app : kDcmtkApplications) {
    if (!app.matches(b)) continue;
    p.application = std::string(app.application);
    p.matched_by += "; " + std::string(app.evidence);
    if (!app.product.empty()) {
      // The version we parsed is DCMTK's, not the application's.
      p.matched_by += "; DCMTK " + p.version.value_or("?") + " inside";
      p.name = std::string(app.product);
      p.version.reset();
      p.confidence = std::string(app.confidence);
    }
    return;
  }
}

}  // namespace

void identify_product(record::ScanRecord& rec) {
  if (!rec.dicom || !rec.association) return;
  const auto& a = *rec.association;
  fingerprint::Observation obs;
  obs.implementation_class_uid = a.implementation_class_uid;
  obs.implementation_version_name = a.implementation_version_name;
  obs.max_pdu = a.max_pdu;
  for (const auto& c : a.accepted_contexts) obs.accepted_abstract_syntaxes.push_back(c.abstract_syntax);
  auto product = fingerprint::identify_or_unknown(obs);
  if (!product) return;
  rec.product = record::ProductRecord{product->name,       product->version,     product->toolkit,
                                      product->confidence, product->matched_by,  product->vendor,
                                      std::nullopt,        product->version_name};
  if (product->toolkit == "DCMTK" && product->name == "DCMTK" &&
      a.result == record::AssociationResult::Accepted)
    refine_dcmtk(*rec.product, a);
}

}  // namespace dicomsec::probes
