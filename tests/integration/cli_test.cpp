// The command line as a user meets it (issue 13 §6-11): exit codes and the exact messages
// of `dicomsec` run as a child process. No lab is needed: scans go to a closed port, or to a
// listening socket of this test that never answers, on 127.0.0.1 (ports chosen at run time).
// Every child has a deadline; signals are sent only after the child is seen to catch them
// (support/ready.hpp), never after a sleep.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/ready.hpp"
#include "support/skip.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace test_support = dicomsec::test_support;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kDicomsec = DICOMSEC_BIN;

using test_support::slurp;
using test_support::wait_for;

// dicomsec's stdin from `in`, stdout/stderr to files, in its own process group. A sanitizer
// report exits 99, so it can never pass for one of dicomsec's own exit codes.
pid_t spawn(const std::vector<std::string>& args, const std::string& in, const std::string& out,
            const std::string& err) {
  return test_support::spawn(
      args, out, err,
      {"ASAN_OPTIONS=exitcode=99", "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99"},
      in);
}

// A loopback TCP socket bound to a port of the kernel's choosing; listening or not.
struct LocalPort {
  int fd = -1;
  int port = -1;
  explicit LocalPort(bool listening) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
    if (listening) {
      if (listen(fd, 64) != 0) port = -1;
    } else {
      close(fd);  // released: connects to it are refused
      fd = -1;
    }
  }
  ~LocalPort() {
    if (fd >= 0) close(fd);
  }
  LocalPort(const LocalPort&) = delete;
  LocalPort& operator=(const LocalPort&) = delete;
};

struct Result {
  int rc = -1;
  std::string out, err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dicomsec-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  // dicomsec ARGS with stdin from `in` (default: empty), stdout to `out` (default: a file).
  Result run(std::vector<std::string> args, const std::string& in = "/dev/null",
             std::string out = {}, std::chrono::milliseconds limit = 60s) {
    args.insert(args.begin(), kDicomsec);
    const auto n = std::to_string(runs_++);
    if (out.empty()) out = path(n + ".out");
    const auto err = path(n + ".err");
    const auto c = spawn(args, in, out, err);
    Result r;
    r.rc = wait_for(c, limit);
    r.out = out == "/dev/full" ? std::string() : slurp(out);
    r.err = slurp(err);
    return r;
  }

