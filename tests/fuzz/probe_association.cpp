// Feeds arbitrary peer bytes to the scanner's association client, in chunks chosen by the
// input, as a hostile DICOM server would send them. The client must end in a defined state
// with no crash, and never produce more than a bounded amount of output.
#include <cstddef>
#include <cstdint>
#include <span>

#include "probes/dicom_ul/association_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  if (size < 1) return 0;
  probes::AssociationPlan plan{"DICOMSEC", "ANY-SCP", probes::default_contexts(), 64 * 1024, true};
  dul::Limits limits;
  limits.max_pdu_length = 64 * 1024;
  probes::AssociationClient client(plan, limits);
  (void)client.start();
  const std::size_t chunk = 1 + data[0] % 64;
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (!rest.empty() && !client.done()) {
    const auto n = std::min(chunk, rest.size());
    (void)client.on_bytes(rest.first(n));
    rest = rest.subspan(n);
  }
  client.on_closed();
  return 0;
}
