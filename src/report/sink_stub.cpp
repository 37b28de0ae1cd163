// TEMPORARY (branch store): a jsonl-only make_sink so `dicomsec report` links and can be
// tested before the reports branch lands the real sinks. The lead drops this file at merge.
#include <ostream>
#include <stdexcept>

#include "report/sink.hpp"

namespace dicomsec::report {

namespace {
class JsonlStub final : public Sink {
 public:
  explicit JsonlStub(std::ostream& out) : out_(out) {}
  void write(const nlohmann::json& record) override { out_ << record.dump() << '\n' << std::flush; }
  void end(const ScanMeta&) override { out_.flush(); }

 private:
  std::ostream& out_;
};
}  // namespace

std::optional<Format> parse_format(std::string_view s) {
  if (s == "jsonl") return Format::Jsonl;
  if (s == "csv") return Format::Csv;
  if (s == "sarif") return Format::Sarif;
  if (s == "html") return Format::Html;
  return std::nullopt;
}

std::string_view format_name(Format f) {
  switch (f) {
    case Format::Jsonl: return "jsonl";
    case Format::Csv: return "csv";
    case Format::Sarif: return "sarif";
    case Format::Html: return "html";
  }
  return "jsonl";
}

std::unique_ptr<Sink> make_sink(Format f, std::ostream& out) {
  if (f != Format::Jsonl)
    throw std::runtime_error("--format " + std::string(format_name(f)) + ": not built yet (reports branch)");
  return std::make_unique<JsonlStub>(out);
}

}  // namespace dicomsec::report
