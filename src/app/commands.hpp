// One file per subcommand: each has an options struct, a setup() that registers it with
// CLI11, and a run() that returns the process exit code (docs/design.md §2).
#pragma once

#include <CLI/CLI.hpp>

namespace dicomsec::app {

// Exit codes of the stable contract.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRuntime = 3;

// Thrown by setup/run code for bad user input that CLI11 itself cannot catch; main maps it
// to exit code 2 with the message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Checks of numeric options whose message is in the user's words ("--rate: '-1' is not
// allowed: give a number from 0 to 10000000 (0 = no limit)"), not CLI11's "Value -1 not in
// range 0.000000 to 10000000.000000". `note` explains a special value.
CLI::Validator whole_number(unsigned long long lo, unsigned long long hi, std::string note = {});
CLI::Validator decimal_number(double lo, double hi, std::string note = {});

// Registers the subcommand; the returned callable runs it after parsing.
using Runner = std::function<int()>;
Runner setup_scan(CLI::App& app);
Runner setup_tls(CLI::App& app);
Runner setup_findings(CLI::App& app);
Runner setup_report(CLI::App& app);
Runner setup_scans(CLI::App& app);
Runner setup_diff(CLI::App& app);
Runner setup_gateway(CLI::App& app);
Runner setup_import(CLI::App& app);
Runner setup_pcap(CLI::App& app);

}  // namespace dicomsec::app
