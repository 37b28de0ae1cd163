#include "import/banner.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace dicomsec::import {

namespace {

// Lower-case letters and digits only: "Implementation Class UID" -> "implementationclassuid".
std::string squash(std::string_view key) {
  std::string out;
  for (unsigned char c : key)
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '"' || c == '\'' || c == '\0';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_uid(std::string_view v) {
  if (v.empty() || v.size() > 64 || v.front() == '.' || v.back() == '.') return false;
  bool dot = false;
  for (char c : v) {
    if (c == '.') {
      if (dot) return false;  // empty component
      dot = true;
    } else if (c >= '0' && c <= '9') {
      dot = false;
    } else {
      return false;
    }
  }
  return std::count(v.begin(), v.end(), '.') >= 2;
}

bool is_printable_value(std::string_view v, std::size_t cap) {
  if (v.empty() || v.size() > cap) return false;
  return std::all_of(v.begin(), v.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

record::LeadBannerFacts read_banner(std::string_view text) {
  record::LeadBannerFacts facts;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const auto sep = line.find_first_of(":=");
    if (sep == std::string_view::npos) continue;
    const auto key = squash(line.substr(0, sep));
    const auto value = trim(line.substr(sep + 1));
    if (key.empty() || value.empty()) continue;
    const bool uid_key = key.find("uid") != std::string::npos;
    if (uid_key && !facts.implementation_class_uid && is_uid(value)) {
      facts.implementation_class_uid = std::string(value);
    } else if (!uid_key && key.find("version") != std::string::npos &&
               !facts.implementation_version && is_printable_value(value, 16)) {
      facts.implementation_version = std::string(value);
    } else if ((key.find("aetitle") != std::string::npos || key == "ae" ||
                key.find("calledae") != std::string::npos ||
                key.find("respondingae") != std::string::npos) &&
               !facts.ae_title && is_printable_value(value, 16) &&
               value.find('\\') == std::string_view::npos) {
      facts.ae_title = std::string(value);
    }
  }
  return facts;
}

}  // namespace dicomsec::import