  std::string dir_;
  int runs_ = 0;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// §10: a typo names the word and the command meant.
TEST_F(Cli, UnknownCommandSuggestsTheNearest) {
  auto r = run({"scna", "127.0.0.1"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "dicomsec: unknown command 'scna'; did you mean 'scan'?\n")) << r.err;
  r = run({"reprot"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'reprot'; did you mean 'report'?")) << r.err;
  r = run({"frobnicate"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'frobnicate'; the commands are scan, tls,"))
      << r.err;
}

// §10: numbers are checked in the user's words, not CLI11's "Value -1 not in range ...".
TEST_F(Cli, NumberErrorsUseTheUsersWords) {
  auto r = run({"scan", "--rate", "-1", "127.0.0.1"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(
      contains(r.err,
               "dicomsec: --rate: '-1' is not allowed: give a number from 0 to 10000000 (0 = no "
               "limit)\n"))
      << r.err;
  r = run({"scan", "--concurrency", "0", "127.0.0.1"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(
      r.err, "dicomsec: --concurrency: '0' is not allowed: give a whole number from 1 to 65536\n"))
      << r.err;
  r = run({"scan", "--timeout", "5s", "127.0.0.1"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "--timeout: '5s' is not allowed: give a whole number from 1 to"))
      << r.err;
  r = run({"tls", "--per-host", "-3", "127.0.0.1:1"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(
      contains(r.err, "--per-host: '-3' is not allowed: give a whole number from 1 to 1024"))
      << r.err;
  for (const auto* bad : {"not in range", ".000000"}) EXPECT_FALSE(contains(r.err, bad)) << r.err;
}

// §10: --level's help points down to the level descriptions, which come after the options.
TEST_F(Cli, LevelHelpPointsWhereTheTextIs) {
  const auto r = run({"scan", "--help"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_FALSE(contains(r.out, "see above")) << r.out;
  const auto option = r.out.find("Check level: safe, auth or intrusive (each is described below)");
  const auto text = r.out.find("Levels (--level)");
  ASSERT_NE(option, std::string::npos) << r.out;
  ASSERT_NE(text, std::string::npos) << r.out;
  EXPECT_LT(option, text);
}

// §11: the commands not built yet name the guide and the one-line manual recipe.
TEST_F(Cli, NotImplementedCommandsNameTheManualWay) {
  // gateway is built now (issue 15): a half-given command line is a usage error that says
  // what is missing, not the old "not implemented" message.
  auto r = run({"gateway", "--listen", "127.0.0.1:2762"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "has no --upstream")) << r.err;
  EXPECT_FALSE(contains(r.err, "not implemented")) << r.err;

  // Issue 16 built `import`: a missing --netblocks is now a usage error, not "not built".
  r = run({"import", "export.json.gz"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "--netblocks")) << r.err;

  // pcap is built now (issue 14): a missing capture file is a usage error naming the file.
  r = run({"pcap", "capture.pcap"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "capture.pcap")) << r.err;
}

// A connection waits in the backlog of a listener that never accepts.
bool connection_pending(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

constexpr const char* kFull =
    "dicomsec: cannot write the report to /dev/full: No space left on device";

// §6: a report that cannot be written is exit 3 with the path and the reason, in every format,
// for scan, tls and report; stdout too.
TEST_F(Cli, WriteErrorsAreExit3WithPathAndReason) {
  ASSERT_TRUE(fs::exists("/dev/full"));
  LocalPort closed(false);
  ASSERT_GT(closed.port, 0);
  const auto p = std::to_string(closed.port);
  const auto db = path("h.db");
  auto r = run({"scan", "-q", "--all", "-p", p, "127.0.0.1", "--db", db});
  ASSERT_EQ(r.rc, 0) << r.err;
  ASSERT_TRUE(contains(r.out, "\"port\":" + p)) << r.out;

  for (const auto* format : {"jsonl", "csv", "sarif", "html"}) {
    SCOPED_TRACE(format);
    r = run({"scan", "-q", "--all", "-p", p, "127.0.0.1", "--format", format, "-o", "/dev/full"});
    EXPECT_EQ(r.rc, 3);
    EXPECT_TRUE(contains(r.err, kFull)) << r.err;
    r = run({"tls", "-q", "127.0.0.1:" + p, "--format", format, "-o", "/dev/full"});
    EXPECT_EQ(r.rc, 3);
    EXPECT_TRUE(contains(r.err, kFull)) << r.err;
    r = run({"report", "--db", db, "--format", format, "-o", "/dev/full"});
    EXPECT_EQ(r.rc, 3);
    EXPECT_TRUE(contains(r.err, kFull)) << r.err;
    // The same, with the report on stdout (scan > /dev/full).
    r = run({"scan", "-q", "--all", "-p", p, "127.0.0.1", "--format", format}, "/dev/null",
            "/dev/full");
    EXPECT_EQ(r.rc, 3);
    EXPECT_TRUE(contains(r.err,
                         "dicomsec: cannot write the report to stdout: No space left on "
                         "device"))
        << r.err;
  }
  // A directory cannot be opened for writing: the path and why, before any probe.
  r = run({"scan", "-q", "--all", "-p", p, "127.0.0.1", "-o", dir_});
  EXPECT_EQ(r.rc, 3);
  EXPECT_TRUE(contains(r.err, "dicomsec: cannot write the report to " + dir_ + ": Is a directory"))
      << r.err;
}

// §7: no targets is exit 2, whichever way the list came out empty; --allow-empty runs anyway.
TEST_F(Cli, EmptyTargetListIsAnError) {
  LocalPort closed(false);
  const auto p = std::to_string(closed.port);
  const auto empty = path("empty.txt");
  std::ofstream(empty) << "# nothing here yet\n\n";
  auto r = run({"scan", "-p", p, "-iL", empty});
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, "dicomsec: no targets after exclusions: -iL " + empty +
                       " held no target (--allow-empty runs an empty scan)\n");
  EXPECT_EQ(r.out, "");

  r = run({"scan", "-p", p, "-"});  // stdin is empty
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err,
            "dicomsec: no targets after exclusions: stdin held no target (--allow-empty runs an "
            "empty scan)\n");

  r = run({"scan", "-p", p, "127.0.0.1-4", "--exclude", "127.0.0.0/8"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err,
            "dicomsec: no targets after exclusions: --exclude 127.0.0.0/8 removes all 4 addresses "
            "given (--allow-empty runs an empty scan)\n");

  r = run({"scan", "-q", "-p", p, "127.0.0.1", "--exclude", "127.0.0.1", "--allow-empty"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "");
  r = run({"scan", "-q", "-p", p, "-iL", empty, "--allow-empty"});
  EXPECT_EQ(r.rc, 0) << r.err;
}

// §8: an auditor who may read the database but not write it, nor its directory, can list,
// report and diff. Run as `nobody` through setpriv (tests run as root in CI).
TEST_F(Cli, ReadOnlyStoreServesAnUnprivilegedUser) {
  if (geteuid() != 0) DICOMSEC_SKIP_OR_FAIL("needs root to run dicomsec as another user");
  if (!fs::exists("/usr/bin/setpriv")) DICOMSEC_SKIP_OR_FAIL("setpriv (util-linux) missing");
  LocalPort closed(false);
  const auto p = std::to_string(closed.port);
  // The store lives in a directory of root's; nobody may read and traverse, not write.
  const auto store_dir = path("store");
  fs::create_directory(store_dir);
  const auto db = store_dir + "/history.db";
  for (int i = 0; i < 2; ++i) {
    const auto r = run({"scan", "-q", "--all", "-p", p, "127.0.0.1", "--db", db});
    ASSERT_EQ(r.rc, 0) << r.err;
  }
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(store_dir.c_str(), 0755), 0);
  ASSERT_EQ(chmod(db.c_str(), 0644), 0);
  // A binary under a private build tree may not be reachable by nobody: use a copy.
  const auto bin = path("dicomsec");
  fs::copy_file(kDicomsec, bin);
  ASSERT_EQ(chmod(bin.c_str(), 0755), 0);
  const std::vector<std::string> as_nobody{"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
                                           "--clear-groups"};
  auto nobody = [&](std::vector<std::string> args, const std::string& name) {
    args.insert(args.begin(), as_nobody.begin(), as_nobody.end());
    const auto out = path(name + ".out"), err = path(name + ".err");
    const int rc = wait_for(spawn(args, "/dev/null", out, err), 60s);
    return Result{rc, slurp(out), slurp(err)};
  };
  // The premise: nobody cannot write the file or its directory.
  EXPECT_NE(nobody({"/usr/bin/test", "-w", db}, "w-file").rc, 0);
  EXPECT_NE(nobody({"/usr/bin/test", "-w", store_dir}, "w-dir").rc, 0);

  auto r = nobody({bin, "scans", "--db", db}, "scans");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "finished")) << r.out;
  r = nobody({bin, "report", "--db", db, "--scan", "1"}, "report");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"port\":" + p)) << r.out;
  r = nobody({bin, "report", "--db", db, "--format", "html", "-o", "-"}, "html");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "<html")) << r.out.substr(0, 200);
  r = nobody({bin, "diff", "--db", db, "1", "2"}, "diff");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "services: 0 new, 0 gone")) << r.out;
  // Nothing was created beside the file, and the file is unchanged in mode and owner.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(store_dir)) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"history.db"});

  // While a scan writes (its -wal and -shm beside the file, root's, read-only to nobody),
  // nobody reads what it has committed so far.
  {
    LocalPort silent(true);
    const auto live = store_dir + "/live.db";
    const auto c = spawn({kDicomsec, "scan", "-q", "--all", "-p", std::to_string(silent.port),
                          "127.0.0.1", "--timeout", "3000", "--db", live, "-o", "/dev/null"},
                         "/dev/null", path("live.out"), path("live.err"));
    ASSERT_GT(c, 0);
    const bool writing = test_support::wait_until(
        [&] {
          std::error_code ec;
          return fs::file_size(live + "-wal", ec) > 0 && !ec && fs::exists(live + "-shm") &&
                 connection_pending(silent.fd);
        },
        30s);
    if (writing) {
      r = nobody({bin, "scans", "--db", live}, "live-scans");
      EXPECT_EQ(r.rc, 0) << r.err;
      EXPECT_TRUE(contains(r.out, "running")) << r.out;
    }
    EXPECT_EQ(wait_for(c, 30s), 0) << slurp(path("live.err"));
    EXPECT_TRUE(writing) << "the scan never had its -wal and a connection within 30 s";
    std::error_code ec;
    fs::remove(live, ec);
  }

  // A scan, which must write, says so as nobody: a store error (exit 3), not a crash.
  r = nobody({bin, "scan", "-q", "--all", "-p", p, "127.0.0.1", "--db", db}, "scan");
  EXPECT_EQ(r.rc, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "dicomsec: database: " + db)) << r.err;
}

// §9: the first Ctrl-C stops new probes and says what it waits for and for how long at most;
// the second aborts the probes in flight at once, and their records say `aborted`.
TEST_F(Cli, SecondCtrlCAbortsProbesInFlight) {
  LocalPort silent(true);
  ASSERT_GT(silent.port, 0);
  const auto p = std::to_string(silent.port);
  const auto out = path("int.jsonl"), err = path("int.err");
  const auto c = spawn({kDicomsec, "scan", "-p", p, "127.0.0.1", "--timeout", "30000", "--all",
                        "--no-progress", "-o", out},
                       "/dev/null", path("int.out"), err);
  ASSERT_GT(c, 0);
  const bool ready = test_support::wait_until(
      [&] { return test_support::process_catches(c, SIGINT) && connection_pending(silent.fd); },
      30s);
  if (!ready) {
    kill(-c, SIGKILL);
    wait_for(c, 5s);
    FAIL() << "no SIGINT handler or no connection within 30 s\n" << slurp(err);
  }
  const auto started = Clock::now();
  kill(c, SIGINT);
  EXPECT_TRUE(test_support::wait_until(
      [&] { return contains(slurp(err), "(Ctrl-C again aborts them now)"); }, 10s))
      << slurp(err);
  kill(c, SIGINT);
  const int rc = wait_for(c, 10s);
  const auto text = slurp(err);
  EXPECT_EQ(rc, 3) << text;
  EXPECT_LT(Clock::now() - started, 10s) << "the second Ctrl-C did not abort at once";
  EXPECT_TRUE(contains(text,
                       "dicomsec: Ctrl-C: no new probes; waiting for 1 probe in flight, "
                       "at most "))
      << text;
  EXPECT_TRUE(contains(text, "dicomsec: Ctrl-C again: aborting 1 probe in flight")) << text;
  EXPECT_TRUE(contains(text, "interrupted")) << text;
  const auto records = slurp(out);
  EXPECT_TRUE(contains(records, "\"port\":" + p)) << records;
  EXPECT_TRUE(contains(records, "\"status\":\"aborted\"")) << records;
}

// §9: a Ctrl-C that comes when every pair has been handed out, and the probes in flight then
// finish, leaves a finished scan: exit 0, not "interrupted", stored as finished.
TEST_F(Cli, CtrlCAfterTheLastPairIsNotAnInterruption) {
  LocalPort silent(true);
  ASSERT_GT(silent.port, 0);
  const auto p = std::to_string(silent.port);
  const auto db = path("h.db"), err = path("fin.err");
  const auto c = spawn({kDicomsec, "scan", "-p", p, "127.0.0.1", "--timeout", "1500", "--all",
                        "--no-progress", "--db", db, "-o", path("fin.jsonl")},
                       "/dev/null", path("fin.out"), err);
  ASSERT_GT(c, 0);
  const bool ready = test_support::wait_until(
      [&] { return test_support::process_catches(c, SIGINT) && connection_pending(silent.fd); },
      30s);
  if (!ready) {
    kill(-c, SIGKILL);
    wait_for(c, 5s);
    FAIL() << "no SIGINT handler or no connection within 30 s\n" << slurp(err);
  }
  kill(c, SIGINT);
  const int rc = wait_for(c, 20s);
  const auto text = slurp(err);
  EXPECT_EQ(rc, 0) << text;
  EXPECT_TRUE(contains(text, "waiting for 1 probe in flight")) << text;
  EXPECT_FALSE(contains(text, "interrupted")) << text;
  EXPECT_TRUE(contains(slurp(path("fin.jsonl")), "\"status\":\"io-timeout\""))
      << slurp(path("fin.jsonl"));
  const auto r = run({"scans", "--db", db});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "finished")) << r.out;
  EXPECT_FALSE(contains(r.out, "interrupted")) << r.out;
}

}  // namespace
