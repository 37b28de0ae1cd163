// docs/checklist.md is the one-page print of the checklist table: every item appears there
// with its exact text and milestone, and its row names every finding that points to it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "findings/catalogue.hpp"

namespace dicomsec::findings {
namespace {

std::string read_checklist_md() {
  std::ifstream in(DICOMSEC_CHECKLIST_MD);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The table row of one item: from "**CL-n**" to the end of that line.
std::string row_of(const std::string& md, std::string_view id) {
  const auto start = md.find("**" + std::string(id) + "**");
  if (start == std::string::npos) return {};
  return md.substr(start, md.find('\n', start) - start);
}

TEST(ChecklistDoc, EveryItemWithTextMilestoneAndFindings) {
  const auto md = read_checklist_md();
  ASSERT_FALSE(md.empty()) << "cannot read " << DICOMSEC_CHECKLIST_MD;
  for (const auto& item : checklist()) {
    const auto row = row_of(md, item.id);
    ASSERT_FALSE(row.empty()) << item.id;
    EXPECT_NE(row.find(item.text), std::string::npos) << item.id << " text differs";
    const auto milestone =
        "MNP " + std::to_string(item.milestone) + ", " + std::string(item.milestone_name);
    EXPECT_NE(row.find(milestone), std::string::npos) << item.id << ": " << milestone;
    for (const auto* d : findings_for(item.id))
      EXPECT_NE(row.find("`" + std::string(d->id) + "`"), std::string::npos)
          << item.id << " row does not name " << d->id;
  }
}

TEST(ChecklistDoc, NamesNoUnknownFindingInAnItemRow) {
  const auto md = read_checklist_md();
  for (const auto& item : checklist()) {
    const auto row = row_of(md, item.id);
    for (const auto& d : catalogue()) {
      const bool named = row.find("`" + std::string(d.id) + "`") != std::string::npos;
      // DICOM-EXPOSED also turns CL-2 red when seen from outside the segment.
      if (named && d.checklist != item.id && !(d.id == "DICOM-EXPOSED" && item.id == "CL-2"))
        ADD_FAILURE() << item.id << " row names " << d.id << ", which points to " << d.checklist;
    }
  }
}

}  // namespace
}  // namespace dicomsec::findings
