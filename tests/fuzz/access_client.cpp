// Feeds arbitrary peer bytes to the access-check client (levels auth/intrusive) after a
// well-formed A-ASSOCIATE-AC, as a hostile server would answer our C-FIND/C-MOVE/C-GET/
// C-STORE requests. Byte 0 chooses the chunk size and the C-FIND cap. The client must end in
// a defined state with no crash.
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

#include "dicom/uids.hpp"
#include "probes/dicom_ul/access_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  if (size < 1) return 0;
  probes::AccessPlan plan;
  plan.find_cap = 1 + (data[0] >> 6);
  plan.retrieve_study_uid = "2.25.1.4.1";
  std::mt19937_64 rng(1);
  plan.store = dicom::make_test_object(rng, "20260101");
  plan.ops.push_back(probes::AccessOp::Store);
  dul::Limits limits;
  limits.max_pdu_length = 64 * 1024;
  probes::AccessClient client(plan, {}, limits);
  (void)client.start();
  dul::AssociateAc ac;
  ac.called_ae = "ANY-SCP";
  ac.calling_ae = "DICOMSEC";
  ac.application_context = std::string(dicom::uid::kApplicationContext);
  for (const auto& pc : probes::AccessClient::contexts(true))
    ac.contexts.push_back({pc.id, dul::PcResult::Acceptance, pc.transfer_syntaxes[(data[0] >> 5) & 1]});
  ac.user_info.max_length = 16384;
  (void)client.on_bytes(dul::encode(dul::Pdu{ac}).value());
  const std::size_t chunk = 1 + (data[0] & 31) * 8;
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (!rest.empty() && !client.done()) {
    const auto n = std::min(chunk, rest.size());
    (void)client.on_bytes(rest.first(n));
    rest = rest.subspan(n);
  }
  client.on_closed();
  return 0;
}
