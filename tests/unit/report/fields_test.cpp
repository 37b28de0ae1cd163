// The flat field list (fields.cpp) against the record schema: every scalar the record can
// hold is a CSV column or a listed exclusion, and nothing in the list names a field the
// record does not have. Adding a field to the record without deciding its CSV column fails
// here, so JSONL and CSV cannot drift apart.
#include "report/fields.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "fixtures.hpp"
#include "report/csv.hpp"

namespace dicomsec::report {
namespace {

using nlohmann::json;

struct SchemaPaths {
  std::set<std::string> leaves;  // scalars
  std::set<std::string> all;     // every path, objects and arrays too
};

bool is_scalar_type(const json& type) {
  auto scalar = [](const json& t) {
    return t == "string" || t == "integer" || t == "number" || t == "boolean";
  };
  if (type.is_string()) return scalar(type);
  if (type.is_array())
    for (const auto& t : type)
      if (scalar(t)) return true;
  return false;
}

void walk(const json& root, const json& node, const std::string& path, SchemaPaths& out) {
  if (node.contains("$ref")) {
    const auto ref = node["$ref"].get<std::string>();
    ASSERT_EQ(ref.rfind("#/", 0), 0U) << ref;
    walk(root, root.at(json::json_pointer(ref.substr(1))), path, out);
    return;
  }
  out.all.insert(path);
  const auto type = node.value("type", json());
  if (type == "object" || node.contains("properties")) {
    if (node.contains("properties"))
      for (const auto& [key, sub] : node["properties"].items()) walk(root, sub, path + "/" + key, out);
    if (node.contains("additionalProperties") && node["additionalProperties"].is_object())
      walk(root, node["additionalProperties"], path + "/*", out);
    return;
  }
  if (type == "array") {
    walk(root, node.at("items"), path + "/*", out);
    return;
  }
  if (is_scalar_type(type) || node.contains("enum")) {
    out.leaves.insert(path);
    return;
  }
  for (const char* combinator : {"oneOf", "anyOf"})
    if (node.contains(combinator))
      for (const auto& branch : node[combinator])
        if (branch.value("type", json()) != "null") walk(root, branch, path, out);
}

SchemaPaths schema_paths() {
  std::ifstream in(std::string(DICOMSEC_SOURCE_DIR) + "/schemas/scan-record.schema.json");
  const auto schema = json::parse(in);
  SchemaPaths paths;
  walk(schema, schema, "", paths);
  return paths;
}

TEST(Fields, EveryRecordScalarIsAColumnOrExcluded) {
  const auto paths = schema_paths();
  ASSERT_GT(paths.leaves.size(), 50U);
  std::set<std::string> covered;
  for (const auto& f : fields())
    for (const auto& p : covered_patterns(f)) covered.insert(p);
  std::vector<std::string> subtrees;
  for (const auto& e : exclusions()) {
    const std::string p(e.pattern);
    if (p.size() > 3 && p.ends_with("/**"))
      subtrees.push_back(p.substr(0, p.size() - 2));  // keeps the '/'
    else
      covered.insert(p);
  }
  auto in_subtree = [&](const std::string& leaf) {
    for (const auto& s : subtrees)
      if (leaf.starts_with(s)) return true;
    return false;
  };
  for (const auto& leaf : paths.leaves)
    EXPECT_TRUE(covered.count(leaf) || in_subtree(leaf))
        << leaf << " is in the record schema but neither a CSV column (src/report/fields.cpp "
        << "kFields) nor an exclusion (kExclusions): decide which";
}

TEST(Fields, NothingStale) {
  const auto paths = schema_paths();
  for (const auto& f : fields()) {
    EXPECT_TRUE(paths.all.count(std::string(f.pointer))) << f.column << ": " << f.pointer;
    for (const auto& p : covered_patterns(f))
      EXPECT_TRUE(paths.leaves.count(p)) << f.column << ": " << p << " is not a scalar of the record";
  }
  for (const auto& e : exclusions()) {
    const std::string p(e.pattern);
    if (p.ends_with("/**"))
      EXPECT_TRUE(paths.all.count(p.substr(0, p.size() - 3))) << p << " is not in the record";
    else
      EXPECT_TRUE(paths.leaves.count(p)) << p << " is not in the record";
  }
}

TEST(Fields, ColumnsUniqueAndDescribed) {
  std::set<std::string_view> names;
  for (const auto& f : fields()) {
    EXPECT_TRUE(names.insert(f.column).second) << f.column;
    EXPECT_FALSE(f.description.empty()) << f.column;
  }
}

TEST(Fields, CellsOfAFullRecord) {
  const auto records = testing::fixture_records();
  const auto& tls = records.back();  // tls_service()
  auto get = [&](const json& r, std::string_view column) {
    for (const auto& f : fields())
      if (f.column == column) return cell(f, r);
    ADD_FAILURE() << column;
    return std::string();
  };
  EXPECT_EQ(get(tls, "tls_versions"), "TLSv1.0;TLSv1.2");
  EXPECT_EQ(get(tls, "tls_ciphers"),
            "TLSv1.0:TLS_RSA_WITH_AES_128_CBC_SHA;TLSv1.2:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  EXPECT_EQ(get(tls, "tls_profiles_pass"), "aes");
  EXPECT_EQ(get(tls, "tls_profiles_fail"), "bcp195");
  EXPECT_EQ(get(tls, "tls_profiles_not_determinable"), "bcp195-rfc8996");
  EXPECT_EQ(get(tls, "tls_cert_key_bits"), "1024");
  EXPECT_EQ(get(tls, "worst_severity"), "high");
  EXPECT_EQ(get(tls, "finding_count"), "8");
  EXPECT_EQ(get(tls, "accepted_contexts"), "2");
  EXPECT_EQ(get(tls, "access_find"), "");
  EXPECT_EQ(get(tls, "port"), "2762");
  EXPECT_EQ(get(tls, "tls"), "true");
}

TEST(Csv, QuotesPerRfc4180) {
  EXPECT_EQ(csv_cell("plain"), "plain");
  EXPECT_EQ(csv_cell(""), "");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_cell("cr\rhere"), "\"cr\rhere\"");
}

TEST(Csv, DefusesFormulas) {
  EXPECT_EQ(csv_cell("=1+2"), "'=1+2");
  EXPECT_EQ(csv_cell("+1"), "'+1");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("-2+3"), "'-2+3");
  EXPECT_EQ(csv_cell("\tx"), "'\tx");
  EXPECT_EQ(csv_cell("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
  EXPECT_EQ(csv_cell("-5"), "-5");  // a number stays a number
  EXPECT_EQ(csv_cell("a=b"), "a=b");
}

// A small RFC 4180 reader, to check the CSV the sink writes reads back cell for cell.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cellv;
  bool quoted = false;
  bool row_started = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cellv += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cellv += c;
      }
      continue;
    }
    row_started = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cellv);
      cellv.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(cellv);
      cellv.clear();
      rows.emplace_back();
      row_started = false;
      ++i;
    } else {
      cellv += c;
    }
  }
  if (row_started) rows.back().push_back(cellv);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(Csv, ReadsBackCellForCell) {
  const auto records = testing::fixture_records();
  const auto rows = parse_csv(testing::render(Format::Csv, records, testing::fixture_meta()));
  ASSERT_EQ(rows.size(), records.size() + 1);
  for (const auto& row : rows) ASSERT_EQ(row.size(), fields().size());
  for (std::size_t i = 0; i < fields().size(); ++i) EXPECT_EQ(rows[0][i], fields()[i].column);
  const auto& hostile = rows[1];  // fixture_records() starts with hostile()
  auto col = [&](std::string_view name) {
    for (std::size_t i = 0; i < fields().size(); ++i)
      if (fields()[i].column == name) return hostile[i];
    return std::string("?");
  };
  EXPECT_EQ(col("product"), "Evil \"PACS\", <script>alert(1)</script>");
  EXPECT_EQ(col("product_version"), "'=cmd|' /C calc'!A0");
  EXPECT_EQ(col("toolkit"), "'-2+3");
  EXPECT_EQ(col("product_matched_by"), "'@SUM(A1)");
  EXPECT_EQ(col("vendor"), "'+vendor");
  EXPECT_EQ(col("hostname"), "'@evil,host");
  EXPECT_EQ(col("called_ae"), "'=1+2");
  EXPECT_EQ(col("detail"), "line one\nline two, \"quoted\" <b>bold</b>");
}

}  // namespace
}  // namespace dicomsec::report
