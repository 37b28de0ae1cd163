// dicomsec: tells whether a medical-imaging network can be reached, read or written by
// people who should not, and helps close the holes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/commands.hpp"
#include "app/output.hpp"
#include "core/version.hpp"
#include "store/store.hpp"

namespace {

// Edit distance (insert, delete, substitute, swap of neighbours) between two short words.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string unknown_command_message(const std::string& word,
                                    const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only a near miss (two edits at most)
  for (const auto& name : names) {
    const auto dist = name.rfind(word, 0) == 0 ? 1 : distance(word, name);
    if (dist < best_distance) {
      best = name;
      best_distance = dist;
    }
  }
  if (!best.empty()) return fmt::format("unknown command '{}'; did you mean '{}'?", word, best);
  return fmt::format("unknown command '{}'; the commands are {}", word, fmt::join(names, ", "));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dicomsec::app;
  CLI::App app{
      "dicomsec — DICOM network security toolkit.\n"
      "Finds DICOM services, checks association policy, fingerprints products and reports\n"
      "what to fix. Progress and logs go to stderr; records go to stdout or -o FILE.\n\n"
      "Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage error, 3 runtime error.",
      "dicomsec"};
  app.set_version_flag("--version", std::string("dicomsec ") + dicomsec::kVersion);
  app.require_subcommand(1);
  app.footer("Run 'dicomsec COMMAND --help' for a command's options. Docs: docs/ in the source.");

  std::map<CLI::App*, Runner> runners;
  auto add = [&](Runner (*setup)(CLI::App&), const char* name, const char* help) {
    auto* sub = app.add_subcommand(name, help);
    runners[sub] = setup(*sub);
    // The long explanation a command sets goes under its options in `COMMAND --help`; the
    // command list of `dicomsec --help` keeps the one-line summary.
    if (const auto text = sub->get_description(); text != help) {
      sub->footer(text);
      sub->description(help);
    }
  };
  add(setup_scan, "scan", "Scan address ranges for DICOM services (level safe by default)");
  add(setup_tls, "tls",
      "Audit DICOM TLS services (versions, suites, certificate, PS3.15 profiles)");
  add(setup_findings, "findings", "List the finding catalogue and the one-page checklist");
  add(setup_report, "report", "Render a scan stored with --db (jsonl, csv, sarif, html)");
  add(setup_scans, "scans", "List the scans stored in a --db file");
  add(setup_diff, "diff", "Compare two stored scans: services and findings new, gone, fixed");
  add(setup_gateway, "gateway",
      "DICOM-aware TLS gateway: AE policy, certificate-to-AE binding, audit trail");
  add(setup_import, "import",
      "Keep the Shodan/Censys/CSV export entries inside your netblocks, as leads to re-check");
  add(setup_pcap, "pcap",
      "Passive inventory from captures or a live interface (DICOM, TLS, cleartext PHI)");
  // "dicomsec scna": say which word was not understood, and the command meant, before
  // CLI11 calls it an unexpected argument.
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(names.begin(), names.end(), argv[1]) == names.end()) {
    std::fprintf(stderr, "dicomsec: %s\nRun 'dicomsec --help' for the commands.\n",
                 unknown_command_message(argv[1], names).c_str());
    return kExitUsage;
  }

  // nmap's "-iL FILE" is what administrators type; CLI11 short options are one letter.
  static char input_list[] = "--iL";
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "-iL") argv[i] = input_list;

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "dicomsec: %s\nRun with --help for usage.\n", e.what());
    return kExitUsage;
  }
  try {
    for (auto& [sub, run] : runners)
      if (sub->parsed()) return run();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "dicomsec: %s\n", e.what());
    return kExitUsage;
  } catch (const OutputError& e) {
    std::fprintf(stderr, "dicomsec: %s\n", e.what());
    return kExitRuntime;
  } catch (const dicomsec::store::StoreError& e) {
    std::fprintf(stderr, "dicomsec: database: %s\n", e.what());
    return kExitRuntime;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dicomsec: error: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitUsage;
}
