// End-to-end tests of `dicomsec scan` against real DICOM peers (scripts/lab.sh: storescp,
// dcmqrscp, Orthanc with and without the called-AE check) and misbehaving ones
// (fault_server). dicomsec runs as a child process under a wall-clock limit; each JSONL line
// it writes is parsed, compared with the record we expect, and validated against
// schemas/scan-record.schema.json (with Debian's python3-jsonschema, /usr/bin/python3).
//
// The lab: under ctest, the fixture test integration.lab.start has started one and passes
// its directory in DICOMSEC_LAB_DIR. Run directly, the binary starts its own lab in a
// temporary directory (once, in a global test environment) and stops it at the end, on
// SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGABRT/SIGSEGV too; lab_fixture.sh's watchdog stops it
// even after a SIGKILL. Test discovery (--gtest_list_tests) starts nothing.
//
// Network rule: every connection dicomsec makes here goes to 127.0.0.0/8, to ports chosen at
// run time (the lab's and fault_server's); run_dicomsec() refuses a scan without -p and
// refuses 104/4242/8042/11112 and non-loopback targets. Every child process has a deadline.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kDicomsec = DICOMSEC_BIN;
constexpr const char* kFaultServer = FAULT_SERVER_BIN;
constexpr const char* kSourceDir = DICOMSEC_SOURCE_DIR;
constexpr const char* kPython = DICOMSEC_PYTHON;

const std::set<long> kForbiddenPorts{104, 4242, 8042, 11112};

// Exit code we ask the sanitizers to use, so that a sanitizer report can never pass for
// dicomsec's own exit 1 ("findings at or above --fail-on").
constexpr int kSanitizerExit = 99;

// Catalogue severities (docs/design.md §4).
const std::map<std::string, std::string> kSeverity{
    {"DICOM-EXPOSED", "info"},         {"DICOM-NO-TLS", "high"},
    {"DICOM-ANY-CALLED-AE", "medium"}, {"DICOM-ANY-CALLING-AE", "high"},
    {"DICOM-OUTDATED", "medium"},      {"DICOM-HONEYPOT-LIKELY", "info"},
};

constexpr const char* kVerification = "1.2.840.10008.1.1";
constexpr const char* kImplicitLE = "1.2.840.10008.1.2";
constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kStudyRootFind = "1.2.840.10008.5.1.4.1.2.2.1";
const std::vector<std::string> kQueryRetrieve{
    "1.2.840.10008.5.1.4.1.2.1.1", "1.2.840.10008.5.1.4.1.2.1.2", "1.2.840.10008.5.1.4.1.2.1.3",
    "1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.5.1.4.1.2.2.2", "1.2.840.10008.5.1.4.1.2.2.3"};
constexpr const char* kDcmtkUid = "1.2.276.0.7230010.3.0.3.6.7";
constexpr const char* kDcmtkVersion = "OFFIS_DCMTK_367";

// Small timeouts keep the suite short; the lab answers in milliseconds.
const std::vector<std::string> kFast{"--timeout", "1500", "--connect-timeout", "1000",
                                     "--no-progress"};

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Child processes

struct RunResult {
  std::vector<std::string> argv;
  std::string spawn_error;  // non-empty: the process never started
  int exit_code = -1;       // -1 unless it exited
  int term_signal = 0;      // signal that ended it, if any
  bool timed_out = false;   // killed at the deadline
  std::string out, err;
  double seconds = 0;
  std::vector<json> records;  // stdout's JSONL lines (run_dicomsec only)

  [[nodiscard]] std::string describe() const {
    std::ostringstream s;
    s << "command: " << join(argv) << "\n";
    if (!spawn_error.empty()) s << "spawn error: " << spawn_error << "\n";
    s << "exit code: " << exit_code << ", signal: " << term_signal
      << ", timed out: " << (timed_out ? "yes" : "no") << ", " << seconds << " s\n";
    s << "--- stdout (" << out.size() << " bytes) ---\n" << out.substr(0, 20000) << "\n";
    s << "--- stderr (" << err.size() << " bytes) ---\n" << err.substr(0, 20000) << "\n";
    return s.str();
  }
};

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

// env with KEY set to value, or with ":value" appended to what KEY already holds.
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value,
             bool append) {
  const std::string prefix = key + "=";
  for (auto& e : env) {
    if (e.rfind(prefix, 0) == 0) {
      if (append && e.size() > prefix.size())
        e += ":" + value;
      else
        e = prefix + value;
      return;
    }
  }
  env.push_back(prefix + value);
}

// Environment for dicomsec: sanitizer reports must end the run with kSanitizerExit (the
// later option wins, so a user's ASAN_OPTIONS such as detect_leaks=1 are kept).
std::vector<std::string> dicomsec_environment() {
  auto env = current_environment();
  const auto code = std::to_string(kSanitizerExit);
  set_env(env, "ASAN_OPTIONS", "exitcode=" + code, true);
  set_env(env, "LSAN_OPTIONS", "exitcode=" + code, true);
  set_env(env, "UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:exitcode=" + code, true);
  return env;
}

struct CStrings {
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
  explicit CStrings(const std::vector<std::string>& v) : storage(v) {
    for (auto& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  char** get() { return ptrs.data(); }
};

// Spawns argv (argv[0] is a path) in its own process group, stdin from /dev/null, stdout
// and stderr into out_fd/err_fd (-1: inherit). Returns the pid or -errno.
pid_t spawn_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    int out_fd, int err_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setflags(&at,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &defaults);
  CStrings args(argv), envp(env);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv.at(0).c_str(), &fa, &at, args.get(), envp.get());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return rc == 0 ? pid : -rc;
}

// Bounded wait for pid; SIGKILL to its group once `kill_after` passed. True when reaped.
bool reap(pid_t pid, int& status, Clock::time_point kill_after, bool& killed) {
  const auto give_up = std::max(kill_after, Clock::now()) + 5s;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) return true;
    if (w < 0 && errno != EINTR) return false;
    const auto now = Clock::now();
    if (!killed && now >= kill_after) {
      kill(-pid, SIGKILL);
      killed = true;
    }
    if (now >= give_up) return false;
    std::this_thread::sleep_for(5ms);
  }
}

// Runs argv to its end or to `limit` (then SIGKILLs its process group), capturing output.
RunResult run_process(const std::vector<std::string>& argv, Millis limit,
                      const std::vector<std::string>& env) {
  RunResult r;
  r.argv = argv;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    r.spawn_error = std::strerror(errno);
    return r;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    r.spawn_error = std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return r;
  }
  const auto started = Clock::now();
  const pid_t pid = spawn_process(argv, env, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    r.spawn_error = std::strerror(-pid);
    close(out[0]);
    close(err[0]);
    return r;
  }
  auto deadline = started + limit;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  bool killed = false;
  // Read until both pipes close; at the deadline kill the group and drain for at most 2 s.
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto now = Clock::now();
    if (now >= deadline) {
      if (killed) break;
      kill(-pid, SIGKILL);
      killed = true;
      r.timed_out = true;
      deadline = now + 2s;
      continue;
    }
    const auto left = std::chrono::duration_cast<Millis>(deadline - now).count();
    const int n = poll(fds, 2, static_cast<int>(std::min<long long>(left, 200)) + 1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fds[i].fd);
        fds[i].fd = -1;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  const bool reaped = reap(pid, status, killed ? Clock::now() : deadline, killed);
  if (killed && !r.timed_out) r.timed_out = true;
  r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (!reaped) {
    r.spawn_error = "process " + std::to_string(pid) + " could not be reaped";
  } else if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
  }
  return r;
}

// ---------------------------------------------------------------------------------------
// The lab

struct Lab {
  bool ok = false;
  bool owned = false;
  std::string error;
  std::string dir;       // the lab directory (holds lab.env)
  std::string temp_dir;  // what to delete afterwards (owned labs only)
  std::map<std::string, std::string> env;

