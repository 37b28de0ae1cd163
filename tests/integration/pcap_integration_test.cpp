// `dicomsec pcap` on real traffic captured during the test (issue 14, Tests): tcpdump on lo
// records DCMTK echoscu, storescu --user/--password, findscu and movescu against the lab's
// storescp, dcmqrscp and Orthancs, a rejected association, storescp +tls (echoscu +tls and an
// openssl s_client TLS 1.2 handshake that shows the certificate), and a bulk association of
// 2 MB images to a storescp of the test's own. The hard cases are derived from that capture
// with tools: cut mid-association (editcap -r), duplicated (mergecap), dropped (editcap),
// re-addressed (tcprewrite --pnat, for an AE title at two addresses),
// reordered (a byte-level swap of adjacent records), VLAN-tagged (an 802.1Q tag inserted per
// frame), pcapng (editcap -F). Records are asserted exactly; the canary patient and the password
// must appear in no output format, stderr or the --db file. A live capture on lo runs while
// `dicomsec scan` probes the lab. No capture file is committed: all of them live in a temporary
// directory.
//
// Needs the lab fixture (DICOMSEC_LAB_DIR); without it, or without tcpdump and capture
// permission, it fails (skips only with DICOMSEC_ALLOW_SKIP=1). Loopback only; ports from
// lab.env and free_port().
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/skip.hpp"

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace ts = dicomsec::test_support;

constexpr const char* kDicomsec = DICOMSEC_BIN;
constexpr const char* kCtImage = "1.2.840.10008.5.1.4.1.1.2";
constexpr int kBulkImages = 6;  // 2 MB each, one association
constexpr int kBulkSmall = 20;  // the canary, in the same association

struct RunOut {
  int code = -1;
  std::string out, err;
};

bool connectable(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(50ms);  // bounded poll for a peer's readiness
  }
  return ready();
}

