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

std::string header_value(std::string_view raw) {
  std::string out;
  for (char c : raw.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace dicomsec::probes::web
