// Internal: the user-information item (PS3.8 9.3.2.3, PS3.7 Annex D.3.3) and the item
// budget that caps how many items one PDU may carry (Limits::max_items).
#pragma once

#include <cstddef>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "dul/pdu.hpp"
#include "dul/wire.hpp"

namespace dicomsec::dul::detail {

class ItemBudget {
 public:
  explicit ItemBudget(std::size_t max) noexcept : left_(max) {}
  // Spends one item; false when the cap is reached.
  bool spend() noexcept {
    if (left_ == 0) return false;
    --left_;
    return true;
  }

 private:
  std::size_t left_;
};

// Writes the whole 0x50 item (header included).
void encode_user_info(wire::Encoder& e, const UserInformation& ui);
// Decodes the body of a 0x50 item (the bytes after its 4-byte header). Tolerated
// deviations (trailing bytes in a sub-item, unknown sub-items) go to *notes if given.
Result<UserInformation> decode_user_info(ByteReader body, ItemBudget& budget,
                                         std::vector<std::string>* notes = nullptr);

}  // namespace dicomsec::dul::detail