std::vector<json> jsonl(const std::string& text) {
  std::vector<json> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) out.push_back(json::parse(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return out;
}

// Records of a classic pcap file (24-byte header; 16-byte record headers, incl_len at +8).
std::vector<std::string> pcap_records(const std::string& file) {
  std::vector<std::string> recs;
  std::size_t pos = 24;
  while (pos + 16 <= file.size()) {
    std::uint32_t len = 0;
    std::memcpy(&len, file.data() + pos + 8, 4);
    recs.push_back(file.substr(pos, 16 + len));
    pos += 16 + len;
  }
  return recs;
}

class PcapTraffic : public ::testing::Test {
 protected:
  static inline fs::path work_;
  static inline std::map<std::string, std::string> env_;
  static inline std::string password_;
  static inline std::string setup_error_;
  static inline int tls_port_ = -1, bulk_port_ = -1;
  static inline std::vector<pid_t> servers_;
  static inline int serial_ = 0;

  static RunOut run(const std::vector<std::string>& argv, std::chrono::milliseconds limit = 60s) {
    const auto n = std::to_string(++serial_);
    const auto out = work_ / ("run" + n + ".out"), err = work_ / ("run" + n + ".err");
    const pid_t pid = ts::spawn(argv, out, err);
    RunOut r;
    r.code = ts::wait_for(pid, limit);
    r.out = ts::slurp(out);
    r.err = ts::slurp(err);
    return r;
  }
  static std::string port(const char* key) { return env_.at(key); }

  static void SetUpTestSuite() {
    const char* lab = std::getenv("DICOMSEC_LAB_DIR");
    if (!lab || !fs::exists(fs::path(lab) / "lab.env")) {
      setup_error_ = "needs the lab fixture (run through ctest -R integration.pcap)";
      return;
    }
    env_ = ts::read_env(fs::path(lab) / "lab.env");
    for (const char* tool : {"tcpdump", "editcap", "mergecap", "tshark", "capinfos", "tcprewrite",
                             "openssl", "dump2dcm"})
      if (std::system((std::string("command -v ") + tool + " >/dev/null").c_str()) != 0) {
        setup_error_ = std::string("needs ") + tool;
        return;
      }
    work_ = fs::temp_directory_path() / ("dicomsec-pcap-" + std::to_string(getpid()));
    fs::remove_all(work_);
    fs::create_directories(work_ / "bulk-in");
    password_ = "CANARYPASS" + env_.at("CANARY");
    setup_error_ = capture_traffic();
  }

  static void TearDownTestSuite() {
    for (auto pid : servers_) ts::stop_group(pid);
    if (!work_.empty() && std::getenv("DICOMSEC_KEEP_PCAP_TEST") == nullptr) fs::remove_all(work_);
  }

  void SetUp() override {
    if (!setup_error_.empty()) DICOMSEC_SKIP_OR_FAIL(setup_error_);
  }

  static std::string capture_traffic() {
    const auto w = work_.string();
    // TLS server (self-signed, no client certificate asked) and a bulk storescp of our own.
    auto r =
        run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj",
             "/CN=pcap-test.dicomsec.invalid", "-keyout", w + "/key.pem", "-out", w + "/cert.pem"});
    if (r.code != 0) return "openssl req failed: " + r.err;
    tls_port_ = ts::free_port();
    bulk_port_ = ts::free_port();
    fs::create_directories(work_ / "tls-in");
    servers_.push_back(ts::spawn({"storescp", "+tls", w + "/key.pem", w + "/cert.pem", "-ic", "-od",
                                  w + "/tls-in", std::to_string(tls_port_)},
                                 work_ / "tls-scp.out", work_ / "tls-scp.err"));
    servers_.push_back(ts::spawn({"storescp", "-od", w + "/bulk-in", std::to_string(bulk_port_)},
                                 work_ / "bulk-scp.out", work_ / "bulk-scp.err"));
    if (!wait_until([] { return connectable(tls_port_) && connectable(bulk_port_); }, 10s))
      return "test storescp servers did not start";
    // 2 MB synthetic CT images carrying the canary patient (pixel data from /dev/urandom).
    {
      std::ifstream dump(fs::path(env_.at("CANARY_FILE")).parent_path() / "canary.dump");
      std::ofstream big(work_ / "big.dump");
      std::string line;
      while (std::getline(dump, line))
        if (line.rfind("(7fe0,0010)", 0) != 0 && line.rfind("(0028,00", 0) != 0)
          big << line << "\n";
      big << "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 1000\n"
             "(0028,0011) US 1000\n(0028,0100) US 16\n(0028,0101) US 16\n(0028,0102) US 15\n"
             "(0028,0103) US 0\n(7fe0,0010) OW =" +
                 w + "/px.raw\n";
    }
    if (std::system(("head -c 2000000 /dev/urandom > " + w + "/px.raw").c_str()) != 0)
      return "cannot make pixel data";
    r = run({"dump2dcm", "+E", "-q", w + "/big.dump", w + "/big.dcm"});
    if (r.code != 0) return "dump2dcm failed: " + r.err;

    const std::string filter = "tcp port " + port("STORESCP_PORT") + " or tcp port " +
                               port("QRSCP_PORT") + " or tcp port " + port("ORTHANC_CHECKED_PORT") +
                               " or tcp port " + port("ORTHANC_OPEN_PORT") + " or tcp port " +
                               std::to_string(tls_port_) + " or tcp port " +
                               std::to_string(bulk_port_);
    const pid_t dump = ts::spawn({"tcpdump", "-i", "lo", "-B", "262144", "-s", "0", "-U", "-Z",
                                  "root", "-w", w + "/cap.pcap", filter},
                                 work_ / "tcpdump.out", work_ / "tcpdump.err");
    if (!wait_until(
            [] {
              return ts::slurp(work_ / "tcpdump.err").find("listening on") != std::string::npos;
            },
            10s)) {
      ts::stop_group(dump);
      return "tcpdump did not start (root or CAP_NET_RAW needed): " +
             ts::slurp(work_ / "tcpdump.err");
    }
    const std::string host = "127.0.0.1";
    const std::vector<std::vector<std::string>> clients = {
        {"echoscu", "-aec", "STORESCP", host, port("STORESCP_PORT")},
        {"storescu", "-aec", "STORESCP", "--user", "PCAPUSER", "--password", password_, host,
         port("STORESCP_PORT"), env_.at("CANARY_FILE")},
        {"findscu", "-P", "-aet", "TRUSTED1", "-aec", "QRSCP", "-k", "QueryRetrieveLevel=PATIENT",
         "-k", "PatientName=", "-k", "PatientID=", host, port("QRSCP_PORT")},
        {"movescu", "-S", "-aet", "TRUSTED1", "-aec", "QRSCP", "-aem", "TRUSTED1", "-k",
         "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + env_.at("CANARY_STUDY_UID"), host,
         port("QRSCP_PORT")},
        {"echoscu", "-aet", "NOT-KNOWN", "-aec", "QRSCP", host, port("QRSCP_PORT")},
        {"findscu", "-S", "-aet", "PCAPTEST", "-aec", "ORTHANC", "-k", "QueryRetrieveLevel=STUDY",
         "-k", "StudyInstanceUID=", host, port("ORTHANC_OPEN_PORT")},
        {"echoscu", "+tls", w + "/key.pem", w + "/cert.pem", "-ic", host,
         std::to_string(tls_port_)},
    };
    std::string failures;
    for (const auto& c : clients) {
      const auto cr = run(c, 30s);
      // The rejected association is meant to fail.
      if (cr.code != 0 && c[2] != "NOT-KNOWN") failures += c[0] + " failed: " + cr.err + "\n";
      std::this_thread::sleep_for(100ms);  // keeps flows apart in time, not a readiness wait
    }
    // TLS 1.2 so the certificate crosses in cleartext.
    run({"bash", "-c",
         "echo | timeout 10 openssl s_client -tls1_2 -servername pacs.dicomsec.invalid "
         "-connect 127.0.0.1:" +
             std::to_string(tls_port_) + " >/dev/null 2>&1"},
        20s);
    std::vector<std::string> bulk = {
        "storescu", "-aec", "BULKSCP", "-aet", "MODALITY1", host, std::to_string(bulk_port_)};
    for (int i = 0; i < kBulkImages; ++i) bulk.push_back(w + "/big.dcm");
    for (int i = 0; i < kBulkSmall; ++i) bulk.push_back(env_.at("CANARY_FILE"));
    if (const auto br = run(bulk, 60s); br.code != 0) failures += "bulk storescu failed: " + br.err;
    // tcpdump still drains the kernel's buffer after the clients end: stop it only once the
    // file has stopped growing (bounded), or the last packets would be lost.
    std::uintmax_t last = 0;
    int still = 0;
    for (int i = 0; i < 100 && still < 4; ++i) {
      std::this_thread::sleep_for(200ms);
      std::error_code ec;
      const auto size = fs::file_size(work_ / "cap.pcap", ec);
      still = size == last ? still + 1 : 0;
      last = size;
    }
    kill(dump, SIGINT);
    ts::wait_for(dump, 10s);
    if (!failures.empty()) return failures;
    // Derived captures.
    const std::vector<std::vector<std::string>> derive = {
        {"editcap", "-F", "pcapng", w + "/cap.pcap", w + "/cap.pcapng"},
        // Classic pcap (tshark writes pcapng by default): the tests below edit its records.
        {"tshark", "-r", w + "/cap.pcap", "-Y", "tcp.port==" + std::to_string(bulk_port_), "-F",
         "pcap", "-w", w + "/bulk.pcap"},
    };
    for (const auto& d : derive)
      if (const auto dr = run(d); dr.code != 0) return d[0] + " failed: " + dr.err;
    // 802.1Q copy: tcprewrite --enet-vlan=add (4.4.3) cuts the large loopback frames, so the
    // tag is inserted here: TPID 0x8100, VLAN 42, after the two MAC addresses.
    const auto in = ts::slurp(work_ / "cap.pcap");
    std::ofstream vlan(work_ / "vlan.pcap", std::ios::binary);
    vlan << in.substr(0, 24);
    for (auto rec : pcap_records(in)) {
      std::uint32_t incl = 0, orig = 0;
      std::memcpy(&incl, rec.data() + 8, 4);
      std::memcpy(&orig, rec.data() + 12, 4);
      incl += 4;
      orig += 4;
      std::memcpy(rec.data() + 8, &incl, 4);
      std::memcpy(rec.data() + 12, &orig, 4);
      rec.insert(16 + 12, std::string("\x81\x00\x00\x2a", 4));
      vlan << rec;
    }
    return {};
  }

  static std::size_t packets(const fs::path& file) {
    const auto r = run({"capinfos", "-M", "-c", "-T", "-r", file.string()});
    const auto tab = r.out.find('\t');
    return tab == std::string::npos ? 0 : std::stoul(r.out.substr(tab + 1));
  }

  // dicomsec pcap FILE..., JSONL records; every output is checked for the canary.
  std::vector<json> analyse(const std::vector<std::string>& files, int want_exit = 0) {
    std::vector<std::string> argv = {kDicomsec, "pcap"};
    for (const auto& f : files) argv.push_back((work_ / f).string());
    auto r = run(argv);
    EXPECT_EQ(r.code, want_exit) << r.err;
    no_canary(r.out + r.err, files.front());
    return jsonl(r.out);
  }

  void no_canary(const std::string& text, const std::string& what) {
    for (const auto& key : {"CANARY", "CANARY_PATIENT_NAME", "CANARY_PATIENT_ID"})
      EXPECT_EQ(text.find(env_.at(key)), std::string::npos) << what << " holds " << key;
    EXPECT_EQ(text.find(password_), std::string::npos) << what << " holds the password";
    EXPECT_EQ(text.find("PCAPUSER"), std::string::npos) << what << " holds the user name";
  }

  static const json* find(const std::vector<json>& records, const std::string& server_port,
                          const std::string& calling_ae) {
    for (const auto& r : records)
      if (std::to_string(r["server"]["port"].get<int>()) == server_port &&
          r["association"].is_object() && r["association"]["calling_ae"] == calling_ae)
        return &r;
    return nullptr;
  }
};

