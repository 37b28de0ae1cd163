// Writes the fuzz seed corpora (tests/fuzz/corpus/dul_*/) from the sample PDUs and
// command sets when DICOMSEC_WRITE_DUL_CORPUS names the tests/fuzz/corpus directory:
//   DICOMSEC_WRITE_DUL_CORPUS=$PWD/tests/fuzz/corpus ./test_dul --gtest_filter='dulCorpus.*'
// Otherwise the test is skipped. Input formats are documented in the fuzz targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "samples.hpp"
#include "storescp_367_ac.inc"

namespace dicomsec::dul {
namespace {

void write_file(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes with_prefix(std::uint8_t prefix, const Bytes& body) {
  // Sized up front: GCC 12 at -O3 warns falsely (-Warray-bounds) on insert after a
  // one-element initializer list.
  Bytes out(body.size() + 1);
  out[0] = prefix;
  std::copy(body.begin(), body.end(), out.begin() + 1);
  return out;
}

TEST(dulCorpus, Write) {
  const char* root = std::getenv("DICOMSEC_WRITE_DUL_CORPUS");
  if (root == nullptr) GTEST_SKIP() << "DICOMSEC_WRITE_DUL_CORPUS not set";
  namespace fs = std::filesystem;
  const fs::path pdu_dir = fs::path(root) / "dul_pdu";
  const fs::path dimse_dir = fs::path(root) / "dul_dimse";
  fs::create_directories(pdu_dir);
  fs::create_directories(dimse_dir);

  // dul_pdu: byte 0 seeds the chunking, the rest is a PDU stream.
  const char* names[] = {"rq", "ac_full", "rj", "pdata", "release_rq", "release_rp", "abort"};
  auto pdus = samples::all_pdus();
  for (std::size_t i = 0; i < pdus.size(); ++i)
    write_file(pdu_dir / (std::string("seed_") + names[i]),
               with_prefix(static_cast<std::uint8_t>(i), encode(pdus[i]).value()));
  write_file(pdu_dir / "seed_stream_all", with_prefix(0x11, samples::concat(pdus)));
  write_file(pdu_dir / "seed_storescp_367_ac",
             with_prefix(0x07, Bytes(std::begin(kStorescp367Ac), std::end(kStorescp367Ac))));

  // dul_dimse: byte 0 picks the P-DATA max length for re-fragmentation, the rest is a
  // command set (also read as a PDV script by the target).
  auto commands = samples::commands();
  for (std::size_t i = 0; i < commands.size(); ++i)
    write_file(dimse_dir / ("seed_cmd_" + std::string(dimse::command_name(commands[i].field))),
               with_prefix(static_cast<std::uint8_t>(16 + i), dimse::encode_command(commands[i])));
}

}  // namespace
}  // namespace dicomsec::dul
