// libFuzzer target for the DIMSE command decoder and the association engine's streaming
// DIMSE assembly (PS3.7 Annex E, PS3.8 Annex E.2). An acceptor dul::Association is brought
// to Sta6 by a fixed A-ASSOCIATE-RQ (contexts 1 and 3); then the input, whose byte 0 picks
// a peer max PDU length and whose rest is
//  (a) decoded as a command set: a decoded command must re-encode stably, and once
//      fragmented by dimse::append_pdata and fed to the engine it must come back as exactly
//      that command (and its data set, if it announces one) without an abort;
//  (b) read as a PDV script (control byte, length byte, data), each PDV sent as one P-DATA:
//      the engine must keep Table 9-10's rules, send only whole PDUs and bound its memory.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "dul/association.hpp"
#include "dul/dimse.hpp"
#include "dul_association_common.hpp"

namespace {

using namespace dicomsec;

constexpr std::size_t kMaxCommand = 4096;

dul::Association established(bool buffer_whole) {
  dul::AssociationOptions opts{
      .role = dul::Role::Acceptor,
      .limits =
          dul::Limits{.max_pdu_length = 1U << 24, .max_items = 4096, .max_buffered = 1U << 26},
      .max_command_bytes = kMaxCommand};
  if (buffer_whole) opts.buffer_data_set = [](std::uint8_t, const dimse::Command&) { return true; };
  dul::Association a(std::move(opts));
  const auto rq = fuzz::fuzz_rq();
  a.transport_connected();
  auto got = a.receive(dul::encode(dul::Pdu{rq}).value());
  if (got.indications.empty()) std::abort();
  auto ac = a.accept(fuzz::accept_all(rq));
  if (!ac || !a.established()) std::abort();
  return a;
}

void check_command_roundtrip(ByteView bytes, std::uint32_t peer_max) {
  auto cmd = dimse::decode_command(bytes);
  if (!cmd) return;
  Bytes encoded = dimse::encode_command(*cmd);
  auto again = dimse::decode_command(encoded);
  if (!again || dimse::encode_command(*again) != encoded) std::abort();
  if (encoded.size() > kMaxCommand) return;  // the engine's cap, checked by (b)

  const Bytes data_set(bytes.begin(), bytes.end());
  const bool with_data = again->has_data_set();
  const Bytes wire = dimse::encode_pdata(1, encoded, with_data ? &data_set : nullptr, peer_max);
  for (bool whole : {false, true}) {
    auto a = established(whole);
    auto out = a.receive(wire);
    fuzz::check_output(a, out);
    if (!a.established() || !out.send.empty()) std::abort();
    std::size_t commands = 0;
    bool data_done = false;
    Bytes data;
    for (const auto& i : out.indications) {
      if (const auto* c = std::get_if<dul::ind::Command>(&i)) {
        if (c->command != *again || c->raw != encoded || c->context_id != 1) std::abort();
        ++commands;
      } else if (const auto* d = std::get_if<dul::ind::DataChunk>(&i)) {
        if (whole || data_done) std::abort();
        data.insert(data.end(), d->bytes.begin(), d->bytes.end());
        data_done = d->last;
      } else if (const auto* s = std::get_if<dul::ind::DataSet>(&i)) {
        if (!whole || data_done) std::abort();
        data = s->bytes;
        data_done = true;
      } else {
        std::abort();
      }
    }
    if (commands != 1 || data_done != with_data || (with_data && data != data_set)) std::abort();
  }
}

void run_pdv_script(ByteView script, std::uint32_t peer_max) {
  auto a = established(peer_max & 1);
  ByteReader r(script);
  while (!r.empty() && a.established()) {
    auto control = r.u8();
    auto len = r.u8();
    if (!control || !len) return;
    auto data = r.take(*len);
    if (!data) return;
    dul::Pdv pdv{static_cast<std::uint8_t>(1 + 2 * ((*control >> 2) & 1)), (*control & 1) != 0,
                 (*control & 2) != 0, Bytes(data->begin(), data->end())};
    auto out = a.receive(dul::encode(dul::Pdu{dul::PData{{std::move(pdv)}}}).value());
    fuzz::check_output(a, out);
    for (const auto& i : out.indications)
      if (const auto* c = std::get_if<dul::ind::Command>(&i))
        (void)dimse::status_name(c->command.status.value_or(0));
    if (a.buffered_bytes() > kMaxCommand + script.size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ByteView input(data, size);
  std::uint32_t peer_max = input[0] == 0 ? 0 : 6U + input[0];
  check_command_roundtrip(input.subspan(1), peer_max);
  run_pdv_script(input.subspan(1), peer_max);
  return 0;
}