// Equal record lists, or the JSON patch from `want` to `got` (the records are long: a plain
// EXPECT_EQ prints both and hides the difference).
testing::AssertionResult same_records(const std::vector<json>& got, const std::vector<json>& want) {
  if (got == want) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "records differ; patch from the expected: " << json::diff(json(want), json(got)).dump();
}

using Ids = std::set<std::string>;
Ids ids(const json& record) {
  Ids out;
  for (const auto& f : record["findings"]) out.insert(f["id"].get<std::string>());
  return out;
}

TEST_F(PcapTraffic, EveryAssociationIsRecordedExactly) {
  const auto records = analyse({"cap.pcap"});
  ASSERT_FALSE(records.empty());
  const auto dcmtk = json{{"name", "DCMTK"}, {"version", "3.6.7"}};

  const auto* echo = find(records, port("STORESCP_PORT"), "ECHOSCU");
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ((*echo)["kind"], "flow");
  EXPECT_EQ((*echo)["association"]["result"], "accepted");
  EXPECT_EQ((*echo)["association"]["called_ae"], "STORESCP");
  EXPECT_EQ((*echo)["association"]["released"], true);
  EXPECT_EQ((*echo)["dimse"], (json{{"C-ECHO-RQ", 1}, {"C-ECHO-RSP", 1}}));
  EXPECT_EQ((*echo)["dimse_statuses"], (json{{"C-ECHO-RSP", {{"success", 1}}}}));
  EXPECT_EQ((*echo)["product"]["name"], dcmtk["name"]);
  EXPECT_EQ((*echo)["product"]["version"], dcmtk["version"]);
  EXPECT_EQ((*echo)["client_product"]["name"], "DCMTK");
  EXPECT_EQ((*echo)["midstream"], false);
  EXPECT_EQ((*echo)["encrypted"], false);
  EXPECT_EQ((*echo)["user_identity"], nullptr);
  EXPECT_EQ((*echo)["phi_elements"], json::array());
  EXPECT_EQ((*echo)["client"]["ip"], "127.0.0.1");
  EXPECT_EQ((*echo)["close"], "fin");
  EXPECT_EQ(ids(*echo), Ids({"DICOM-NO-TLS"}));

  const auto* store = find(records, port("STORESCP_PORT"), "STORESCU");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ((*store)["user_identity"]["type"], "username-password");
  EXPECT_EQ((*store)["user_identity"]["cleartext_secret"], true);
  EXPECT_EQ((*store)["dimse"], (json{{"C-STORE-RQ", 1}, {"C-STORE-RSP", 1}}));
  EXPECT_EQ((*store)["dimse_statuses"], (json{{"C-STORE-RSP", {{"success", 1}}}}));
  EXPECT_EQ((*store)["sop_classes_stored"], json::array({kCtImage}));
  EXPECT_EQ((*store)["to_server"]["instances"], 1);
  EXPECT_EQ((*store)["to_client"]["instances"], 0);
  // The canary's accession number, name, ID and birth date; (0008,0090) is empty.
  EXPECT_EQ((*store)["phi_elements"],
            json::array({"(0008,0050)", "(0010,0010)", "(0010,0020)", "(0010,0030)"}));
  EXPECT_EQ(ids(*store), Ids({"DICOM-NO-TLS", "PCAP-CLEARTEXT-CREDENTIALS", "PCAP-CLEARTEXT-PHI"}));

  // One of the two TRUSTED1 associations at dcmqrscp is the C-FIND, the other the C-MOVE.
  const json* move_qr = nullptr;
  const json* find_qr = nullptr;
  for (const auto& r : records)
    if (std::to_string(r["server"]["port"].get<int>()) == port("QRSCP_PORT") &&
        r["dimse"].contains("C-MOVE-RQ"))
      move_qr = &r;
  for (const auto& r : records)
    if (std::to_string(r["server"]["port"].get<int>()) == port("QRSCP_PORT") &&
        r["dimse"].contains("C-FIND-RQ"))
      find_qr = &r;
  ASSERT_NE(find_qr, nullptr);
  EXPECT_EQ((*find_qr)["dimse"], (json{{"C-FIND-RQ", 1}, {"C-FIND-RSP", 2}}));
  EXPECT_EQ((*find_qr)["dimse_statuses"], (json{{"C-FIND-RSP", {{"success", 1}}}}));
  EXPECT_EQ((*find_qr)["to_client"]["instances"], 1);  // one pending response identifier
  EXPECT_EQ((*find_qr)["phi_elements"], json::array({"(0010,0010)", "(0010,0020)"}));
  ASSERT_NE(move_qr, nullptr);
  EXPECT_EQ((*move_qr)["move_destinations"], json::array({"TRUSTED1"}));
  EXPECT_EQ((*move_qr)["dimse"]["C-MOVE-RQ"], 1);
  EXPECT_EQ((*move_qr)["dimse_statuses"], (json{{"C-MOVE-RSP", {{"success", 1}}}}));
  // The C-MOVE's sub-operation: dcmqrscp (calling QRSCP) stores to the lab's storescp.
  const auto* sub = find(records, port("STORESCP_PORT"), "QRSCP");
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ((*sub)["association"]["called_ae"], "TRUSTED1");
  EXPECT_EQ((*sub)["dimse"], (json{{"C-STORE-RQ", 1}, {"C-STORE-RSP", 1}}));
  EXPECT_TRUE(ids(*sub).contains("PCAP-CLEARTEXT-PHI"));

  // dcmqrscp refuses a calling AE title its HostTable does not list: reason 7.
  const auto* rejected = find(records, port("QRSCP_PORT"), "NOT-KNOWN");
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ((*rejected)["association"]["result"], "rejected");
  EXPECT_EQ((*rejected)["association"]["reject"]["codes"], json::array({1, 1, 7}));
  EXPECT_EQ((*rejected)["dimse"], json::object());
  EXPECT_EQ(ids(*rejected), Ids());

  const auto* orthanc = find(records, port("ORTHANC_OPEN_PORT"), "PCAPTEST");
  ASSERT_NE(orthanc, nullptr);
  EXPECT_EQ((*orthanc)["association"]["result"], "accepted");
  EXPECT_EQ((*orthanc)["dimse"]["C-FIND-RQ"], 1);
  EXPECT_GE((*orthanc)["dimse"]["C-FIND-RSP"].get<int>(), 2);

  // TLS: two flows to the +tls storescp, neither decoded, both marked encrypted.
  std::vector<const json*> tls;
  for (const auto& r : records)
    if (r["server"]["port"] == tls_port_) tls.push_back(&r);
  ASSERT_EQ(tls.size(), 2U);
  for (const auto* t : tls) {
    EXPECT_EQ((*t)["protocol"], "tls");
    EXPECT_EQ((*t)["encrypted"], true);
    EXPECT_EQ((*t)["association"], nullptr);
    EXPECT_EQ((*t)["findings"], json::array());
  }
  const auto& s_client = (*tls[1])["tls"];
  EXPECT_EQ(s_client["version"], "TLSv1.2");
  EXPECT_EQ(s_client["sni"], "pacs.dicomsec.invalid");
  EXPECT_EQ(s_client["cert_subject"], "CN=pcap-test.dicomsec.invalid");
  EXPECT_EQ(s_client["cert_issuer"], "CN=pcap-test.dicomsec.invalid");
  EXPECT_TRUE(s_client["cert_not_after"].is_string());
  EXPECT_TRUE(s_client["suite"].is_string());

  const auto* bulk = find(records, std::to_string(bulk_port_), "MODALITY1");
  ASSERT_NE(bulk, nullptr);
  EXPECT_EQ((*bulk)["dimse"]["C-STORE-RQ"], kBulkImages + kBulkSmall);
  EXPECT_EQ((*bulk)["dimse_statuses"]["C-STORE-RSP"]["success"], kBulkImages + kBulkSmall);
  EXPECT_EQ((*bulk)["to_server"]["instances"], kBulkImages + kBulkSmall);
  EXPECT_GT((*bulk)["to_server"]["bytes"].get<std::uint64_t>(), kBulkImages * 2'000'000ULL);
  EXPECT_EQ((*bulk)["gaps"], 0);
}

