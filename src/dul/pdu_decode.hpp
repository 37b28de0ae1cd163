// Internal: decoding of a PDU body once the header has been read (PS3.8 9.3).
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "dul/pdu.hpp"

namespace dicomsec::dul::detail {

bool known_pdu_type(std::uint8_t type) noexcept;
// body: the bytes after the 6-byte header, exactly as many as the header's length field.
Result<Pdu> decode_body(std::uint8_t type, ByteView body, const Limits& limits);

}  // namespace dicomsec::dul::detail