  [[nodiscard]] std::string get(const std::string& key) const {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::string port(const std::string& key) const { return get(key); }
};

Lab& lab() {
  static Lab instance;
  return instance;
}

std::string fixture_script() {
  return std::string(kSourceDir) + "/tests/integration/lab_fixture.sh";
}

bool read_lab_env(const std::string& path, std::map<std::string, std::string>& out,
                  std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  for (const char* key : {"STORESCP_PORT", "QRSCP_PORT", "ORTHANC_CHECKED_PORT",
                          "ORTHANC_OPEN_PORT", "CLOSED_PORT", "CANARY"}) {
    const auto it = out.find(key);
    if (it == out.end() || it->second.empty()) {
      error = path + " has no " + key;
      return false;
    }
    if (std::string(key).ends_with("_PORT")) {
      const long p = std::strtol(it->second.c_str(), nullptr, 10);
      if (p < 1 || p > 65535 || kForbiddenPorts.count(p) != 0) {
        error = path + ": refusing " + key + "=" + it->second;
        return false;
      }
    }
  }
  return true;
}

// For the signal handlers of an owned lab: `bash lab_fixture.sh stop DIR`, prepared before
// any handler is installed (fork/execve/waitpid/raise are async-signal-safe).
std::vector<std::string> g_stop_storage;
std::vector<char*> g_stop_argv;
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV};

extern "C" void stop_lab_on_signal(int sig) {
  const pid_t p = fork();
  if (p == 0) {
    execve("/bin/bash", g_stop_argv.data(), environ);
    _exit(127);
  }
  if (p > 0) {
    int st = 0;
    while (waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
  }
  raise(sig);  // SA_RESETHAND restored the default action: die as we would have
}

void install_cleanup_handlers(const std::string& dir) {
  g_stop_storage = {"bash", fixture_script(), "stop", dir};
  g_stop_argv.clear();
  for (auto& s : g_stop_storage) g_stop_argv.push_back(s.data());
  g_stop_argv.push_back(nullptr);
  struct sigaction sa {};
  sa.sa_handler = stop_lab_on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int s : kCleanupSignals) sigaction(s, &sa, nullptr);
}

void remove_cleanup_handlers() {
  for (int s : kCleanupSignals) signal(s, SIG_DFL);
}

class LabEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    Lab& l = lab();
    const char* shared = std::getenv("DICOMSEC_LAB_DIR");
    if (shared != nullptr && *shared != '\0') {
      l.dir = shared;
      if (!fs::exists(l.dir + "/lab.env")) {
        l.error = "DICOMSEC_LAB_DIR=" + l.dir +
                  " has no lab.env: did the fixture test integration.lab.start fail?";
        return;
      }
      l.ok = read_lab_env(l.dir + "/lab.env", l.env, l.error);
      return;
    }
    // Standalone run: a lab of our own.
    std::string tmpl = (fs::temp_directory_path() / "dicomsec-itest-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      l.error = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    l.temp_dir = tmpl;
    l.dir = tmpl + "/lab";
    l.owned = true;
    install_cleanup_handlers(l.dir);
    const auto r =
        run_process({"/bin/bash", fixture_script(), "start", l.dir}, 180s, current_environment());
    if (r.exit_code != 0) {
      l.error = "lab_fixture.sh start failed:\n" + r.describe();
      return;
    }
    l.ok = read_lab_env(l.dir + "/lab.env", l.env, l.error);
  }

  void TearDown() override {
    Lab& l = lab();
    if (!l.owned) return;
    const auto r =
        run_process({"/bin/bash", fixture_script(), "stop", l.dir}, 120s, current_environment());
    remove_cleanup_handlers();
    l.owned = false;
    if (r.exit_code != 0) {
      std::fprintf(stderr, "lab_fixture.sh stop failed (lab left in %s):\n%s\n", l.dir.c_str(),
                   r.describe().c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(l.temp_dir, ec);
  }
};

[[maybe_unused]] ::testing::Environment* const g_lab_env =
    ::testing::AddGlobalTestEnvironment(new LabEnvironment);

// ---------------------------------------------------------------------------------------
// fault_server

class FaultServer {
 public:
  explicit FaultServer(const std::string& mode, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{kFaultServer, "--mode",     mode, "--bind",
                                  "127.0.0.1",  "--lifetime", "30"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      error_ = std::strerror(errno);
      return;
    }
    pid_ = spawn_process(argv, current_environment(), out[1], -1);
    close(out[1]);
    out_fd_ = out[0];
    if (pid_ < 0) {
      error_ = std::string("spawn: ") + std::strerror(-pid_);
      return;
    }
    // First stdout line: the port. Bounded wait.
    std::string line;
    const auto deadline = Clock::now() + 10s;
    while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c[64];
      const ssize_t n = read(out_fd_, c, sizeof c);
      if (n <= 0) break;
      line.append(c, static_cast<std::size_t>(n));
    }
    const long port = std::strtol(line.c_str(), nullptr, 10);
    if (port < 1 || port > 65535 || kForbiddenPorts.count(port) != 0) {
      error_ = "fault_server --mode " + mode + " printed no usable port: '" + line + "'";
      return;
    }
    port_ = std::to_string(port);
  }
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;
  ~FaultServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      bool killed = false;
      reap(pid_, status, Clock::now() + 3s, killed);
    }
    if (out_fd_ >= 0) close(out_fd_);
  }
  [[nodiscard]] bool ok() const { return !port_.empty(); }
  [[nodiscard]] const std::string& port() const { return port_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string port_;
  std::string error_;
};

// ---------------------------------------------------------------------------------------
// Schema validation

RunResult validate_with_schema(const std::string& jsonl_path) {
  return run_process({kPython, std::string(kSourceDir) + "/tests/integration/validate_records.py",
                      std::string(kSourceDir) + "/schemas/scan-record.schema.json", jsonl_path},
                     60s, current_environment());
}

RunResult validate_lines(const std::vector<std::string>& lines) {
  std::string path = (fs::temp_directory_path() / "dicomsec-records-XXXXXX").string();
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    RunResult r;
    r.spawn_error = std::string("mkstemp: ") + std::strerror(errno);
    return r;
  }
  close(fd);
  {
    std::ofstream f(path, std::ios::trunc);
    for (const auto& l : lines) f << l << "\n";
  }
  auto r = validate_with_schema(path);
  std::remove(path.c_str());
  return r;
}

// ---------------------------------------------------------------------------------------
// Record normalisation: what varies between runs is checked here and then taken out, so the
// rest can be compared with an exact expected record.

struct Normalized {
  json record;                                                // the rest, to compare exactly
  std::map<std::string, std::string> findings;                // id -> severity
  std::vector<std::pair<std::string, std::string>> contexts;  // abstract, transfer
  json honeypot;  // issue 12 §3: checked by expect_no_honeypot_signal / the Honeypot tests
};

