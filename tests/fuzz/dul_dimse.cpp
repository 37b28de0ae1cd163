// libFuzzer target for the DIMSE command decoder and PDV reassembly (PS3.7 Annex E,
// PS3.8 Annex E.2). Input: byte 0 chooses a peer max PDU length, the rest is
//  (a) decoded as a command set; a decoded command must re-encode stably and survive
//      fragmentation by make_pdata and reassembly by MessageAssembler;
//  (b) read as a PDV script (control byte, length byte, data) fed to a MessageAssembler.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dul/dimse.hpp"

namespace {

using namespace dicomsec;

void check_command_roundtrip(ByteView bytes, std::uint32_t peer_max) {
  auto cmd = dimse::decode_command(bytes);
  if (!cmd) return;
  Bytes encoded = dimse::encode_command(*cmd);
  auto again = dimse::decode_command(encoded);
  if (!again || dimse::encode_command(*again) != encoded) std::abort();

  const Bytes data_set(bytes.begin(), bytes.end());
  const bool with_data = again->has_data_set();
  auto pdus = dimse::make_pdata(1, encoded, with_data ? &data_set : nullptr, peer_max);
  dimse::MessageAssembler m;
  bool command_seen = false;
  bool data_seen = false;
  for (const auto& pdu : pdus) {
    for (const auto& pdv : std::get<dul::PData>(pdu).pdvs) {
      switch (m.add(pdv)) {
        case dimse::MessageAssembler::Status::CommandReady:
          if (m.command() != *again) std::abort();
          command_seen = true;
          break;
        case dimse::MessageAssembler::Status::DataSetReady:
          if (m.data_set() != data_set) std::abort();
          data_seen = true;
          break;
        case dimse::MessageAssembler::Status::Error: std::abort();
        case dimse::MessageAssembler::Status::NeedMore: break;
      }
    }
  }
  if (!command_seen || data_seen != with_data) std::abort();
}

void run_pdv_script(ByteView script) {
  dimse::MessageAssembler m(4096);
  ByteReader r(script);
  while (!r.empty()) {
    auto control = r.u8();
    auto len = r.u8();
    if (!control || !len) return;
    auto data = r.take(*len);
    if (!data) return;
    dul::Pdv pdv{static_cast<std::uint8_t>(1 + ((*control >> 2) & 1)), (*control & 1) != 0,
                 (*control & 2) != 0, Bytes(data->begin(), data->end())};
    auto st = m.add(pdv);
    if (st == dimse::MessageAssembler::Status::Error) return;
    if (st == dimse::MessageAssembler::Status::CommandReady)
      (void)dimse::status_name(m.command().status.value_or(0));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ByteView input(data, size);
  std::uint32_t peer_max = input[0] == 0 ? 0 : 6U + input[0];
  check_command_roundtrip(input.subspan(1), peer_max);
  run_pdv_script(input.subspan(1));
  return 0;
}
