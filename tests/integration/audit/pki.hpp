// Temporary directories, shell steps and a throwaway PKI (openssl CLI) for the audit and
// certificate tests. Everything lives under one temporary directory per test.
#pragma once

#include <fmt/format.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "support/process.hpp"

namespace dicomsec::test_support {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dicomsec-gw-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string operator/(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

// Runs a shell script in dir (bounded); its exit code, -1 on timeout. Output goes to
// dir/step.out and dir/step.err for the failure message.
inline int shell(const TempDir& dir, const std::string& script,
                 std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const pid_t pid =
      spawn({"bash", "-euo", "pipefail", "-c", "cd '" + dir.path().string() + "' && " + script},
            dir / "step.out", dir / "step.err");
  return wait_for(pid, limit);
}

inline std::string shell_error(const TempDir& dir) { return slurp(dir / "step.err"); }

// A CA (ca.pem, ca.key) in dir.
inline int make_ca(const TempDir& dir, const std::string& name = "ca") {
  return shell(dir,
               fmt::format("openssl req -x509 -newkey rsa:2048 -nodes -keyout {0}.key -out {0}.pem "
                           "-days 2 -subj '/CN=dicomsec test CA {0}' 2>/dev/null",
                           name));
}

// A server certificate for 127.0.0.1 (IP SAN) with the given serial (hex), signed by ca:
// NAME.pem and NAME.key.
inline int make_server_cert(const TempDir& dir, const std::string& name,
                            const std::string& serial_hex, const std::string& ca = "ca") {
  return shell(
      dir, fmt::format("openssl req -newkey rsa:2048 -nodes -keyout {0}.key -out {0}.csr "
                       "-subj '/CN=127.0.0.1' 2>/dev/null && "
                       "printf "
                       "'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,"
                       "clientAuth\\n' > {0}.ext && "
                       "openssl x509 -req -in {0}.csr -CA {2}.pem -CAkey {2}.key -set_serial 0x{1} "
                       "-days 2 -extfile {0}.ext -out {0}.pem 2>/dev/null",
                       name, serial_hex, ca));
}

// Polls pred every 20 ms until it holds or limit passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace dicomsec::test_support