Normalized normalize(const json& in) {
  Normalized n;
  n.record = in;
  json& r = n.record;
  if (!r.is_object()) {
    ADD_FAILURE() << "record is not an object: " << in.dump();
    return n;
  }
  if (r.contains("duration_ms")) {
    EXPECT_TRUE(r["duration_ms"].is_number_unsigned()) << in.dump();
    r.erase("duration_ms");
  } else {
    ADD_FAILURE() << "no duration_ms: " << in.dump();
  }
  if (r.contains("findings") && r["findings"].is_array()) {
    for (const auto& f : r["findings"]) {
      const auto id = f.value("id", std::string());
      EXPECT_TRUE(f.contains("evidence") && f["evidence"].is_string() &&
                  !f["evidence"].get<std::string>().empty())
          << "finding without evidence: " << f.dump();
      EXPECT_EQ(n.findings.count(id), 0U) << "duplicate finding " << id << ": " << in.dump();
      n.findings[id] = f.value("severity", std::string());
    }
    r.erase("findings");
  } else {
    ADD_FAILURE() << "no findings array: " << in.dump();
  }
  if (r.contains("association") && r["association"].is_object()) {
    json& a = r["association"];
    if (a.contains("accepted_contexts") && a["accepted_contexts"].is_array()) {
      for (const auto& c : a["accepted_contexts"])
        n.contexts.emplace_back(c.value("abstract", std::string()),
                                c.value("transfer", std::string()));
      a.erase("accepted_contexts");
    }
  }
  if (r.contains("honeypot")) {
    n.honeypot = r["honeypot"];
    r.erase("honeypot");
  } else {
    ADD_FAILURE() << "no honeypot key: " << in.dump();
  }
  if (r.contains("called_ae_check") && r["called_ae_check"].is_object()) {
    json& c = r["called_ae_check"];
    const auto ae = c.value("called_ae", std::string());
    EXPECT_TRUE(std::regex_match(ae, std::regex("DS[A-Z]{14}")))
        << "called_ae_check.called_ae is not a random AE title: " << ae;
    c["called_ae"] = "*";
    // Issue 12 §5: every lab peer answers the follow-up association (with retries if it
    // must), so the check is never inconclusive here; the expected records omit these keys.
    EXPECT_EQ(c.value("state", std::string()), "checked") << c.dump();
    EXPECT_TRUE(c.contains("reason") && c["reason"].is_null()) << c.dump();
    EXPECT_TRUE(c.contains("attempts") && c["attempts"].is_number_integer() &&
                c["attempts"].get<int>() >= 1)
        << c.dump();
    for (const char* k : {"state", "reason", "attempts"}) c.erase(k);
  }
  if (r.contains("product") && r["product"].is_object()) {
    json& p = r["product"];
    // matched_by and confidence belong to the fingerprint catalogue; the schema checks them.
    EXPECT_TRUE(p.contains("matched_by") && p["matched_by"].is_string()) << in.dump();
    EXPECT_TRUE(p.contains("confidence") && p["confidence"].is_string()) << in.dump();
    p.erase("matched_by");
    p.erase("confidence");
  }
  if (r.contains("detail")) {
    EXPECT_TRUE(r["detail"].is_string() && !r["detail"].get<std::string>().empty()) << in.dump();
  }
  return n;
}

std::map<std::string, std::string> with_severities(std::initializer_list<const char*> ids) {
  std::map<std::string, std::string> out;
  for (const char* id : ids) out[id] = kSeverity.at(id);
  return out;
}

bool has_context(const Normalized& n, const std::string& abstract) {
  return std::any_of(n.contexts.begin(), n.contexts.end(),
                     [&](const auto& c) { return c.first == abstract; });
}

// Issue 12 §3: false positives are the main risk. A real peer that answered gets a honeypot
// object with no signal at all, not merely likely false.
void expect_no_honeypot_signal(const Normalized& n, const json& rec) {
  ASSERT_TRUE(n.honeypot.is_object()) << rec.dump();
  EXPECT_FALSE(n.honeypot.value("likely", true)) << rec.dump();
  EXPECT_EQ(n.honeypot.value("confidence", ""), "none") << rec.dump();
  EXPECT_TRUE(n.honeypot["evidence"].empty()) << rec.dump();
  EXPECT_EQ(n.findings.count("DICOM-HONEYPOT-LIKELY"), 0U) << rec.dump();
}

json reject_7() {
  return {{"result", "permanent"},
          {"source", "service-user"},
          {"reason", "called-ae-not-recognized"},
          {"codes", {1, 1, 7}}};
}

json base_record(const std::string& port) {
  return {{"ip", "127.0.0.1"},
          {"port", std::stoi(port)},
          {"status", "success"},
          {"dicom", true},
          {"tls", false},
          {"association", nullptr},
          {"product", nullptr},
          {"echo", nullptr},
          {"called_ae_check", nullptr},
          {"tls_audit", nullptr},
          {"access", nullptr}};
}

json accepted_association(const std::string& calling, const std::string& called) {
  return {{"result", "accepted"},
          {"calling_ae", calling},
          {"called_ae", called},
          {"reject", nullptr},
          {"abort", nullptr},
          {"max_pdu", 16384},
          {"implementation", {{"class_uid", kDcmtkUid}, {"version", kDcmtkVersion}}},
          {"released", true},
          {"conformance", json::array()}};
}

json empty_association(const std::string& result, const std::string& calling,
                       const std::string& called) {
  return {{"result", result},
          {"calling_ae", calling},
          {"called_ae", called},
          {"reject", nullptr},
          {"abort", nullptr},
          {"max_pdu", nullptr},
          {"implementation", {{"class_uid", nullptr}, {"version", nullptr}}},
          {"released", false},
          {"conformance", json::array()}};
}

// DCMTK 3.6.7 itself, with the application told from its behaviour (identify.cpp).
json dcmtk_367(const char* application) {
  return {{"name", "DCMTK"},   {"version", "3.6.7"},         {"toolkit", "DCMTK"},
          {"vendor", nullptr}, {"application", application}, {"version_name", "OFFIS_DCMTK_367"}};
}

// Orthanc 1.10 speaks through DCMTK's network layer: same UID and version name, told apart
// by the contexts it accepts (LAB-NOTES §4); DCMTK's version is not Orthanc's.
json orthanc_product() {
  return {{"name", "Orthanc"}, {"version", nullptr},       {"toolkit", "DCMTK"},
          {"vendor", nullptr}, {"application", "Orthanc"}, {"version_name", "OFFIS_DCMTK_367"}};
}

// Every accepted context is one we offered, with a transfer syntax we offered, once.
void expect_sane_contexts(const Normalized& n) {
  std::set<std::string> seen;
  for (const auto& [abstract, transfer] : n.contexts) {
    EXPECT_TRUE(seen.insert(abstract).second) << "context accepted twice: " << abstract;
    EXPECT_TRUE(transfer == kImplicitLE || transfer == kExplicitLE)
        << abstract << " accepted with transfer syntax " << transfer;
  }
}

// ---------------------------------------------------------------------------------------
// The fixture

bool looks_like_ipv4_token(const std::string& s) {
  static const std::regex re(R"(^\d+\.\d+\.\d+\.\d+.*)");
  return std::regex_match(s, re);
}

class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!lab().ok) GTEST_FAIL() << "lab not available: " << lab().error;
    canary_ = lab().get("CANARY");
    ASSERT_GE(canary_.size(), 8U) << "lab.env has no usable CANARY";
  }

  void TearDown() override {
    if (lines_.empty()) return;
    const auto v = validate_lines(lines_);
    EXPECT_EQ(v.exit_code, 0)
        << "records do not validate against schemas/scan-record.schema.json:\n"
        << v.describe();
  }

  // Runs `dicomsec ARGS...` with a deadline; checks what every run must satisfy.
  RunResult run_dicomsec(const std::vector<std::string>& args, Millis limit = 30s,
                         bool allow_bad_target_token = false) {
    // Network rule guard: never a scan without explicit ports, never a forbidden port,
    // never a non-loopback address.
    if (!args.empty() && args[0] == "scan") {
      const auto p = std::find_if(args.begin(), args.end(),
                                  [](const std::string& a) { return a == "-p" || a == "--ports"; });
      if (p == args.end() || p + 1 == args.end()) {
        ADD_FAILURE() << "refusing to run a scan without -p: " << join(args);
        return {};
      }
      std::stringstream ports(*(p + 1));
      for (std::string tok; std::getline(ports, tok, ',');) {
        if (kForbiddenPorts.count(std::strtol(tok.c_str(), nullptr, 10)) != 0) {
          ADD_FAILURE() << "refusing forbidden port " << tok;
          return {};
        }
      }
      for (const auto& a : args) {
        if (looks_like_ipv4_token(a) && a.rfind("127.", 0) != 0 && !allow_bad_target_token) {
          ADD_FAILURE() << "refusing non-loopback target " << a;
          return {};
        }
      }
    }
    std::vector<std::string> argv{kDicomsec};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_process(argv, limit, dicomsec_environment());

    EXPECT_TRUE(r.spawn_error.empty()) << r.describe();
    EXPECT_FALSE(r.timed_out) << "dicomsec did not finish within " << limit.count() << " ms\n"
                              << r.describe();
    EXPECT_EQ(r.term_signal, 0) << "dicomsec died of a signal\n" << r.describe();
    EXPECT_NE(r.exit_code, kSanitizerExit) << "sanitizer report\n" << r.describe();
    for (const char* marker : {"AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                               "runtime error:", "ThreadSanitizer"}) {
      EXPECT_EQ(r.err.find(marker), std::string::npos)
          << "sanitizer output (" << marker << ") on stderr\n"
          << r.describe();
    }
    // The canary study's identifiers must never reach our output (trivial at level safe;
    // the guard is for the levels that query).
    EXPECT_EQ(r.out.find(canary_), std::string::npos) << "canary on stdout\n" << r.describe();
    EXPECT_EQ(r.err.find(canary_), std::string::npos) << "canary on stderr\n" << r.describe();

    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      lines_.push_back(line);
      try {
        r.records.push_back(json::parse(line));
      } catch (const json::exception& e) {
        ADD_FAILURE() << "stdout line is not JSON (" << e.what() << "): " << line;
      }
    }
    return r;
  }

  RunResult scan_port(const std::string& port, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"scan", "127.0.0.1", "-p", port};
    args.insert(args.end(), kFast.begin(), kFast.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return run_dicomsec(args);
  }

  // The one record of a single-port scan (a null json when there is not exactly one).
  json only_record(const RunResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.records.size(), 1U) << r.describe();
    return r.records.size() == 1 ? r.records[0] : json();
  }

  // Adds files written with -o to the schema check.
  void add_lines_from(const std::string& path) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines_.push_back(line);
  }

  std::string canary_;
  std::vector<std::string> lines_;  // every record seen by this test, for the schema check
};