// The same traffic in pcapng, with a VLAN tag, and with every packet twice gives the same
// records.
TEST_F(PcapTraffic, PcapngVlanAndDuplicatesGiveTheSameRecords) {
  const auto base = analyse({"cap.pcap"});
  EXPECT_TRUE(same_records(analyse({"cap.pcapng"}), base));
  EXPECT_TRUE(same_records(analyse({"vlan.pcap"}), base));
  const auto w = work_.string();
  ASSERT_EQ(run({"mergecap", "-w", w + "/dup.pcap", w + "/cap.pcap", w + "/cap.pcap"}).code, 0);
  EXPECT_TRUE(same_records(analyse({"dup.pcap"}), base));
}

// Adjacent packets swapped all through the bulk association: reassembly puts them back.
TEST_F(PcapTraffic, ReorderedSegmentsGiveTheSameRecords) {
  const auto base = analyse({"bulk.pcap"});
  ASSERT_EQ(base.size(), 1U);
  // pcap record layout (24-byte file header, 16-byte record headers, incl_len at +8).
  const auto in = ts::slurp(work_ / "bulk.pcap");
  auto recs = pcap_records(in);
  // The closing handshake stays in order: a trailing ACK moved before the last FIN belongs
  // to the flow before it closes, so the flow's end time would rightly be that ACK's.
  ASSERT_GT(recs.size(), 20U);
  for (std::size_t i = 10; i + 1 < recs.size() - 4; i += 7) std::swap(recs[i], recs[i + 1]);
  std::ofstream out(work_ / "reordered.pcap", std::ios::binary);
  out << in.substr(0, 24);
  for (const auto& r : recs) out << r;
  out.close();
  EXPECT_TRUE(same_records(analyse({"reordered.pcap"}), base));
}

