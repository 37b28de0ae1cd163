#include <gtest/gtest.h>

#include <string>

#include "probes/web/body.hpp"

namespace dicomsec::probes::web {
namespace {

TEST(WebBody, CountsTopLevelArrayItems) {
  // Orthanc GET /patients: resource ids.
  auto n = count_json_array(R"(["0946fcb6-cf12ab43-bad958c1-bf057ad5-0fc6f54c","6b9b2c7e-1c4d"])");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->count, 2U);
  EXPECT_FALSE(n->capped);
}

TEST(WebBody, CountsQidoObjectsNotTheirAttributes) {
  // QIDO-RS application/dicom+json: one object per study, many attributes each.
  const std::string body =
      R"([{"0020000D":{"vr":"UI","Value":["2.25.1"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"X^Y"}]}},)"
      R"({"0020000D":{"vr":"UI","Value":["2.25.2"]}}])";
  auto n = count_json_array(body);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->count, 2U);
}

TEST(WebBody, EmptyArrayIsZero) {
  auto n = count_json_array(" [ ] ");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->count, 0U);
}

TEST(WebBody, NonArraysAreNotCounted) {
  EXPECT_FALSE(count_json_array(R"({"a":[1,2,3]})"));
  EXPECT_FALSE(count_json_array("<html><body>It works!</body></html>"));
  EXPECT_FALSE(count_json_array("\"x\""));
  EXPECT_FALSE(count_json_array("42"));
  EXPECT_FALSE(count_json_array(""));
  EXPECT_FALSE(count_json_array("[1,2"));         // cut short but not by our cap: broken
  EXPECT_FALSE(count_json_array("[1,2] trail"));  // trailing garbage
}

TEST(WebBody, TruncatedBodyCountsOnlyCompleteItems) {
  auto n = count_json_array(R"([{"a":1},{"b":2},{"c":)", true);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->count, 2U);
  EXPECT_TRUE(n->capped);
}

TEST(WebBody, OversizedBodyIsCutAtTheCap) {
  std::string body = "[";
  while (body.size() < kMaxBody + 100) body += "\"0123456789abcdef0123456789abcdef\",";
  auto n = count_json_array(body);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->capped);
  EXPECT_GT(n->count, 20000U);
}

TEST(WebBody, DeepNestingIsRejectedWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(count_json_array(deep));
  const std::string ok = "[" + std::string(60, '[') + std::string(60, ']') + "]";
  auto n = count_json_array(ok);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->count, 1U);
}

TEST(WebBody, OrthancSystemGivesVersionNotName) {
  const std::string body =
      R"({"ApiVersion":15,"CheckRevisions":false,"DatabaseBackendPlugin":null,)"
      R"("DatabaseVersion":6,"DicomAet":"ORTHANC","DicomPort":4242,"HttpPort":8042,)"
      R"("IsHttpServerSecure":true,"Name":"St Elsewhere PACS","PluginsEnabled":true,)"
      R"("StorageAreaPlugin":null,"Version":"1.10.1"})";
  auto v = orthanc_version(body);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "1.10.1");
}

TEST(WebBody, SystemOfSomethingElseIsNotOrthanc) {
  EXPECT_FALSE(orthanc_version(R"({"Version":"1.0"})"));  // no ApiVersion/DicomAet
  EXPECT_FALSE(orthanc_version(R"(["ApiVersion","DicomAet","Version"])"));  // not an object
  EXPECT_FALSE(orthanc_version("<html></html>"));
  // Nested keys do not count, and an odd version string is dropped.
  EXPECT_FALSE(orthanc_version(R"({"x":{"ApiVersion":1,"DicomAet":"A","Version":"1"}})"));
  EXPECT_FALSE(orthanc_version(R"({"ApiVersion":1,"DicomAet":"A","Version":"1.0 <script>"})"));
}

TEST(WebBody, HeaderValueIsPrintableAndShort) {
  EXPECT_EQ(header_value("Orthanc/1.10.1"), "Orthanc/1.10.1");
  EXPECT_EQ(header_value(std::string("a\x01\xff", 3)), "a??");
  EXPECT_EQ(header_value(std::string(500, 'x')).size(), 80U);
}

// Issue 12 §3: the page title and the login form of GET /.
TEST(WebPage, TitleIsPrintableCollapsedAndCapped) {
  auto f = page_facts("<html><head><TITLE>\n  DICOMHawk &amp;\tfriends </TITLE></head></html>");
  ASSERT_TRUE(f.title);
  EXPECT_EQ(*f.title, "DICOMHawk & friends");
  EXPECT_FALSE(f.login_form);
  f = page_facts("<title lang=\"en\">" + std::string(500, 'x') + "\x01</title>");
  ASSERT_TRUE(f.title);
  EXPECT_EQ(f.title->size(), kMaxTitle);
  EXPECT_EQ(*page_facts("<title>a\x7f\xc3\xa9"
                        "b</title>")
                 .title,
            "a???b");
}

TEST(WebPage, NoTitleWithoutATitleElement) {
  EXPECT_FALSE(page_facts("").title);
  EXPECT_FALSE(page_facts("{\"Version\":\"1.10.1\"}").title);
  EXPECT_FALSE(page_facts("<titlebar>x</titlebar>").title);
  EXPECT_FALSE(page_facts("<title></title>").title);
  EXPECT_FALSE(page_facts("<title").title);
  EXPECT_EQ(*page_facts("<title>unterminated").title, "unterminated");
}

TEST(WebPage, LoginFormIsAPasswordInput) {
  EXPECT_TRUE(
      page_facts(R"(<form><input type="text" name="u"><input name="p" type="password"></form>)")
          .login_form);
  EXPECT_TRUE(page_facts("<INPUT TYPE=PASSWORD NAME=p>").login_form);
  EXPECT_TRUE(page_facts("<input type = 'password'>").login_form);
  EXPECT_FALSE(page_facts(R"(<input type="text" placeholder="password">)").login_form);
  EXPECT_FALSE(page_facts("password").login_form);
}

}  // namespace
}  // namespace dicomsec::probes::web
