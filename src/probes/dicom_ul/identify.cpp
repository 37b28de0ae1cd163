#include "probes/dicom_ul/identify.hpp"

#include "fingerprint/fingerprint.hpp"

namespace dicomsec::probes {

void identify_product(scan::ScanRecord& rec) {
  if (!rec.dicom || !rec.association) return;
  const auto& a = *rec.association;
  fingerprint::Observation obs;
  obs.implementation_class_uid = a.implementation_class_uid;
  obs.implementation_version_name = a.implementation_version_name;
  obs.max_pdu = a.max_pdu;
  for (const auto& c : a.accepted_contexts) obs.accepted_abstract_syntaxes.push_back(c.abstract_syntax);
  auto product = fingerprint::identify(obs);
  if (!product) return;
  rec.product = scan::ProductRecord{product->name,       product->version,
                                    product->toolkit,    product->confidence,
                                    product->matched_by, product->vendor};
}

}  // namespace dicomsec::probes
