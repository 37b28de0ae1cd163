// Internal: decoding of a PDU body once the header has been read (PS3.8 9.3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "dul/pdu.hpp"

namespace dicomsec::dul::detail {

bool known_pdu_type(std::uint8_t type) noexcept;
// body: the bytes after the 6-byte header, exactly as many as the header's length field.
// Tolerated deviations are appended to *notes when given.
Result<Pdu> decode_body(std::uint8_t type, ByteView body, const Limits& limits,
                        std::vector<std::string>* notes = nullptr);

}  // namespace dicomsec::dul::detail