// A dropped segment is a gap: counted, skipped, and decoding resumes after it.
TEST_F(PcapTraffic, DroppedSegmentIsAGapAndDecodingResumes) {
  const auto n = packets(work_ / "bulk.pcap");
  ASSERT_GT(n, 100U);
  const auto w = work_.string();
  // The first packet past the middle that carries data (a bare ACK would leave no gap).
  const auto recs = pcap_records(ts::slurp(work_ / "bulk.pcap"));
  std::size_t drop = recs.size() / 2;
  while (drop < recs.size() && recs[drop].size() < 16 + 1000) ++drop;
  ASSERT_LT(drop, recs.size());
  ASSERT_EQ(run({"editcap", w + "/bulk.pcap", w + "/drop.pcap", std::to_string(drop + 1)}).code, 0);
  const auto records = analyse({"drop.pcap"});
  ASSERT_EQ(records.size(), 1U);
  const auto& r = records[0];
  EXPECT_EQ(r["gaps"], 1);
  EXPECT_EQ(r["midstream"], false);
  EXPECT_EQ(r["association"]["calling_ae"], "MODALITY1");
  const int stores = r["dimse"]["C-STORE-RQ"].get<int>();
  EXPECT_GE(stores, kBulkImages + kBulkSmall - 1);
  EXPECT_LE(stores, kBulkImages + kBulkSmall);
}

