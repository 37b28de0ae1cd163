// Internal helpers shared by the PDU encoder and decoder: item type codes (PS3.8 9.3,
// PS3.7 D.3.3) and the text clean-up rules for AE titles and UIDs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace dicomsec::dul::wire {

inline constexpr std::size_t kPduHeader = 6;    // type, reserved, 32-bit length
inline constexpr std::size_t kAssocFixed = 68;  // PS3.8 9.3.2: bytes 7-74
inline constexpr std::size_t kAeTitleLength = 16;

// PS3.8 9.3.2 / 9.3.3 item types.
inline constexpr std::uint8_t kApplicationContextItem = 0x10;
inline constexpr std::uint8_t kPresentationContextRqItem = 0x20;
inline constexpr std::uint8_t kPresentationContextAcItem = 0x21;
inline constexpr std::uint8_t kAbstractSyntaxItem = 0x30;
inline constexpr std::uint8_t kTransferSyntaxItem = 0x40;
inline constexpr std::uint8_t kUserInformationItem = 0x50;

// PS3.7 D.3.3 / PS3.8 D.1 user-information sub-item types.
inline constexpr std::uint8_t kMaxLengthItem = 0x51;
inline constexpr std::uint8_t kImplementationClassItem = 0x52;
inline constexpr std::uint8_t kAsyncOpsItem = 0x53;
inline constexpr std::uint8_t kRoleSelectionItem = 0x54;
inline constexpr std::uint8_t kImplementationVersionItem = 0x55;
inline constexpr std::uint8_t kExtendedNegotiationItem = 0x56;
inline constexpr std::uint8_t kCommonExtendedItem = 0x57;
inline constexpr std::uint8_t kUserIdentityRqItem = 0x58;
inline constexpr std::uint8_t kUserIdentityAcItem = 0x59;

// PS3.8 9.3.2: AE titles are 16 bytes, space padded; leading spaces are not significant.
std::string trim_ae(ByteView raw);
// PS3.8 9.3.2.2.1 / PS3.5 9.1: UIDs may carry a trailing NUL (or, from sloppy peers,
// space) pad byte.
std::string trim_uid(ByteView raw);
std::string to_string(ByteView raw);

// A ByteWriter whose length patches check the field width first: an item that does not
// fit is recorded in `error` (the first one wins) instead of throwing, so dul::encode can
// return it as a value.
struct Encoder {
  ByteWriter w;
  std::string error;
  void patch_u16be(std::size_t at);
  void patch_u32be(std::size_t at);
};

// Writes an item header + UID body: type, reserved 0, 16-bit length (PS3.8 9.3.2.1).
void write_uid_item(Encoder& e, std::uint8_t type, std::string_view uid);
// Writes a 16-bit length followed by the text (used inside user-information sub-items).
void write_u16_prefixed(Encoder& e, ByteView value);
void write_u16_prefixed(Encoder& e, std::string_view value);

std::string hex8(std::uint8_t v);

}  // namespace dicomsec::dul::wire