using Schema = ScanTest;
using Storescp = ScanTest;
using Qrscp = ScanTest;
using OrthancChecked = ScanTest;
using OrthancOpen = ScanTest;
using ClosedPort = ScanTest;
using Fault = ScanTest;
using Sweep = ScanTest;
using ExitCode = ScanTest;
using Honeypot = ScanTest;

// ---------------------------------------------------------------------------------------
// The schema itself, and that the validator really catches drift.

TEST_F(Schema, IsValidAndCatchesDrift) {
  const auto check =
      run_process({kPython, std::string(kSourceDir) + "/tests/integration/validate_records.py",
                   std::string(kSourceDir) + "/schemas/scan-record.schema.json", "--check-schema"},
                  60s, current_environment());
  ASSERT_EQ(check.exit_code, 0) << check.describe();

  json good = base_record("11113");
  good["association"] = accepted_association("DICOMSEC", "ANY-SCP");
  good["association"]["accepted_contexts"] = {
      {{"abstract", kVerification}, {"transfer", kImplicitLE}}};
  good["product"] = dcmtk_367("storescp");
  good["product"]["confidence"] = "high";
  good["product"]["matched_by"] = "test";
  good["echo"] = {{"status", 0}};
  good["called_ae_check"] = {{"called_ae", "DSABCDEFGHIJKLMN"},
                             {"result", "rejected"},
                             {"reject", reject_7()},
                             {"state", "checked"},
                             {"reason", nullptr},
                             {"attempts", 1}};
  good["findings"] = {{{"id", "DICOM-NO-TLS"}, {"severity", "high"}, {"evidence", "x"}}};
  good["honeypot"] = {{"likely", false}, {"confidence", "none"}, {"evidence", json::array()}};
  good["duration_ms"] = 3;
  auto ok = validate_lines({good.dump()});
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();

  auto must_fail = [&](const char* what, json bad) {
    auto r = validate_lines({bad.dump()});
    EXPECT_EQ(r.exit_code, 1) << "the schema accepted " << what << "\n" << r.describe();
  };
  json b = good;
  b["surprise"] = 1;
  must_fail("an unknown top-level key", b);
  b = good;
  b["association"]["surprise"] = 1;
  must_fail("an unknown association key", b);
  b = good;
  b.erase("tls_audit");
  must_fail("a record without tls_audit", b);
  b = good;
  b["status"] = "timeout";
  must_fail("status 'timeout'", b);
  b = good;
  b["association"]["result"] = "ok";
  must_fail("association.result 'ok'", b);
  b = good;
  b["called_ae_check"]["reject"]["reason"] = "calling-ae-unknown";
  must_fail("an unknown reject reason", b);
  b = good;
  b["called_ae_check"]["reject"]["codes"] = {1, 1};
  must_fail("reject codes of 2 items", b);
  b = good;
  b["honeypot"]["confidence"] = "certain";
  must_fail("honeypot confidence 'certain'", b);
  b = good;
  b["honeypot"].erase("evidence");
  must_fail("a honeypot without evidence", b);
  b = good;
  b["findings"][0]["severity"] = "severe";
  must_fail("severity 'severe'", b);
  b = good;
  b["ip"] = "localhost";
  must_fail("ip 'localhost'", b);
  b = good;
  b["detail"] = "";
  must_fail("an empty detail", b);
}

// ---------------------------------------------------------------------------------------
// Real peers

