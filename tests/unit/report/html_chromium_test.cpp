// Renders the HTML report of the fixture records in headless Chromium, checks the DOM the
// browser built (summary, charts, checklist rows, one section per open service, no script
// element from hostile text) and saves a screenshot (html_chromium/report_screenshot.png in
// the build directory of tests/unit/report) for a person to look at. Without chromium the
// tests fail (skip only with DICOMSEC_ALLOW_SKIP=1, tests/support/skip.hpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "fixtures.hpp"
#include "support/skip.hpp"

namespace dicomsec::report {
namespace {

namespace fs = std::filesystem;

const char* chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(path)) return path;
  return nullptr;
}

// Runs a shell command (bounded by timeout(1)) and returns its stdout.
std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    status = -1;
    return out;
  }
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  status = pclose(pipe);
  return out;
}

std::string browser_flags(const fs::path& profile) {
  // --no-sandbox: tests run as root in CI, where Chromium's sandbox refuses to start.
  return "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
         "--disable-extensions --disable-background-networking --hide-scrollbars "
         "--user-data-dir='" + profile.string() + "'";
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

class HtmlInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    browser_ = chromium();
    if (!browser_) DICOMSEC_SKIP_OR_FAIL("chromium is not installed (scripts/deps.sh installs it)");
    dir_ = fs::path(DICOMSEC_TEST_OUTPUT_DIR) / "html_chromium";
    fs::create_directories(dir_);
    // Each test its own page and browser profile: ctest -j runs them at the same time, and
    // two Chromiums cannot share a profile.
    name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    page_ = dir_ / ("report-" + name_ + ".html");
    std::ofstream(page_, std::ios::binary)
        << testing::render(Format::Html, testing::fixture_records(), testing::fixture_meta());
  }
  // The browser command for `action` on the page, bounded in time; its stderr goes to a log.
  std::string fmt_command(const std::string& action) const {
    return "timeout 120 " + std::string(browser_) + " " + browser_flags(dir_ / ("profile-" + name_)) + " " +
           action + " 'file://" + page_.string() + "' 2>>'" + (dir_ / ("chromium-" + name_ + ".log")).string() + "'";
  }
  const char* browser_ = nullptr;
  std::string name_;
  fs::path dir_, page_;
};

