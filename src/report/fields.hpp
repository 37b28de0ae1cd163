// The flat view of a scan record: one table of {column, JSON pointer, description} from which
// the CSV header and rows are made, so CSV cannot drift from the JSON record (report::to_json).
// tests/unit/report/fields_test.cpp walks schemas/scan-record.schema.json and fails when a
// scalar of the record is neither a column here nor in exclusions() with its reason.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsec::report {

enum class FieldKind {
  Value,    // the scalar at `pointer`
  Join,     // array of scalars at `pointer`, joined with ";"
  JoinKey,  // array of objects at `pointer`, their member `key` joined with `sep`
  Count,    // number of elements of the array at `pointer`
  Worst,    // highest severity among the objects of the array at `pointer`
  MapJoin,  // object of arrays at `pointer`: "key:v1 v2;key2:v3"
  MapFlag,  // object of objects at `pointer`: the keys whose member `key` equals `match`
  Words,    // the whole record in the summaries' words (report::association_words)
};

struct Field {
  std::string_view column;
  std::string_view pointer;
  FieldKind kind;
  std::string_view description;
  std::string_view key = {};
  std::string_view match = {};
};

// Parts of the record deliberately not in the flat view, and why.
struct Exclusion {
  std::string_view pattern;  // schema path, "*" for array items and map keys; "/**" ends a subtree
  std::string_view reason;
};

std::span<const Field> fields();
// The flow record's flat view (`dicomsec pcap` CSV).
std::span<const Field> flow_fields();
std::span<const Exclusion> exclusions();

// Schema-path patterns (array items and map keys as "*") whose scalars `field` carries.
std::vector<std::string> covered_patterns(const Field& field);

// The cell of `field` for `record`: text, "" for absent/null; numbers and booleans as JSON
// writes them. Strings come back as they are (quoting and formula defusing are the CSV
// sink's job).
std::string cell(const Field& field, const nlohmann::json& record);

}  // namespace dicomsec::report