TEST_F(Storescp, AcceptsAnyAeAndIsFingerprinted) {
  const auto port = lab().port("STORESCP_PORT");
  const auto r = scan_port(port);
  const auto rec = only_record(r);
  const auto n = normalize(rec);

  json expected = base_record(port);
  expected["association"] = accepted_association("DICOMSEC", "ANY-SCP");
  expected["product"] = dcmtk_367("storescp");
  expected["echo"] = {{"status", 0}};
  expected["called_ae_check"] = {{"called_ae", "*"}, {"result", "accepted"}, {"reject", nullptr}};
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  expect_no_honeypot_signal(n, rec);

  EXPECT_TRUE(has_context(n, kVerification)) << rec.dump();
  EXPECT_FALSE(has_context(n, kStudyRootFind)) << "storescp rejects Q/R contexts: " << rec.dump();
  expect_sane_contexts(n);
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED", "DICOM-NO-TLS", "DICOM-ANY-CALLING-AE",
                                         "DICOM-ANY-CALLED-AE", "DICOM-OUTDATED"}))
      << rec.dump();
  // Debian's DCMTK 3.6.7 announces 3.6.7: older than later upstream fixes, so the verdict names
  // CVEs and tells the reader to confirm the patch level (Debian backports).
  std::string evidence;
  for (const auto& f : rec["findings"])
    if (f.value("id", "") == "DICOM-OUTDATED") evidence = f.value("evidence", "");
  EXPECT_NE(evidence.find("DCMTK 3.6.7"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("CVE-20"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("confirm the patch level"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("backport"), std::string::npos) << evidence;
}

TEST_F(Qrscp, UnknownCallingAeIsRejectedWithReason7) {
  // LAB-NOTES §1: dcmqrscp rejects an unknown calling AE with [1,1,7], not 3.
  const auto port = lab().port("QRSCP_PORT");
  const auto r = scan_port(port, {"--called-ae", "QRSCP"});
  const auto rec = only_record(r);
  const auto n = normalize(rec);

  json expected = base_record(port);
  expected["association"] = empty_association("rejected", "DICOMSEC", "QRSCP");
  expected["association"]["reject"] = reject_7();
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  expect_no_honeypot_signal(n, rec);
  EXPECT_TRUE(n.contexts.empty()) << rec.dump();
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED"})) << rec.dump();
}

TEST_F(Qrscp, DefaultCalledAeIsRejectedWithReason7) {
  const auto port = lab().port("QRSCP_PORT");
  const auto rec = only_record(scan_port(port));
  const auto n = normalize(rec);
  json expected = base_record(port);
  expected["association"] = empty_association("rejected", "DICOMSEC", "ANY-SCP");
  expected["association"]["reject"] = reject_7();
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  expect_no_honeypot_signal(n, rec);
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED"})) << rec.dump();
}

TEST_F(Qrscp, TrustedCallingAeIsAcceptedWithQueryRetrieve) {
  const auto port = lab().port("QRSCP_PORT");
  const auto r = scan_port(port, {"--calling-ae", "TRUSTED1", "--called-ae", "QRSCP"});
  const auto rec = only_record(r);
  const auto n = normalize(rec);

  json expected = base_record(port);
  expected["association"] = accepted_association("TRUSTED1", "QRSCP");
  expected["product"] = dcmtk_367("dcmqrscp");
  expected["echo"] = {{"status", 0}};
  // dcmqrscp checks the called AE: the random one is rejected with reason 7.
  expected["called_ae_check"] = {
      {"called_ae", "*"}, {"result", "rejected"}, {"reject", reject_7()}};
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  expect_no_honeypot_signal(n, rec);

  EXPECT_TRUE(has_context(n, kVerification)) << rec.dump();
  for (const auto& qr : kQueryRetrieve) EXPECT_TRUE(has_context(n, qr)) << qr << ": " << rec.dump();
  expect_sane_contexts(n);
  EXPECT_EQ(n.findings.count("DICOM-EXPOSED"), 1U) << rec.dump();
  EXPECT_EQ(n.findings.count("DICOM-NO-TLS"), 1U) << rec.dump();
  EXPECT_EQ(n.findings.count("DICOM-ANY-CALLED-AE"), 0U) << rec.dump();
  // TRUSTED1 is a calling AE the server knows: a user-given --calling-ae proves nothing
  // about unknown callers, so the finding must not appear.
  EXPECT_EQ(n.findings.count("DICOM-ANY-CALLING-AE"), 0U) << rec.dump();
}

TEST_F(OrthancChecked, WrongCalledAeIsRejectedWithReason7) {
  const auto port = lab().port("ORTHANC_CHECKED_PORT");
  const auto rec = only_record(scan_port(port));
  const auto n = normalize(rec);
  json expected = base_record(port);
  expected["association"] = empty_association("rejected", "DICOMSEC", "ANY-SCP");
  expected["association"]["reject"] = reject_7();
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  expect_no_honeypot_signal(n, rec);
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED"})) << rec.dump();
}

TEST_F(OrthancChecked, RightCalledAeIsAcceptedAndRandomOneRejected) {
  const auto port = lab().port("ORTHANC_CHECKED_PORT");
  const auto rec = only_record(scan_port(port, {"--called-ae", "ORTHANC"}));
  const auto n = normalize(rec);
  json expected = base_record(port);
  expected["association"] = accepted_association("DICOMSEC", "ORTHANC");
  expected["echo"] = {{"status", 0}};
  expected["called_ae_check"] = {
      {"called_ae", "*"}, {"result", "rejected"}, {"reject", reject_7()}};
  expected["product"] = orthanc_product();
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  expect_no_honeypot_signal(n, rec);
  EXPECT_TRUE(has_context(n, kVerification)) << rec.dump();
  expect_sane_contexts(n);
  // Unknown calling AE DICOMSEC accepted (DicomAlwaysAllowEcho), called AE checked.
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED", "DICOM-NO-TLS", "DICOM-ANY-CALLING-AE"}))
      << rec.dump();
}

TEST_F(OrthancOpen, AcceptsAnyAe) {
  const auto port = lab().port("ORTHANC_OPEN_PORT");
  const auto rec = only_record(scan_port(port));
  const auto n = normalize(rec);
  json expected = base_record(port);
  expected["association"] = accepted_association("DICOMSEC", "ANY-SCP");
  expected["echo"] = {{"status", 0}};
  expected["called_ae_check"] = {{"called_ae", "*"}, {"result", "accepted"}, {"reject", nullptr}};
  expected["product"] = orthanc_product();
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  expect_no_honeypot_signal(n, rec);
  EXPECT_TRUE(has_context(n, kVerification)) << rec.dump();
  for (const auto& qr : kQueryRetrieve) EXPECT_TRUE(has_context(n, qr)) << qr << ": " << rec.dump();
  expect_sane_contexts(n);
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED", "DICOM-NO-TLS", "DICOM-ANY-CALLING-AE",
                                         "DICOM-ANY-CALLED-AE"}))
      << rec.dump();
}

TEST_F(Sweep, AllLabPortsInOneRun) {
  const auto& l = lab();
  const std::string ports = l.port("STORESCP_PORT") + "," + l.port("QRSCP_PORT") + "," +
                            l.port("ORTHANC_CHECKED_PORT") + "," + l.port("ORTHANC_OPEN_PORT") +
                            "," + l.port("CLOSED_PORT");
  const auto r = scan_port(ports);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  std::map<int, std::string> result_by_port;
  for (const auto& rec : r.records) {
    EXPECT_EQ(rec.value("ip", ""), "127.0.0.1") << rec.dump();
    EXPECT_TRUE(rec.value("dicom", false)) << rec.dump();
    const int port = rec.value("port", 0);
    EXPECT_EQ(result_by_port.count(port), 0U) << "two records for port " << port;
    result_by_port[port] = rec["association"].is_object() ? rec["association"].value("result", "?")
                                                          : std::string("null");
  }
  const std::map<int, std::string> expected{
      {std::stoi(l.port("STORESCP_PORT")), "accepted"},
      {std::stoi(l.port("QRSCP_PORT")), "rejected"},
      {std::stoi(l.port("ORTHANC_CHECKED_PORT")), "rejected"},
      {std::stoi(l.port("ORTHANC_OPEN_PORT")), "accepted"}};  // closed port: no record
  EXPECT_EQ(result_by_port, expected) << r.describe();
}

TEST_F(Sweep, SixtyFourLoopbackHosts) {
  // storescp listens on every address, so each of 127.0.1.0-63 answers.
  const auto port = lab().port("STORESCP_PORT");
  const auto r = run_dicomsec({"scan", "127.0.1.0/26", "-p", port, "--timeout", "3000",
                               "--connect-timeout", "3000", "--no-progress"},
                              60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(r.records.size(), 64U) << r.describe();
  std::set<std::string> ips;
  for (const auto& rec : r.records) {
    EXPECT_EQ(rec.value("status", ""), "success") << rec.dump();
    EXPECT_TRUE(rec.value("dicom", false)) << rec.dump();
    EXPECT_EQ(rec.value("port", 0), std::stoi(port)) << rec.dump();
    ASSERT_TRUE(rec["association"].is_object()) << rec.dump();
    EXPECT_EQ(rec["association"].value("result", ""), "accepted") << rec.dump();
    ips.insert(rec.value("ip", ""));
  }
  std::set<std::string> expected;
  for (int i = 0; i < 64; ++i) expected.insert("127.0.1." + std::to_string(i));
  EXPECT_EQ(ips, expected);
}

TEST_F(ClosedPort, RecordOnlyWithAll) {
  const auto port = lab().port("CLOSED_PORT");
  const auto rec = only_record(scan_port(port, {"--all"}));
  const auto n = normalize(rec);
  json expected = base_record(port);
  expected["status"] = "connection-refused";
  expected["dicom"] = false;
  json got = n.record;
  EXPECT_TRUE(got.contains("detail")) << rec.dump();
  got.erase("detail");
  EXPECT_EQ(got.dump(), expected.dump()) << "full record: " << rec.dump();
  EXPECT_TRUE(n.findings.empty()) << rec.dump();
}

TEST_F(ClosedPort, NoRecordWithoutAll) {
  const auto r = scan_port(lab().port("CLOSED_PORT"));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.records.empty()) << r.describe();
}

TEST_F(ClosedPort, OutputFileGetsTheRecords) {
  const fs::path dir = lab().dir;
  const auto path = (dir / ("records-" + std::to_string(getpid()) + ".jsonl")).string();
  std::remove(path.c_str());
  const auto r = scan_port(lab().port("CLOSED_PORT"), {"--all", "-o", path});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
  std::ifstream in(path);
  std::vector<json> recs;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) recs.push_back(json::parse(line, nullptr, false));
  ASSERT_EQ(recs.size(), 1U);
  EXPECT_EQ(recs[0].value("status", ""), "connection-refused") << recs[0].dump();
  add_lines_from(path);
  std::remove(path.c_str());
}

