// libFuzzer target for probes/tls/cert_info: a certificate as the server sent it (DER) read
// into the record's facts. The first byte chooses DER (even) or PEM (odd) for the rest, so
// both entry points are reached; the time it is judged at is fixed.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "probes/tls/cert_info.hpp"

namespace {
void touch(const dicomsec::record::TlsCertRecord& r) {
  volatile std::size_t sink = r.subject.size() + r.issuer.size() + r.not_before.size() +
                              r.not_after.size() + r.key_type.size() + r.sig_alg.size() +
                              r.sha256.size() + r.key_bits;
  for (const auto& s : r.sans) sink = sink + s.size();
  (void)sink;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  if ((data[0] & 1U) == 0) {
    if (auto r = dicomsec::probes::tls::cert_from_der(rest, kNow)) touch(*r);
  } else {
    const std::string_view pem(reinterpret_cast<const char*>(rest.data()), rest.size());
    for (const auto& r : dicomsec::probes::tls::certs_from_pem(pem, kNow)) touch(r);
  }
  return 0;
}
