// Product version numbers as DICOM software announces them ("3.6.7", "1.12.10", "1.5.0c",
// "2.0.0rc1", "5.1.2-beta"), parsed and ordered so that "older than the release that fixed a
// CVE" is a question with one answer. No I/O; a string that is not a version gives nullopt,
// never a guess: an unknown version must not produce a verdict (docs/vulnerabilities.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dicomsec::findings {

struct Version {
  // Dotted numeric part, most significant first ("3.6.7" -> {3, 6, 7}); 1 to kMaxParts parts.
  std::vector<std::uint32_t> parts;
  // What follows the numbers, lower-cased, without its separator.
  enum class Kind {
    Release,     // nothing after the numbers (or only build metadata after '+')
    PreRelease,  // "-rc1", "~beta", "rc1", "a2", "dev": comes BEFORE the plain release
    PostLetter,  // one letter glued to the number ("1.5.0c", Conquest's patch letters): AFTER it
  };
  Kind kind = Kind::Release;
  // Pre-release: its stage (dev < alpha < beta < pre < rc) and number ("rc2" -> 2).
  int stage = 0;
  std::uint32_t stage_number = 0;
  // Post-release letter, 'a'..'z'.
  char letter = 0;

  std::string str() const;  // canonical text, for evidence and test messages
};

inline constexpr std::size_t kMaxVersionParts = 6;
inline constexpr std::size_t kMaxVersionText = 32;

// "3.6.7", "v1.10.1", "1.5.0c", "2.0.0rc1", "5.1.2-beta.1", "3.6.9+DEV" (build metadata is
// ignored). Leading/trailing blanks are trimmed. nullopt for anything else: empty, no digit
// first, a part over 9 digits, more than 6 parts, an unknown suffix ("1.2.x", "3.6.7-foo"),
// text over 32 characters.
std::optional<Version> parse_version(std::string_view text);

// Three-way comparison: negative when a < b, zero when equal, positive when a > b. Missing
// trailing parts count as zero ("3.6" == "3.6.0"). For equal numbers: pre-release < release
// < post-release letter; pre-releases by stage then number, letters alphabetically.
int compare(const Version& a, const Version& b);

inline bool operator<(const Version& a, const Version& b) { return compare(a, b) < 0; }
inline bool operator==(const Version& a, const Version& b) { return compare(a, b) == 0; }

}  // namespace dicomsec::findings
