// How fast the SQLite store takes and gives back records: append N realistic records in
// batches of 256 (one transaction each, as `scan --db` does), then load them, list the
// services and diff the scan against itself. Prints one line per phase.
//   store_bench [N]   (default 100000)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/diff.hpp"
#include "store/sqlite_store.hpp"

int main(int argc, char** argv) {
  using namespace dicomsec::store;
  using Clock = std::chrono::steady_clock;
  const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100000;
  std::string dir =
      (std::filesystem::temp_directory_path() / "dicomsec-store-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return 1;
  const std::string path = dir + "/bench.db";
  auto store = open_sqlite(path);
  dicomsec::report::ScanMeta meta{"", "scan", "bench", "2026-11-25T00:00:00Z", "", "0",
                                  0,  0,      false};
  meta.pairs_total = static_cast<std::uint64_t>(n);
  const auto id = store->begin_scan(meta, nlohmann::json::object());
  auto seconds = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };

  auto t = Clock::now();
  std::vector<nlohmann::json> batch;
  PositionSet done;
  for (long i = 0; i < n; ++i) {
    batch.push_back(
        {{"ip", "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) +
                    "." + std::to_string(i & 255)},
         {"port", 104},
         {"status", "success"},
         {"dicom", true},
         {"tls", false},
         {"association",
          {{"result", "accepted"}, {"calling_ae", "DICOMSEC"}, {"called_ae", "ANY-SCP"}}},
         {"product", {{"name", "DCMTK"}, {"version", "3.6.7"}}},
         {"findings",
          {{{"id", "DICOM-NO-TLS"}, {"severity", "high"}, {"evidence", "cleartext"}},
           {{"id", "DICOM-EXPOSED"}, {"severity", "info"}, {"evidence", "answered"}}}},
         {"duration_ms", 3}});
    done.insert(static_cast<std::uint64_t>(i));
    if (batch.size() == 256 || i + 1 == n) {
      store->append(id, batch, done);
      batch.clear();
      done.clear();
    }
  }
  const double append_s = seconds(t);
  std::printf("append  %ld records in batches of 256: %.2f s, %.0f records/s\n", n, append_s,
              n / append_s);
  t = Clock::now();
  const auto records = store->records(id);
  std::printf("load    %zu records: %.2f s\n", records.size(), seconds(t));
  t = Clock::now();
  const auto services = store->services(id);
  const auto d = diff(services, services);
  std::printf("diff    %zu services against themselves: %.2f s (%zu findings open)\n",
              services.size(), seconds(t), d.findings.size());
  std::printf("file    %.1f MB (%.0f bytes/record)\n",
              static_cast<double>(std::filesystem::file_size(path)) / 1e6,
              static_cast<double>(std::filesystem::file_size(path)) / static_cast<double>(n));
  store.reset();
  std::filesystem::remove_all(dir);
}
