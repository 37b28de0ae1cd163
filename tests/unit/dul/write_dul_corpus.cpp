// Generator, not a test: writes the fuzz seed corpora (tests/fuzz/corpus/dul_*/) from the
// sample PDUs and command sets of the unit tests. Built with the tests, never run by ctest:
//   build/dev/tests/unit/dul/write_dul_corpus tests/fuzz/corpus
// Input formats are documented in the fuzz targets.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "../../fuzz/dul_association_common.hpp"
#include "samples.hpp"
#include "storescp_367_ac.inc"

namespace dicomsec::dul {
namespace {

bool write_file(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return static_cast<bool>(out);
}

Bytes with_prefix(std::uint8_t prefix, const Bytes& body) {
  // Sized up front: GCC 12 at -O3 warns falsely (-Warray-bounds) on insert after a
  // one-element initializer list.
  Bytes out(body.size() + 1);
  out[0] = prefix;
  std::copy(body.begin(), body.end(), out.begin() + 1);
  return out;
}

// Writes every seed under root; false on the first file that could not be written.
bool write_corpus(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  const fs::path pdu_dir = root / "dul_pdu";
  const fs::path dimse_dir = root / "dul_dimse";
  fs::create_directories(pdu_dir);
  fs::create_directories(dimse_dir);
  bool ok = true;

  // dul_pdu: byte 0 seeds the chunking, the rest is a PDU stream.
  const char* names[] = {"rq", "ac_full", "rj", "pdata", "release_rq", "release_rp", "abort"};
  auto pdus = samples::all_pdus();
  for (std::size_t i = 0; i < pdus.size(); ++i)
    ok = ok && write_file(pdu_dir / (std::string("seed_") + names[i]),
                          with_prefix(static_cast<std::uint8_t>(i), encode(pdus[i]).value()));
  ok = ok && write_file(pdu_dir / "seed_stream_all", with_prefix(0x11, samples::concat(pdus)));
  ok = ok &&
       write_file(pdu_dir / "seed_storescp_367_ac",
                  with_prefix(0x07, Bytes(std::begin(kStorescp367Ac), std::end(kStorescp367Ac))));

  // dul_dimse: byte 0 picks the P-DATA max length for re-fragmentation, the rest is a
  // command set (also read as a PDV script by the target); both go to an acceptor engine.
  auto commands = samples::commands();
  for (std::size_t i = 0; i < commands.size(); ++i)
    ok = ok &&
         write_file(
             dimse_dir / ("seed_cmd_" + std::string(dimse::command_name(commands[i].field))),
             with_prefix(static_cast<std::uint8_t>(16 + i), dimse::encode_command(commands[i])));
  // dul_association_*: byte 0 seeds the chunking, byte 1 the user's policy, then the peer's
  // bytes (tests/fuzz/dul_association_common.hpp).
  auto pdata = [](std::uint8_t ctx, const dimse::Command& c, const Bytes& data) {
    return dimse::encode_pdata(ctx, dimse::encode_command(c), data.empty() ? nullptr : &data, 1024);
  };
  auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  auto pdu = [](const Pdu& p) { return encode(p).value(); };
  auto two = [](std::uint8_t a, std::uint8_t b, const Bytes& body) {
    Bytes out{a, b};
    out.insert(out.end(), body.begin(), body.end());
    return out;
  };
  const auto rq = fuzz::fuzz_rq();
  const auto cmds = samples::commands();
  auto store = cmds[5];
  const Bytes ds(3000, 0x5A);
  const fs::path req_dir = root / "dul_association_requestor";
  const fs::path acc_dir = root / "dul_association_acceptor";
  const fs::path obs_dir = root / "dul_association_observer";
  for (const auto& d : {req_dir, acc_dir, obs_dir}) fs::create_directories(d);
  const Bytes ac = pdu(fuzz::accept_all(rq));
  ok = ok && write_file(req_dir / "seed_echo_release",
                        two(3, 0, cat({ac, pdata(1, cmds[1], {}), pdu(ReleaseRp{})})));
  ok = ok && write_file(req_dir / "seed_peer_release_collision",
                        two(5, 6, cat({ac, pdu(ReleaseRq{}), pdu(ReleaseRp{})})));
  ok = ok && write_file(req_dir / "seed_dcmtk_ac",
                        two(7, 2, Bytes(std::begin(kStorescp367Ac), std::end(kStorescp367Ac))));
  ok = ok && write_file(req_dir / "seed_rj", two(1, 0, pdu(AssociateRj{1, 1, 7})));
  // PS3.8 9.3.3.2 regressions: ACs whose answers the proposal does not allow (AA-8).
  auto ac_unproposed = fuzz::accept_all(rq);
  ac_unproposed.contexts.push_back({5, PcResult::Acceptance, "1.2.840.10008.1.2"});
  ok = ok && write_file(req_dir / "seed_ac_unproposed_id",
                        two(3, 6, cat({pdu(ac_unproposed), pdata(5, cmds[1], {})})));
  auto ac_repeated = fuzz::accept_all(rq);
  ac_repeated.contexts.push_back(ac_repeated.contexts.front());
  ok = ok && write_file(req_dir / "seed_ac_repeated_id",
                        two(2, 0, cat({pdu(ac_repeated), pdu(Abort{0, 0})})));
  ok = ok && write_file(req_dir / "seed_abort", two(1, 0, cat({ac, pdu(Abort{2, 1})})));
  const Bytes rq_bytes = pdu(rq);
  ok = ok && write_file(acc_dir / "seed_echo_release",
                        two(3, 2, cat({rq_bytes, pdata(1, cmds[0], {}), pdu(ReleaseRq{})})));
  ok = ok && write_file(acc_dir / "seed_store",
                        two(9, 10, cat({rq_bytes, pdata(3, store, ds), pdu(ReleaseRq{})})));
  ok = ok && write_file(acc_dir / "seed_reject", two(2, 1, rq_bytes));
  ok = ok && write_file(acc_dir / "seed_sample_rq", two(4, 0, pdu(samples::associate_rq())));
  const Bytes up = cat({rq_bytes, pdata(3, store, ds), pdata(1, cmds[0], {}), pdu(ReleaseRq{})});
  const Bytes down = cat({ac, pdata(3, cmds[1], {}), pdata(1, cmds[1], {}), pdu(ReleaseRp{})});
  // Observer: the two halves are the two directions (padded to the same length).
  Bytes both = up;
  Bytes down_padded = down;
  while (down_padded.size() < both.size()) down_padded.push_back(0);
  while (both.size() < down_padded.size()) both.push_back(0);
  both.insert(both.end(), down_padded.begin(), down_padded.end());
  ok = ok && write_file(obs_dir / "seed_flow", two(0x21, 0, both));
  ok = ok && write_file(obs_dir / "seed_flow_mid", two(0x33, 1, both));
  // The acceptor answers id 5, which was not proposed, and data follows on it.
  const Bytes up5 = cat({rq_bytes, pdata(5, store, ds), pdu(ReleaseRq{})});
  const Bytes down5 = cat({pdu(ac_unproposed), pdata(5, cmds[1], {}), pdu(ReleaseRp{})});
  Bytes both5 = up5;
  Bytes down5_padded = down5;
  while (down5_padded.size() < both5.size()) down5_padded.push_back(0);
  while (both5.size() < down5_padded.size()) both5.push_back(0);
  both5.insert(both5.end(), down5_padded.begin(), down5_padded.end());
  ok = ok && write_file(obs_dir / "seed_flow_unproposed_id", two(0x21, 0, both5));
  return ok;
}

}  // namespace
}  // namespace dicomsec::dul

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR   (tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  if (!dicomsec::dul::write_corpus(argv[1])) {
    std::fprintf(stderr, "%s: could not write the corpus under %s\n", argv[0], argv[1]);
    return 1;
  }
  std::printf("wrote the dul_pdu, dul_dimse and dul_association_* seeds under %s\n", argv[1]);
  return 0;
}
