#include "report/json_parts.hpp"

namespace dicomsec::report {

namespace {

nlohmann::json permission_json(const record::PermissionRecord& p) {
  using nlohmann::json;
  return {{"state", record::permission_name(p.state)},
          {"status", p.status ? json(*p.status) : json(nullptr)},
          {"evidence", p.evidence}};
}

// Issue 12 §3: tags and counts of the C-FIND answers, never a value.
nlohmann::json answers_json(const std::optional<record::FindAnswerShape>& a) {
  if (!a) return nullptr;
  return {{"identifiers", a->identifiers},
          {"levels", a->levels},
          {"duplicate_keys", a->duplicate_keys},
          {"unrequested_tags", a->unrequested_tags},
          {"unrequested_count", a->unrequested_count},
          {"lower_level_keys", a->lower_level_keys},
          {"image_attributes", a->image_attributes},
          {"pixel_data", a->pixel_data}};
}

}  // namespace

nlohmann::json access_json(const record::AccessRecord& a) {
  using nlohmann::json;
  auto count = [](const std::optional<std::uint32_t>& n) { return n ? json(*n) : json(nullptr); };
  return {{"find",
           {{"state", record::permission_name(a.find.state)},
            {"patient", count(a.find.patient)},
            {"study", count(a.find.study)},
            {"capped", a.find.capped},
            {"status", a.find.status ? json(*a.find.status) : json(nullptr)},
            {"evidence", a.find.evidence},
            {"answers",
             {{"patient", answers_json(a.find.patient_answers)},
              {"study", answers_json(a.find.study_answers)}}}}},
          {"move", permission_json(a.move)},
          {"get", permission_json(a.get)},
          {"store", permission_json(a.store)},
          {"discovered_called_ae",
           a.discovered_called_ae ? json(*a.discovered_called_ae) : json(nullptr)},
          {"store_cleanup", a.store_cleanup},
          {"called_ae", a.called_ae ? json(*a.called_ae) : json(nullptr)},
          {"called_ae_tried", a.called_ae_tried},
          {"association", record::association_result_name(a.association)},
          {"associations", a.associations},
          {"error", a.error.empty() ? json(nullptr) : json(a.error)}};
}

}  // namespace dicomsec::report
