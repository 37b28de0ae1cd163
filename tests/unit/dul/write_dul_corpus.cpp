// Generator, not a test: writes the fuzz seed corpora (tests/fuzz/corpus/dul_*/) from the
// sample PDUs and command sets of the unit tests. Built with the tests, never run by ctest:
//   build/dev/tests/unit/dul/write_dul_corpus tests/fuzz/corpus
// Input formats are documented in the fuzz targets.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

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
                          with_prefix(static_cast<std::uint8_t>(i), encode(pdus[i])));
  ok = ok && write_file(pdu_dir / "seed_stream_all", with_prefix(0x11, samples::concat(pdus)));
  ok = ok &&
       write_file(pdu_dir / "seed_storescp_367_ac",
                  with_prefix(0x07, Bytes(std::begin(kStorescp367Ac), std::end(kStorescp367Ac))));

  // dul_dimse: byte 0 picks the P-DATA max length for re-fragmentation, the rest is a
  // command set (also read as a PDV script by the target).
  auto commands = samples::commands();
  for (std::size_t i = 0; i < commands.size(); ++i)
    ok = ok &&
         write_file(
             dimse_dir / ("seed_cmd_" + std::string(dimse::command_name(commands[i].field))),
             with_prefix(static_cast<std::uint8_t>(16 + i), dimse::encode_command(commands[i])));
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
  std::printf("wrote the dul_pdu and dul_dimse seeds under %s\n", argv[1]);
  return 0;
}
