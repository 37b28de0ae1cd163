// dicomsec: tells whether a medical-imaging network can be reached, read or written by
// people who should not, and helps close the holes.
#include <cstdio>
#include <exception>
#include <map>
#include <string_view>

#include "app/commands.hpp"
#include "core/version.hpp"
#include "store/store.hpp"

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
  add(setup_tls, "tls", "Audit DICOM TLS services (versions, suites, certificate, PS3.15 profiles)");
  add(setup_findings, "findings", "List the finding catalogue and the one-page checklist");
  add(setup_report, "report", "Render a scan stored with --db (jsonl, csv, sarif, html)");
  add(setup_scans, "scans", "List the scans stored in a --db file");
  add(setup_diff, "diff", "Compare two stored scans: services and findings new, gone, fixed");
  // In the design but not built in this version: a plain message, not a parse error.
  for (const char* name : {"pcap", "gateway", "import"}) {
    auto* sub = app.add_subcommand(name, "(not implemented in this version)");
    sub->prefix_command();  // take any arguments: the answer is the same
    runners[sub] = [name] {
      std::fprintf(stderr,
                   "dicomsec %s: not implemented in this version (README: 'Not implemented yet')\n",
                   name);
      return kExitUsage;
    };
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
  } catch (const dicomsec::store::StoreError& e) {
    std::fprintf(stderr, "dicomsec: database: %s\n", e.what());
    return kExitRuntime;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dicomsec: error: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitUsage;
}