// ---------------------------------------------------------------------------------------
// Misbehaving peers (fault_server), each its own server

#define START_FAULT(var, ...)   \
  FaultServer var(__VA_ARGS__); \
  ASSERT_TRUE(var.ok()) << var.error()

void expect_no_dicom_answer(const json& rec) {
  EXPECT_FALSE(rec.value("dicom", true)) << rec.dump();
  EXPECT_TRUE(rec["product"].is_null()) << rec.dump();
  EXPECT_TRUE(rec["echo"].is_null()) << rec.dump();
  EXPECT_TRUE(rec["called_ae_check"].is_null()) << rec.dump();
  EXPECT_TRUE(rec["findings"].is_array() && rec["findings"].empty()) << rec.dump();
  // TCP connected: the association object is there, with nothing negotiated.
  if (rec["association"].is_object()) {
    const auto& a = rec["association"];
    EXPECT_EQ(a.value("result", ""), "none") << rec.dump();
    EXPECT_TRUE(a["reject"].is_null()) << rec.dump();
    EXPECT_TRUE(a["abort"].is_null()) << rec.dump();
    EXPECT_FALSE(a.value("released", true)) << rec.dump();
    EXPECT_TRUE(a["accepted_contexts"].empty()) << rec.dump();
  }
  EXPECT_TRUE(rec.contains("detail")) << "a failed probe says why: " << rec.dump();
}

TEST_F(Fault, SilentPeerIsAnIoTimeout) {
  START_FAULT(fs, "silent");
  const auto r = scan_port(fs.port());
  const auto rec = only_record(r);
  EXPECT_EQ(rec.value("status", ""), "io-timeout") << rec.dump();
  expect_no_dicom_answer(rec);
  // io-timeout (not a kill by run_dicomsec's 30 s hang guard) shows --timeout ended the
  // tarpit; how soon is for bench/, not for a wall-clock bound here.
}

TEST_F(Fault, HttpAnswerIsAProtocolError) {
  START_FAULT(fs, "http");
  const auto rec = only_record(scan_port(fs.port()));
  EXPECT_EQ(rec.value("status", ""), "protocol-error") << rec.dump();
  expect_no_dicom_answer(rec);
}

TEST_F(Fault, BannerIsAProtocolError) {
  START_FAULT(fs, "banner");
  const auto rec = only_record(scan_port(fs.port()));
  EXPECT_EQ(rec.value("status", ""), "protocol-error") << rec.dump();
  expect_no_dicom_answer(rec);
}

TEST_F(Fault, HugePduIsRefusedAtOnce) {
  START_FAULT(fs, "huge-pdu");
  const auto r = scan_port(fs.port());
  const auto rec = only_record(r);
  EXPECT_EQ(rec.value("status", ""), "protocol-error") << rec.dump();
  expect_no_dicom_answer(rec);
  std::string detail = rec.value("detail", "");
  std::transform(detail.begin(), detail.end(), detail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  EXPECT_NE(detail.find("length"), std::string::npos) << rec.dump();
  EXPECT_TRUE(detail.find("4294967280") != std::string::npos ||
              detail.find("0xfffffff0") != std::string::npos)
      << "detail should name the announced length: " << rec.dump();
  // Decided from the header alone: the peer keeps the connection open after the header, so
  // waiting for the 4 GiB or for the timeout would have ended in io-timeout, not here.
}

TEST_F(Fault, GarbageIsAProtocolError) {
  START_FAULT(fs, "garbage", std::vector<std::string>{"--seed", "7"});
  const auto rec = only_record(scan_port(fs.port()));
  EXPECT_EQ(rec.value("status", ""), "protocol-error") << rec.dump();
  expect_no_dicom_answer(rec);
}

TEST_F(Fault, TruncatedAcIsAnIoTimeout) {
  START_FAULT(fs, "truncated-ac");
  const auto r = scan_port(fs.port());
  const auto rec = only_record(r);
  EXPECT_EQ(rec.value("status", ""), "io-timeout") << rec.dump();
  expect_no_dicom_answer(rec);
}

TEST_F(Fault, AbortIsAnAbortedAssociation) {
  START_FAULT(fs, "abort");
  const auto port = fs.port();
  const auto rec = only_record(scan_port(port));
  const auto n = normalize(rec);
  // A-ABORT 07 00 00000004 00 00 02 00: a well-formed PDU (status success) with
  // association.result aborted and the abort's source/reason kept. Issue 11 §2: `dicom`
  // means an A-ASSOCIATE-AC/RJ fixed part was seen, and an abort alone proves no DICOM
  // service accepted or refused anything, so dicom is false and no DICOM finding is made.
  json expected = base_record(port);
  expected["dicom"] = false;
  expected["association"] = empty_association("aborted", "DICOMSEC", "ANY-SCP");
  expected["association"]["abort"] = {
      {"source", "service-provider"}, {"reason", "reason-not-specified"}, {"codes", {2, 0}}};
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  EXPECT_TRUE(n.findings.empty()) << rec.dump();
}

// PS3.8 9.3.3.2: an A-ASSOCIATE-AC that answers a presentation context we never proposed
// is a protocol error (AA-8), not an accepted association: a DICOM service answered, badly.
TEST_F(Fault, AcAnsweringAnUnproposedContextIsAProtocolError) {
  START_FAULT(fs, "unproposed-context");
  const auto rec = only_record(scan_port(fs.port()));
  EXPECT_EQ(rec.value("status", ""), "protocol-error") << rec.dump();
  EXPECT_TRUE(rec.value("dicom", false)) << rec.dump();
  EXPECT_NE(rec.value("detail", "").find("presentation context 255, which was not proposed"),
            std::string::npos)
      << rec.dump();
  ASSERT_TRUE(rec["association"].is_object()) << rec.dump();
  // The server did accept (we refused its answer with AA-8, so no C-ECHO): the verdicts that
  // depend on the acceptance stay (issue 11 §2), beside the protocol error.
  EXPECT_EQ(rec["association"].value("result", ""), "accepted") << rec.dump();
  EXPECT_TRUE(rec["echo"].is_null()) << rec.dump();
  std::set<std::string> ids;
  for (const auto& f : rec["findings"]) ids.insert(f.value("id", ""));
  EXPECT_TRUE(ids.count("DICOM-EXPOSED")) << rec.dump();
  EXPECT_TRUE(ids.count("DICOM-NO-TLS")) << rec.dump();
}

TEST_F(Fault, ResetIsAProtocolError) {
  START_FAULT(fs, "reset");
  const auto rec = only_record(scan_port(fs.port()));
  EXPECT_EQ(rec.value("status", ""), "protocol-error") << rec.dump();
  expect_no_dicom_answer(rec);
}

TEST_F(Fault, SlowRejectIsReassembled) {
  // One byte of an A-ASSOCIATE-RJ [1,1,7] every 500 ms (5 s in all): each read is well inside
  // --timeout 2000 and the whole exchange inside its 4 x 2000 ms deadline, so the reject is
  // reassembled across ten reads.
  START_FAULT(fs, "slow");
  const auto port = fs.port();
  const auto r = run_dicomsec({"scan", "127.0.0.1", "-p", port, "--timeout", "2000",
                               "--connect-timeout", "1000", "--no-progress"});
  const auto rec = only_record(r);
  const auto n = normalize(rec);
  json expected = base_record(port);
  expected["association"] = empty_association("rejected", "DICOMSEC", "ANY-SCP");
  expected["association"]["reject"] = reject_7();
  EXPECT_EQ(n.record.dump(), expected.dump()) << "full record: " << rec.dump();
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED"})) << rec.dump();
}

TEST_F(Fault, DripSlowerThanTheDeadlineIsCut) {
  // 900 ms per byte never trips the 1000 ms read timeout, but the exchange deadline
  // (4 x --timeout) must: a dripping peer cannot hold a probe for 9 s. Without the deadline
  // the ten bytes of the reject would all arrive and the association would read "rejected";
  // io-timeout is the proof, without a wall-clock bound.
  START_FAULT(fs, "slow", std::vector<std::string>{"--interval-ms", "900"});
  const auto r = run_dicomsec({"scan", "127.0.0.1", "-p", fs.port(), "--timeout", "1000",
                               "--connect-timeout", "1000", "--no-progress"});
  const auto rec = only_record(r);
  EXPECT_EQ(rec.value("status", ""), "io-timeout") << rec.dump();
  expect_no_dicom_answer(rec);
}

// ---------------------------------------------------------------------------------------
// Honeypots (issue 12 §3): the doubles of fault_server are flagged, every lab peer is not.

TEST_F(Honeypot, NoLabPeerIsFlaggedWhateverItAnswers) {
  // Every lab peer, accepted and rejected, with the default and with the right AE titles.
  const auto& l = lab();
  std::vector<RunResult> runs;
  runs.push_back(scan_port(l.port("STORESCP_PORT") + "," + l.port("QRSCP_PORT") + "," +
                           l.port("ORTHANC_CHECKED_PORT") + "," + l.port("ORTHANC_OPEN_PORT")));
  runs.push_back(
      scan_port(l.port("QRSCP_PORT"), {"--calling-ae", "TRUSTED1", "--called-ae", "QRSCP"}));
  runs.push_back(scan_port(l.port("ORTHANC_CHECKED_PORT"), {"--called-ae", "ORTHANC"}));
  std::size_t judged = 0;
  for (const auto& r : runs) {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.err.find("likely honeypots among them"), std::string::npos) << r.describe();
    for (const auto& rec : r.records) {
      expect_no_honeypot_signal(normalize(rec), rec);
      ++judged;
    }
  }
  EXPECT_EQ(judged, 6U);
}