TEST_F(HtmlInChromium, DomHasSummaryChecklistAndHosts) {
  int status = 0;
  const auto dom = run(fmt_command("--dump-dom"), status);
  ASSERT_EQ(status, 0) << dom.substr(0, 2000);
  ASSERT_NE(dom.find("<body"), std::string::npos) << dom.substr(0, 2000);

  for (const char* id : {"id=\"summary\"", "id=\"kpis\"", "id=\"chart-severity\"", "id=\"chart-tls\"",
                         "id=\"tls-coverage\"", "id=\"exposed-services\"", "id=\"checklist\"",
                         "id=\"hosts\""})
    EXPECT_NE(dom.find(id), std::string::npos) << id;
  // Severity counts of the fixture: 4 critical, 8 high, 4 medium, 2 low, 5 info.
  EXPECT_NE(dom.find("data-severity=\"critical\" data-count=\"4\""), std::string::npos);
  EXPECT_NE(dom.find("data-severity=\"high\" data-count=\"8\""), std::string::npos);
  EXPECT_NE(dom.find("data-severity=\"info\" data-count=\"5\""), std::string::npos);
  // TLS coverage: 5 DICOM services, 1 over TLS.
  EXPECT_NE(dom.find("data-dicom=\"5\" data-tls=\"1\" data-cleartext=\"4\""), std::string::npos);

  // The checklist: eight rows, each with the state this run measured (issue 13 §1). The
  // fixture is a level-auth scan: red where a finding points, green only where a check ran
  // and found nothing, grey (never green) where no dicomsec check looks.
  EXPECT_EQ(count(dom, "data-item=\"CL-"), 8U);
  auto state_of = [&dom](const std::string& item, const std::string& state) {
    return dom.find("data-item=\"" + item + "\" data-status=\"" + state + "\"") != std::string::npos;
  };
  EXPECT_TRUE(state_of("CL-1", "ok"));
  for (const char* unmeasured : {"CL-2", "CL-8"}) EXPECT_TRUE(state_of(unmeasured, "not-measured")) << unmeasured;
  for (const char* fail : {"CL-3", "CL-4", "CL-5", "CL-6", "CL-7"})
    EXPECT_TRUE(state_of(fail, "action")) << fail;
  EXPECT_EQ(count(dom, ">Not measured by dicomsec<"), 2U);
  EXPECT_NE(dom.find("docs/guides/shodan.md"), std::string::npos);  // what would measure CL-2
  EXPECT_NE(dom.find("2 not measured in this run"), std::string::npos);

  // TLS: counted per PS3.15 profile with the failing service beside it, never "3 of 3 meet".
  EXPECT_NE(dom.find("data-profile=\"B.9\" data-pass=\"0\" data-fail=\"1\""), std::string::npos);
  EXPECT_NE(dom.find("<td class=\"failing\">192.0.2.11:2762</td>"), std::string::npos);
  EXPECT_NE(dom.find("1 of 1 audited TLS service with TLS findings: 192.0.2.11:2762"),
            std::string::npos);
  EXPECT_EQ(dom.find("meet a current"), std::string::npos);

  // The fix beside the finding is the product's own: DCMTK on 192.0.2.10, dcm4chee on .11.
  EXPECT_NE(dom.find("<td>DCMTK: Run the TLS listener as"), std::string::npos);
  EXPECT_NE(dom.find("<td>dcm4chee: Set dcmTLSProtocol"), std::string::npos);
  // Every open port is listed, the non-DICOM one saying what it is, worst first.
  EXPECT_NE(dom.find("6 open ports, worst first, then by address"), std::string::npos);
  EXPECT_EQ(dom.find("more in the detail pages"), std::string::npos);

  // One section per open port (the refused one has none), in address order.
  EXPECT_EQ(count(dom, "<article class=\"host"), 6U);
  const auto first = dom.find("data-host=\"192.0.2.10:11112\" data-worst");
  const auto v6 = dom.find("data-host=\"[2001:db8::5]:11112\" data-worst");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(v6, std::string::npos);
  EXPECT_LT(first, v6);
  EXPECT_EQ(dom.find("192.0.2.20"), std::string::npos);
  for (const char* part : {"data-part=\"tls_audit\"", "data-part=\"access\"", "data-part=\"web\""})
    EXPECT_EQ(count(dom, part), 1U) << part;

  // Hostile text stayed text: no element came from it.
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_EQ(dom.find("<b>bold"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST_F(HtmlInChromium, Screenshot) {
  const auto png = dir_ / "report_screenshot.png";
  fs::remove(png);
  int status = 0;
  const auto log = run(fmt_command("--window-size=1280,1800 --screenshot='" + png.string() + "'"), status);
  ASSERT_EQ(status, 0) << log;
  ASSERT_TRUE(fs::exists(png)) << log;
  EXPECT_GT(fs::file_size(png), 20000U);  // a rendered page, not a blank one
  std::ifstream in(png, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  std::printf("screenshot: %s\n", png.c_str());
}


// Renders `records` with `meta` into this test's page (replacing the fixture page).
void write_page(const fs::path& page, const std::vector<nlohmann::json>& records, const ScanMeta& meta) {
  std::ofstream(page, std::ios::binary) << testing::render(Format::Html, records, meta);
}

// At level safe the web probe never runs: web authentication is "not checked at this level"
// and names the level that checks it, never a green OK (issue 13 §1).
TEST_F(HtmlInChromium, SafeLevelNeverShowsUnprobedItemsGreen) {
  auto meta = testing::fixture_meta();
  meta.level = "safe";
  std::vector<nlohmann::json> records;
  for (auto r : testing::fixture_records()) {
    if (r.contains("web")) continue;  // a safe scan has no web records
    records.push_back(std::move(r));
  }
  write_page(page_, records, meta);
  int status = 0;
  const auto dom = run(fmt_command("--dump-dom"), status);
  ASSERT_EQ(status, 0) << dom.substr(0, 2000);
  EXPECT_NE(dom.find("data-item=\"CL-5\" data-status=\"not-checked-at-level\""), std::string::npos);
  EXPECT_NE(dom.find("the DICOMweb/REST probe runs at --level auth (this run: safe)"),
            std::string::npos);
  EXPECT_NE(dom.find(">Not checked at this level<"), std::string::npos);
  EXPECT_NE(dom.find("DICOMweb / REST APIs: not checked at this level"), std::string::npos);
  // OK only where a check of this run measured something.
  const auto ok = count(dom, "data-status=\"ok\"");
  EXPECT_LE(ok, 1U);  // CL-1 (inventory) at most
  const auto png = dir_ / "report_safe_screenshot.png";
  fs::remove(png);
  run(fmt_command("--window-size=1280,1800 --screenshot='" + png.string() + "'"), status);
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(fs::exists(png));
  std::printf("screenshot: %s\n", png.c_str());
}

// No target reachable: the page says "no coverage", not an all-green 0/8.
TEST_F(HtmlInChromium, NothingReachableSaysNoCoverage) {
  auto meta = testing::fixture_meta();
  std::vector<nlohmann::json> records;
  for (const auto& r : testing::fixture_records())
    if (r.value("status", "") == "connection-refused") records.push_back(r);
  for (const auto& set : {records, std::vector<nlohmann::json>{}}) {
    write_page(page_, set, meta);
    int status = 0;
    const auto dom = run(fmt_command("--dump-dom"), status);
    ASSERT_EQ(status, 0) << dom.substr(0, 2000);
    EXPECT_NE(dom.find("<div class=\"kpi-value\">no coverage</div>"), std::string::npos);
    EXPECT_NE(dom.find("data-covered=\"no\""), std::string::npos);
    EXPECT_EQ(dom.find("0/8"), std::string::npos);
    EXPECT_EQ(count(dom, "data-status=\"not-measured\""), 8U);
    EXPECT_EQ(count(dom, "data-status=\"ok\""), 0U);
  }
}

}  // namespace
}  // namespace dicomsec::report
