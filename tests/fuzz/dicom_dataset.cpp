// libFuzzer target for the data set reader (src/dicom/dataset.hpp), which walks identifiers
// sent by untrusted peers. Byte 0: bit 0 chooses implicit/explicit VR, bits 1-3 a small
// element cap; the rest is the data set. The reader must end in Ready*, then NeedMore or
// Error, never read out of bounds, and its views must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dicom/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dicomsec;
  if (size < 1) return 0;
  const auto encoding = (data[0] & 1) != 0 ? dicom::VrEncoding::Explicit : dicom::VrEncoding::Implicit;
  dicom::ReaderLimits limits;
  limits.max_elements = 16U << ((data[0] >> 1) & 7);
  limits.max_depth = 1 + ((data[0] >> 4) & 7);
  ByteView input(data + 1, size - 1);
  dicom::DatasetReader r(input, encoding, limits);
  std::size_t steps = 0;
  while (r.next() == DecodeStatus::Ready) {
    const auto& v = r.element().value;
    if (!v.empty() && (v.data() < input.data() || v.data() + v.size() > input.data() + input.size()))
      std::abort();
    if (++steps > limits.max_elements) std::abort();  // the cap must hold
  }
  (void)dicom::count_top_level(input, encoding, limits);
  return 0;
}