json honeypot_of(const json& rec) {
  EXPECT_TRUE(rec["honeypot"].is_object()) << rec.dump();
  return rec["honeypot"].is_object() ? rec["honeypot"] : json::object();
}

std::set<std::string> signal_ids(const json& honeypot) {
  std::set<std::string> out;
  for (const auto& e : honeypot.value("evidence", json::array()))
    out.insert(e.get<std::string>().substr(0, e.get<std::string>().find(':')));
  return out;
}

TEST_F(Honeypot, DicompotIsFlaggedAndStaysExposed) {
  START_FAULT(fs, "dicompot");
  const auto r = scan_port(fs.port());
  const auto rec = only_record(r);
  const auto n = normalize(rec);
  const auto h = honeypot_of(rec);
  EXPECT_TRUE(h.value("likely", false)) << rec.dump();
  EXPECT_EQ(h.value("confidence", ""), "high") << rec.dump();
  EXPECT_EQ(signal_ids(h),
            (std::set<std::string>{"no-implementation-class-uid",
                                   "unknown-abstract-syntax-accepted", "go-netdicom-max-pdu"}))
      << rec.dump();
  // A honeypot is still an exposed service: every exposure finding stays.
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED", "DICOM-HONEYPOT-LIKELY", "DICOM-NO-TLS",
                                         "DICOM-ANY-CALLING-AE", "DICOM-ANY-CALLED-AE"}))
      << rec.dump();
  EXPECT_NE(r.err.find("likely honeypots among them: 1 "), std::string::npos) << r.describe();
}

TEST_F(Honeypot, DicompotWithEnforcedAeIsFlaggedByItsReject) {
  START_FAULT(fs, "dicompot-enforce");
  const auto rec = only_record(scan_port(fs.port()));
  const auto n = normalize(rec);
  const auto h = honeypot_of(rec);
  EXPECT_TRUE(h.value("likely", false)) << rec.dump();
  EXPECT_EQ(signal_ids(h), std::set<std::string>{"called-ae-reject-protocol-version"})
      << rec.dump();
  EXPECT_EQ(n.findings, with_severities({"DICOM-EXPOSED", "DICOM-HONEYPOT-LIKELY"})) << rec.dump();
}

TEST_F(Honeypot, DicomHawkIsFlaggedDespiteItsDcmtkIdentity) {
  START_FAULT(fs, "dicomhawk");
  const auto rec = only_record(scan_port(fs.port()));
  const auto n = normalize(rec);
  const auto h = honeypot_of(rec);
  EXPECT_TRUE(h.value("likely", false)) << rec.dump();
  EXPECT_EQ(signal_ids(h), std::set<std::string>{"pynetdicom-max-pdu-with-borrowed-identity"})
      << rec.dump();
  EXPECT_EQ(n.findings.count("DICOM-HONEYPOT-LIKELY"), 1U) << rec.dump();
  EXPECT_EQ(n.findings.count("DICOM-EXPOSED"), 1U) << rec.dump();
  EXPECT_EQ(n.findings.count("DICOM-NO-TLS"), 1U) << rec.dump();
}

// Level auth (issue 12 §3): the C-FIND answers and the web pages of the doubles are flagged,
// and no value the doubles sent is in any output.
void expect_no_double_values(const RunResult& r) {
  for (const char* v : {"POT-0001", "2.25.4343", "HAWK-0001", "HAWK^SYNTHETIC", "2.25.4242",
                        "SYNTHETIC HOSPITAL", "ACC0001"}) {
    EXPECT_EQ(r.out.find(v), std::string::npos) << v << "\n" << r.describe();
    EXPECT_EQ(r.err.find(v), std::string::npos) << v << "\n" << r.describe();
  }
}

TEST_F(Honeypot, DicompotAtLevelAuthAnswersOneRowPerFile) {
  START_FAULT(fs, "dicompot");
  const auto r = scan_port(fs.port(), {"--level", "auth"});
  const auto rec = only_record(r);
  const auto h = honeypot_of(rec);
  const auto ids = signal_ids(h);
  EXPECT_EQ(ids.count("find-level-ignored"), 1U) << rec.dump();
  EXPECT_EQ(ids.count("find-level-missing"), 1U) << rec.dump();
  const auto& p = rec["access"]["find"]["answers"]["patient"];
  EXPECT_EQ(p.value("identifiers", 0), 3) << rec.dump();
  EXPECT_EQ(p.value("duplicate_keys", 0), 2) << rec.dump();
  EXPECT_EQ(p["levels"], json::array({"empty"})) << rec.dump();
  expect_no_double_values(r);
}

TEST_F(Honeypot, DicomHawkAtLevelAuthAnswersItsFixedStudySet) {
  START_FAULT(fs, "dicomhawk");
  const auto r = scan_port(fs.port(), {"--level", "auth"});
  const auto rec = only_record(r);
  const auto h = honeypot_of(rec);
  EXPECT_EQ(h.value("confidence", ""), "high") << rec.dump();
  EXPECT_EQ(signal_ids(h), (std::set<std::string>{"pynetdicom-max-pdu-with-borrowed-identity",
                                                  "find-unrequested-attributes",
                                                  "find-level-missing", "dicomhawk-study-answer"}))
      << rec.dump();
  const auto& st = rec["access"]["find"]["answers"]["study"];
  EXPECT_EQ(st.value("unrequested_count", 0), 11) << rec.dump();
  EXPECT_EQ(st["levels"], json::array({"absent"})) << rec.dump();
  expect_no_double_values(r);
}

TEST_F(Honeypot, DicomHawkWebConsoleIsFlaggedAtLevelAuth) {
  START_FAULT(fs, "dicomhawk-web");
  const auto rec = only_record(scan_port(fs.port(), {"--level", "auth", "--web-ports", fs.port()}));
  ASSERT_TRUE(rec["web"].is_object()) << rec.dump();
  EXPECT_EQ(rec["web"]["title"], "DICOMHawk") << rec.dump();
  EXPECT_EQ(rec["web"]["login_page"], false) << rec.dump();
  const auto h = honeypot_of(rec);
  EXPECT_TRUE(h.value("likely", false)) << rec.dump();
  EXPECT_EQ(signal_ids(h), std::set<std::string>{"honeypot-web-title"}) << rec.dump();
  EXPECT_EQ(normalize(rec).findings.count("DICOM-HONEYPOT-LIKELY"), 1U) << rec.dump();
  // Level safe never runs the web probe: no title, nothing to judge.
  const auto safe = scan_port(fs.port());
  for (const auto& rs : safe.records) {
    EXPECT_TRUE(rs.value("web", json()).is_null()) << rs.dump();
    EXPECT_EQ(rs.dump().find("DICOMHawk"), std::string::npos) << rs.dump();
  }
}