// A capture that starts inside the association: no A-ASSOCIATE-RQ, still decoded.
TEST_F(PcapTraffic, CaptureCutMidAssociationIsDecodedMidStream) {
  const auto n = packets(work_ / "bulk.pcap");
  ASSERT_GT(n, 100U);
  const auto w = work_.string();
  // From a third in: inside the 2 MB images.
  ASSERT_EQ(run({"editcap", "-r", w + "/bulk.pcap", w + "/mid.pcap",
                 std::to_string(n / 3) + "-" + std::to_string(n)})
                .code,
            0);
  const auto records = analyse({"mid.pcap"});
  ASSERT_EQ(records.size(), 1U);
  const auto& r = records[0];
  EXPECT_EQ(r["midstream"], true);
  EXPECT_EQ(r["server"]["port"], bulk_port_);
  EXPECT_EQ(r["association"]["result"], "accepted");
  EXPECT_EQ(r["association"]["calling_ae"], "");
  EXPECT_EQ(r["association"]["released"], true);
  // Every small canary store after the cut is decoded, with its data set's syntax inferred.
  const int stores = r["dimse"]["C-STORE-RQ"].get<int>();
  EXPECT_GE(stores, kBulkSmall);
  EXPECT_LT(stores, kBulkImages + kBulkSmall);
  // The response to the store in flight at the cut may be seen without its request.
  EXPECT_GE(r["dimse"]["C-STORE-RSP"].get<int>(), stores);
  EXPECT_LE(r["dimse"]["C-STORE-RSP"].get<int>(), stores + 1);
  EXPECT_EQ(r["sop_classes_stored"], json::array({kCtImage}));
  EXPECT_EQ(r["phi_elements"],
            json::array({"(0008,0050)", "(0010,0010)", "(0010,0020)", "(0010,0030)"}));
  EXPECT_TRUE(ids(r).contains("PCAP-CLEARTEXT-PHI"));
}

// The same cut with DCMTK's largest PDUs (storescp -pdu 131072: 128 KiB P-DATA-TF, more
// than three fit in what an undecided direction holds): found by the header-only hunt.
TEST_F(PcapTraffic, CaptureCutMidLargePduAssociationIsDecodedMidStream) {
  const auto w = work_.string();
  const int port = ts::free_port();
  fs::create_directories(work_ / "large-in");
  const pid_t scp =
      ts::spawn({"storescp", "-pdu", "131072", "-od", w + "/large-in", std::to_string(port)},
                work_ / "large-scp.out", work_ / "large-scp.err");
  ASSERT_TRUE(wait_until([&] { return connectable(port); }, 10s));
  const pid_t dump =
      ts::spawn({"tcpdump", "-i", "lo", "-B", "262144", "-s", "0", "-U", "-Z", "root", "-w",
                 w + "/large.pcap", "tcp port " + std::to_string(port)},
                work_ / "large-tcpdump.out", work_ / "large-tcpdump.err");
  ASSERT_TRUE(wait_until(
      [] {
        return ts::slurp(work_ / "large-tcpdump.err").find("listening on") != std::string::npos;
      },
      10s));
  constexpr int kImages = 4, kSmall = 5;
  std::vector<std::string> cmd = {"storescu",  "-pdu",      "131072",
                                  "-aec",      "BULKSCP",   "-aet",
                                  "MODALITY2", "127.0.0.1", std::to_string(port)};
  for (int i = 0; i < kImages; ++i) cmd.push_back(w + "/big.dcm");
  for (int i = 0; i < kSmall; ++i) cmd.push_back(env_.at("CANARY_FILE"));
  const auto sr = run(cmd, 60s);
  // Let tcpdump drain (bounded), then stop it and the server.
  std::uintmax_t last = 0;
  int still = 0;
  for (int i = 0; i < 100 && still < 4; ++i) {
    std::this_thread::sleep_for(200ms);
    std::error_code ec;
    const auto size = fs::file_size(work_ / "large.pcap", ec);
    still = size == last ? still + 1 : 0;
    last = size;
  }
  kill(dump, SIGINT);
  ts::wait_for(dump, 10s);
  ts::stop_group(scp);
  ASSERT_EQ(sr.code, 0) << sr.err;

  // Whole: the AC says 131072, and every store is decoded.
  const auto whole = analyse({"large.pcap"});
  ASSERT_EQ(whole.size(), 1U);
  EXPECT_EQ(whole[0]["association"]["max_pdu"], 131072);
  EXPECT_EQ(whole[0]["dimse"]["C-STORE-RQ"], kImages + kSmall);

  const auto n = packets(work_ / "large.pcap");
  ASSERT_GT(n, 100U);
  ASSERT_EQ(run({"editcap", "-r", w + "/large.pcap", w + "/large-mid.pcap",
                 std::to_string(n / 3) + "-" + std::to_string(n)})
                .code,
            0);
  const auto records = analyse({"large-mid.pcap"});
  ASSERT_EQ(records.size(), 1U);
  const auto& r = records[0];
  EXPECT_EQ(r["midstream"], true);
  EXPECT_EQ(r["server"]["port"], port);
  EXPECT_EQ(r["association"]["result"], "accepted");
  EXPECT_EQ(r["association"]["released"], true);
  const int stores = r["dimse"]["C-STORE-RQ"].get<int>();
  EXPECT_GE(stores, kSmall);
  EXPECT_LT(stores, kImages + kSmall);
  EXPECT_GT(r["bytes_skipped"].get<std::uint64_t>(), 0U);
  EXPECT_EQ(r["phi_elements"],
            json::array({"(0008,0050)", "(0010,0010)", "(0010,0020)", "(0010,0030)"}));
}

