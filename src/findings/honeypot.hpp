// Issue 12 §3: is the peer a public DICOM honeypot? A pure function of the scan record: each
// signal is a behaviour read in a honeypot's public source (docs/honeypots.md names the
// repository and file), weighed so that no single weak quirk flags a real server.
#pragma once

#include <span>
#include <string_view>

#include "record/record.hpp"

namespace dicomsec::findings {

struct HoneypotSignal {
  std::string_view id;
  int weight;               // 3 strong (one alone makes `likely`), 2 medium, 1 weak
  std::string_view source;  // repository + path the behaviour was read from
};

// Every signal assess_honeypot knows, in the order it checks them (docs/honeypots.md).
std::span<const HoneypotSignal> honeypot_signals();

// Weights add up: >= 3 likely; confidence "high" from 5, "medium" from 3, "low" below
// (reported, not likely), "none" when nothing fired. nullopt when neither a DICOM association
// answer nor a web answer was seen (nothing to judge). A web record (level auth) is judged on
// its page only; a DICOM record on its association and, at level auth, its C-FIND answers.
std::optional<record::HoneypotRecord> assess_honeypot(const record::ScanRecord& r);

}  // namespace dicomsec::findings
