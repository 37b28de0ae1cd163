#include "report/sink.hpp"

#include <array>
#include <utility>

#include "report/sinks.hpp"

namespace dicomsec::report {

namespace {

constexpr std::array<std::pair<Format, std::string_view>, 4> kNames{{
    {Format::Jsonl, "jsonl"},
    {Format::Csv, "csv"},
    {Format::Sarif, "sarif"},
    {Format::Html, "html"},
}};

// One JSON object per line, exactly as report::to_json made it, flushed per record.
class JsonlSink final : public Sink {
 public:
  explicit JsonlSink(std::ostream& out) : out_(out) {}
  void write(const nlohmann::json& record) override {
    // Records are printable ASCII already (json.cpp); replace, never throw, if one is not.
    out_ << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out_.flush();
  }
  void end(const ScanMeta&) override { out_.flush(); }

 private:
  std::ostream& out_;
};

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  for (const auto& [format, n] : kNames)
    if (n == name) return format;
  return std::nullopt;
}

std::string_view format_name(Format format) {
  for (const auto& [f, n] : kNames)
    if (f == format) return n;
  return "jsonl";
}

std::unique_ptr<Sink> make_jsonl_sink(std::ostream& out) { return std::make_unique<JsonlSink>(out); }

std::unique_ptr<Sink> make_sink(Format format, std::ostream& out) {
  switch (format) {
    case Format::Jsonl: return make_jsonl_sink(out);
    case Format::Csv: return make_csv_sink(out);
    case Format::Sarif: return make_sarif_sink(out);
    case Format::Html: return make_html_sink(out);
  }
  return make_jsonl_sink(out);
}

}  // namespace dicomsec::report