TEST_F(Honeypot, DicomHawkLoginPageIsEvidenceNotAVerdict) {
  START_FAULT(fs, "dicomhawk-login");
  const auto rec = only_record(scan_port(fs.port(), {"--level", "auth", "--web-ports", fs.port()}));
  ASSERT_TRUE(rec["web"].is_object()) << rec.dump();
  EXPECT_EQ(rec["web"]["title"], "PACS Web Login") << rec.dump();
  EXPECT_EQ(rec["web"]["login_page"], true) << rec.dump();
  const auto h = honeypot_of(rec);
  EXPECT_FALSE(h.value("likely", true)) << rec.dump();
  EXPECT_EQ(h.value("confidence", ""), "low") << rec.dump();
  EXPECT_EQ(signal_ids(h), std::set<std::string>{"dicomhawk-login-page"}) << rec.dump();
}

TEST_F(Honeypot, NoLabPeerIsFlaggedAtLevelAuth) {
  // The access checks' C-FIND answers and Orthanc's web page carry no signal either.
  const auto& l = lab();
  std::vector<RunResult> runs;
  runs.push_back(scan_port(l.port("STORESCP_PORT") + "," + l.port("QRSCP_PORT") + "," +
                               l.port("ORTHANC_CHECKED_PORT") + "," + l.port("ORTHANC_OPEN_PORT") +
                               "," + l.port("ORTHANC_OPEN_HTTP"),
                           {"--level", "auth", "--web-ports", l.port("ORTHANC_OPEN_HTTP")}));
  runs.push_back(scan_port(l.port("QRSCP_PORT"), {"--level", "auth", "--calling-ae", "TRUSTED1",
                                                  "--called-ae", "QRSCP"}));
  std::size_t judged = 0, answered = 0;
  for (const auto& r : runs) {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.err.find("likely honeypots among them"), std::string::npos) << r.describe();
    for (const auto& rec : r.records) {
      expect_no_honeypot_signal(normalize(rec), rec);
      ++judged;
      const auto a = rec.value("/access/find/answers"_json_pointer, json());
      for (const char* level : {"patient", "study"})
        if (a.is_object() && a[level].is_object()) {
          ++answered;
          EXPECT_EQ(a[level].value("duplicate_keys", -1), 0) << rec.dump();
        }
    }
  }
  EXPECT_EQ(judged, 6U);
  EXPECT_GE(answered, 2U) << "no lab peer answered a C-FIND: the test would prove nothing";
}

// ---------------------------------------------------------------------------------------
// Exit codes (design §2: 0 ok, 1 findings at or above --fail-on, 2 usage, 3 runtime)

TEST_F(ExitCode, FailOnHighWithStorescpIs1) {
  const auto r = scan_port(lab().port("STORESCP_PORT"), {"--fail-on", "high"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(r.records.size(), 1U) << r.describe();
}

TEST_F(ExitCode, FailOnCriticalWithStorescpIs0) {
  const auto r = scan_port(lab().port("STORESCP_PORT"), {"--fail-on", "critical"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.records.size(), 1U) << r.describe();
}

// Usage errors: parsing fails before any traffic; still, every port given is closed.
void expect_usage_error(const RunResult& r, const std::string& named) {
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_TRUE(r.out.empty()) << "no records on a usage error\n" << r.describe();
  EXPECT_NE(r.err.find(named), std::string::npos) << "stderr should name '" << named << "'\n"
                                                  << r.describe();
}

TEST_F(ExitCode, BadTargetIs2) {
  const auto r = run_dicomsec({"scan", "10.0.0.300", "-p", lab().port("CLOSED_PORT")}, 30s,
                              /*allow_bad_target_token=*/true);
  expect_usage_error(r, "10.0.0.300");
}

TEST_F(ExitCode, BadPortIs2) {
  expect_usage_error(run_dicomsec({"scan", "127.0.0.1", "-p", "70000"}), "70000");
}

TEST_F(ExitCode, UnknownFlagIs2) {
  expect_usage_error(
      run_dicomsec({"scan", "127.0.0.1", "-p", lab().port("CLOSED_PORT"), "--no-such-flag"}),
      "--no-such-flag");
}

TEST_F(ExitCode, UnwritableOutputIs3) {
  const auto r = run_dicomsec(
      {"scan", "127.0.0.1", "-p", lab().port("CLOSED_PORT"), "-o", "/nonexistent-dir/x.jsonl"});
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
  EXPECT_NE(r.err.find("/nonexistent-dir/x.jsonl"), std::string::npos) << r.describe();
}

TEST_F(ExitCode, NoTargetsIs2) {
  const auto r = run_dicomsec({"scan", "-p", lab().port("CLOSED_PORT")});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_TRUE(r.out.empty()) << r.describe();
  EXPECT_FALSE(r.err.empty()) << r.describe();
}

TEST_F(ExitCode, CalledAeOf17CharactersIs2) {
  const std::string ae17 = "ABCDEFGHIJKLMNOPQ";
  ASSERT_EQ(ae17.size(), 17U);
  expect_usage_error(
      run_dicomsec({"scan", "127.0.0.1", "-p", lab().port("CLOSED_PORT"), "--called-ae", ae17}),
      ae17);
}

// ---------------------------------------------------------------------------------------
// Report formats (issue 7): the same lab sweep written as jsonl, csv, sarif and html with -o.

using Formats = ScanTest;

TEST_F(Formats, LabSweepInEveryFormat) {
  const auto& l = lab();
  const std::string ports = l.port("STORESCP_PORT") + "," + l.port("QRSCP_PORT") + "," +
                            l.port("ORTHANC_CHECKED_PORT") + "," + l.port("ORTHANC_OPEN_PORT");
  const auto dir = fs::temp_directory_path() / ("dicomsec-formats-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::map<std::string, std::string> out;
  for (const char* format : {"jsonl", "csv", "sarif", "html"}) {
    const auto path = (dir / (std::string("report.") + format)).string();
    const auto r = scan_port(ports, {"--format", format, "-o", path});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(r.out.empty()) << "-o given, yet stdout has output\n" << r.describe();
    std::ifstream in(path, std::ios::binary);
    out[format] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  add_lines_from((dir / "report.jsonl").string());
  ASSERT_EQ(lines_.size(), 4U) << out["jsonl"];
  std::size_t findings = 0;
  for (const auto& line : lines_) findings += json::parse(line)["findings"].size();

  EXPECT_EQ(out["csv"].rfind("ip,port,hostname,status,", 0), 0U) << out["csv"];
  EXPECT_EQ(std::count(out["csv"].begin(), out["csv"].end(), '\n'), 5) << out["csv"];

  const auto sarif = json::parse(out["sarif"]);
  EXPECT_EQ(sarif["version"], "2.1.0");
  const auto& run = sarif["runs"][0];
  EXPECT_EQ(run["results"].size(), findings);
  const auto command = run["invocations"][0].value("commandLine", "");
  EXPECT_NE(command.find("--format sarif"), std::string::npos) << command;
  EXPECT_TRUE(std::regex_match(run["invocations"][0].value("startTimeUtc", ""),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));

  std::size_t hosts = 0;
  for (auto p = out["html"].find("<article class=\"host"); p != std::string::npos;
       p = out["html"].find("<article class=\"host", p + 1))
    ++hosts;
  EXPECT_EQ(hosts, 4U);
  EXPECT_NE(out["html"].find("id=\"checklist\""), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