// Every output format, the stderr summary and the --db file: no canary, no password.
TEST_F(PcapTraffic, NoPatientValueOrPasswordInAnyOutput) {
  const auto w = work_.string();
  for (const char* format : {"jsonl", "csv", "sarif", "html"}) {
    const auto out = w + "/out." + format;
    const auto r = run({kDicomsec, "pcap", "--format", format, "-o", out, "--db", w + "/flows.db",
                        w + "/cap.pcap"});
    EXPECT_EQ(r.code, 0) << format << ": " << r.err;
    EXPECT_NE(r.err.find("cleartext passwords/tokens: 1"), std::string::npos) << r.err;
    no_canary(ts::slurp(out) + r.out + r.err, format);
  }
  // Every record validates against the flow schema.
  const auto v = run({"/usr/bin/python3",
                      std::string(DICOMSEC_SOURCE_DIR) + "/tests/integration/validate_records.py",
                      std::string(DICOMSEC_SOURCE_DIR) + "/schemas/flow-record.schema.json",
                      w + "/out.jsonl"});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_NE(ts::slurp(w + "/out.sarif").find("PCAP-CLEARTEXT-CREDENTIALS"), std::string::npos);
  EXPECT_NE(ts::slurp(w + "/out.html").find("<svg"), std::string::npos);
  for (const auto* f : {"/flows.db", "/flows.db-wal"}) no_canary(ts::slurp(w + f), f);
  // Every table as text (flows, records, findings, scans...): no canary there either.
  const auto dump = run({"sqlite3", w + "/flows.db", ".dump"});
  ASSERT_EQ(dump.code, 0) << dump.err;
  EXPECT_NE(dump.out.find("CREATE TABLE flows"), std::string::npos);
  no_canary(dump.out, "sqlite3 .dump");
  // `report --db` renders each stored pcap run (scans 1-4, one per format above) from its
  // flow records, as the live run wrote them (issue 14 §9).
  const auto sorted_lines = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  const auto rep =
      run({kDicomsec, "report", "--db", w + "/flows.db", "--scan", "1", "--format", "jsonl"});
  EXPECT_EQ(rep.code, 0) << rep.err;
  no_canary(rep.out + rep.err, "report");
  const auto live = sorted_lines(ts::slurp(w + "/out.jsonl"));
  EXPECT_GE(live.size(), 5U);  // the lab traffic: ten associations
  EXPECT_EQ(sorted_lines(rep.out), live);
  for (const auto& [format, scan] : {std::pair{"csv", "2"}, {"sarif", "3"}, {"html", "4"}}) {
    const auto again = w + "/again." + std::string(format);
    const auto r = run({kDicomsec, "report", "--db", w + "/flows.db", "--scan", scan, "--format",
                        format, "-o", again});
    EXPECT_EQ(r.code, 0) << format << ": " << r.err;
    EXPECT_EQ(ts::slurp(again), ts::slurp(w + "/out." + std::string(format))) << format;
  }
}

