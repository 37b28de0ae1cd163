#include "probes/web/body.hpp"

#include <nlohmann/json.hpp>

namespace dicomsec::probes::web {

namespace {

using json = nlohmann::json;

// Base of both handlers: depth bookkeeping; every value event reports to on_value(depth).
// Returning false from any event stops the parser (no exception is thrown).
template <class Derived>
struct DepthSax {
  std::size_t depth = 0;
  bool too_deep = false;

  Derived& self() { return static_cast<Derived&>(*this); }
  bool value() { return self().on_value(); }
  bool open() {
    if (!self().on_open()) return false;
    if (++depth > kMaxDepth) {
      too_deep = true;
      return false;
    }
    return true;
  }
  bool close() {
    --depth;
    return self().on_close();
  }

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(); }
  bool string(json::string_t&) { return value(); }  // content never kept
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) { return open(); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(); }
  bool end_array() { return close(); }
  bool key(json::string_t&) { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }
};

struct ArrayCounter : DepthSax<ArrayCounter> {
  bool started = false;
  bool is_array = false;
  bool complete = false;
  std::uint32_t count = 0;

  bool start_array(std::size_t n) {
    if (depth == 0) {
      started = is_array = true;
      return open();
    }
    return DepthSax::start_array(n);
  }
  bool on_open() {
    if (depth == 0 && !started) {
      started = true;  // an object at the top: not an array
      return false;
    }
    return true;
  }
  // A scalar at depth 1 is an item; a container at depth 1 counts when it closes, so a body
  // cut mid-item does not count it.
  bool on_value() {
    if (depth == 0) {
      started = true;
      return false;
    }
    if (depth == 1 && count < UINT32_MAX) ++count;
    return true;
  }
  bool on_close() {
    if (depth == 1 && count < UINT32_MAX) ++count;
    if (depth == 0) complete = true;
    return true;
  }
};

struct SystemReader : DepthSax<SystemReader> {
  std::string last_key;  // a key name of Orthanc's own schema, compared then dropped
  bool top_object = false, has_api = false, has_aet = false;
  std::optional<std::string> version;

  bool key(json::string_t& k) {
    if (depth == 1) last_key.assign(k, 0, 32);
    return true;
  }
  bool start_object(std::size_t n) {
    if (depth == 0) top_object = true;
    return DepthSax::start_object(n);
  }
  bool on_open() const { return depth > 0 || top_object; }  // the top must be an object
  bool on_value() {
    if (depth == 0) return false;
    if (depth == 1) {
      if (last_key == "ApiVersion") has_api = true;
      if (last_key == "DicomAet") has_aet = true;
    }
    return true;
  }
  bool string(json::string_t& s) {
    if (depth == 1 && last_key == "Version" && looks_like_version(s)) version = s;
    return on_value();
  }
  bool on_close() { return true; }

  static bool looks_like_version(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s) {
      const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '.' || c == '-' || c == '+' || c == '_';
      if (!ok) return false;
    }
    return true;
  }
};

}  // namespace

std::optional<ItemCount> count_json_array(std::string_view body, bool truncated) {
  if (body.size() > kMaxBody) {
    body = body.substr(0, kMaxBody);
    truncated = true;
  }
  ArrayCounter sax;
  const bool ok =
      json::sax_parse(body.begin(), body.end(), &sax, json::input_format_t::json, true, false);
  if (!sax.is_array || sax.too_deep) return std::nullopt;
  if (ok && sax.complete) return ItemCount{sax.count, false};
  if (truncated) return ItemCount{sax.count, true};
  return std::nullopt;
}

std::optional<std::string> orthanc_version(std::string_view body) {
  if (body.size() > kMaxBody) return std::nullopt;
  SystemReader sax;
  const bool ok =
      json::sax_parse(body.begin(), body.end(), &sax, json::input_format_t::json, true, false);
  if (!ok || !sax.top_object || !sax.has_api || !sax.has_aet) return std::nullopt;
  return sax.version;
}

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Position of `needle` (lower case) in `hay` from `from`, ignoring ASCII case; npos if none.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// Printable ASCII with runs of whitespace as one space, a few entities decoded, capped.
std::string title_text(std::string_view raw) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < raw.size() && out.size() < kMaxTitle; ++i) {
    char c = raw[i];
    if (c == '&')
      for (const auto& [name, ch] : kEntities)
        if (raw.substr(i, name.size()) == name) {
          c = ch;
          i += name.size() - 1;
          break;
        }
    const auto u = static_cast<unsigned char>(c);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space && out.size() + 1 < kMaxTitle) out.push_back(' ');
    space = false;
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace

PageFacts page_facts(std::string_view body) {
  body = body.substr(0, kMaxPage);
  PageFacts facts;
  // <title> or <title ...>, then its text up to </title>.
  for (std::size_t at = ifind(body, "<title"); at != std::string_view::npos;
       at = ifind(body, "<title", at + 1)) {
    const std::size_t after = at + 6;
    if (after < body.size() && body[after] != '>' && body[after] != ' ' && body[after] != '\t')
      continue;  // <titlebar> and the like
    const std::size_t open_end = body.find('>', after);
    if (open_end == std::string_view::npos) break;
    const std::size_t close = ifind(body, "</title", open_end + 1);
    const auto text = title_text(body.substr(open_end + 1, close == std::string_view::npos
                                                               ? std::string_view::npos
                                                               : close - open_end - 1));
    if (!text.empty()) facts.title = text;
    break;
  }
  // A password field: <input ... type="password" ...> (quotes optional, any case).
  for (std::size_t at = ifind(body, "<input"); at != std::string_view::npos;
       at = ifind(body, "<input", at + 1)) {
    const std::size_t end = body.find('>', at);
    const auto tag =
        body.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    for (std::size_t t = ifind(tag, "type"); t != std::string_view::npos;
         t = ifind(tag, "type", t + 1)) {
      std::size_t v = t + 4;
      while (v < tag.size() && (tag[v] == ' ' || tag[v] == '=' || tag[v] == '"' || tag[v] == '\''))
        ++v;
      if (ifind(tag.substr(v, 8), "password") == 0) facts.login_form = true;
    }
    if (facts.login_form) break;
  }
  return facts;
}

std::string header_value(std::string_view raw) {
  std::string out;
  for (char c : raw.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace dicomsec::probes::web