// --db keeps the wire's services; `diff PCAP SCAN` lists what the wire saw that a scan did
// not find ("gone": the bulk storescp, stopped before the scan) and what the scan found that
// the wire never showed ("new": nothing here, the scan probes only captured ports).
TEST_F(PcapTraffic, DiffComparesTheWireWithAScan) {
  const auto w = work_.string();
  const auto db = w + "/diff.db";
  auto r = run({kDicomsec, "pcap", "-q", "--db", db, "-o", w + "/diff.jsonl", w + "/cap.pcap"});
  ASSERT_EQ(r.code, 0) << r.err;
  ts::stop_group(servers_.back());  // the bulk storescp: on the wire, gone for the scan
  servers_.pop_back();
  r = run({kDicomsec, "scan", "-q", "127.0.0.1", "-p",
           port("STORESCP_PORT") + "," + std::to_string(bulk_port_), "--db", db, "-o",
           w + "/diff-scan.jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({kDicomsec, "diff", "--db", db, "1", "2", "--format", "jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::map<std::string, std::string> services;  // port -> change
  for (const auto& c : jsonl(r.out))
    if (c["kind"] == "service") services[std::to_string(c["port"].get<int>())] = c["change"];
  EXPECT_EQ(services[std::to_string(bulk_port_)], "gone") << r.out;
  EXPECT_NE(services[port("STORESCP_PORT")], "gone") << r.out;  // on the wire and found
  EXPECT_EQ(services[port("QRSCP_PORT")], "not-checked") << r.out;
  no_canary(ts::slurp(db) + r.out + r.err, "diff");
}

// The lab's storescp traffic again as if from 127.0.0.2 (tcprewrite --pnat), merged with the
// original: ECHOSCU and STORESCU now call from two addresses.
TEST_F(PcapTraffic, SameCallingTitleFromTwoAddressesIsAFinding) {
  const auto w = work_.string();
  ASSERT_EQ(run({"tshark", "-r", w + "/cap.pcap", "-Y", "tcp.port==" + port("STORESCP_PORT"), "-w",
                 w + "/scp.pcap"})
                .code,
            0);
  auto r = run({"tcprewrite", "--pnat=127.0.0.1/32:127.0.0.2/32", "--infile=" + w + "/scp.pcap",
                "--outfile=" + w + "/scp2.pcap"});
  ASSERT_EQ(r.code, 0) << r.err;
  // Classic pcap: one snapshot length for both inputs.
  r = run({"mergecap", "-F", "pcap", "-w", w + "/two.pcap", w + "/scp.pcap", w + "/scp2.pcap"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run({kDicomsec, "pcap", w + "/two.pcap"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("AE title \"ECHOSCU\" used from 2 addresses: 127.0.0.1, 127.0.0.2"),
            std::string::npos)
      << r.err;
  std::set<std::string> flagged, echo_ips;
  for (const auto& rec : jsonl(r.out)) {
    if (rec["association"]["calling_ae"] == "ECHOSCU") echo_ips.insert(rec["client"]["ip"]);
    if (ids(rec).contains("PCAP-AE-MULTI-IP")) {
      EXPECT_TRUE(flagged.insert(rec["association"]["calling_ae"].get<std::string>()).second)
          << "one finding per title's second address";
    }
  }
  EXPECT_EQ(echo_ips, (std::set<std::string>{"127.0.0.1", "127.0.0.2"}));
  // The second address of ECHOSCU, of STORESCU and of QRSCP (the C-MOVE sub-association).
  EXPECT_EQ(flagged, (std::set<std::string>{"ECHOSCU", "STORESCU", "QRSCP"})) << r.out;
  no_canary(r.out + r.err, "two.pcap");
}

TEST_F(PcapTraffic, BadInputExitCodes) {
  const auto w = work_.string();
  std::ofstream(work_ / "not.pcap") << "this is not a capture\n";
  auto r = run({kDicomsec, "pcap", w + "/not.pcap"});
  EXPECT_EQ(r.code, 2) << r.err;
  const auto whole = ts::slurp(work_ / "cap.pcap");
  std::ofstream(work_ / "trunc.pcap", std::ios::binary) << whole.substr(0, whole.size() * 2 / 3);
  r = run({kDicomsec, "pcap", w + "/trunc.pcap"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("offset"), std::string::npos) << r.err;
  EXPECT_FALSE(jsonl(r.out).empty());  // what was decoded before the damage is kept
  r = run({kDicomsec, "pcap"});
  EXPECT_EQ(r.code, 2);
}

// Live on lo while `dicomsec scan` probes the lab's storescp; Ctrl-C keeps the records.
TEST_F(PcapTraffic, LiveCaptureWhileScanning) {
  const auto w = work_.string();
  const pid_t live = ts::spawn({kDicomsec, "pcap", "-i", "lo", "--filter",
                                "tcp port " + port("STORESCP_PORT"), "--duration", "60s"},
                               work_ / "live.out", work_ / "live.err");
  ASSERT_GT(live, 0);
  std::this_thread::sleep_for(1500ms);  // libpcap opens the interface (no readiness line)
  const auto scan = run({kDicomsec, "scan", "127.0.0.1", "-p", port("STORESCP_PORT")}, 60s);
  EXPECT_EQ(scan.code, 0) << scan.err;
  std::this_thread::sleep_for(1000ms);  // the scan's last packets reach the capture
  kill(live, SIGINT);
  EXPECT_EQ(ts::wait_for(live, 20s), 0) << ts::slurp(work_ / "live.err");
  const auto records = jsonl(ts::slurp(work_ / "live.out"));
  const auto* echo = find(records, port("STORESCP_PORT"), "DICOMSEC");
  ASSERT_NE(echo, nullptr) << ts::slurp(work_ / "live.out") << ts::slurp(work_ / "live.err");
  EXPECT_EQ((*echo)["dimse"]["C-ECHO-RQ"], 1);
}

}  // namespace
