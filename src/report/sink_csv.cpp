// CSV (RFC 4180): a header row of report::fields() column names, then one row per record,
// flushed per record. Every line ends in CRLF as the RFC says.
#include <ostream>

#include "report/csv.hpp"
#include "report/fields.hpp"
#include "report/sinks.hpp"

namespace dicomsec::report {

namespace {

class CsvSink final : public Sink {
 public:
  explicit CsvSink(std::ostream& out) : out_(out) {}
  void begin(const ScanMeta& meta) override {
    flows_ = meta.command == "pcap";
    header();
  }
  void write(const nlohmann::json& record) override {
    if (!header_written_ && record.is_object() && record.value("kind", "") == "flow") flows_ = true;
    header();
    std::string line;
    bool first = true;
    for (const auto& f : columns()) {
      if (!first) line += ',';
      first = false;
      line += csv_cell(cell(f, record));
    }
    out_ << line << "\r\n";
    out_.flush();
  }
  void end(const ScanMeta&) override {
    header();  // an empty scan still says what its columns would be
    out_.flush();
  }

 private:
  void header() {
    if (header_written_) return;
    header_written_ = true;
    std::string line;
    for (const auto& f : columns()) {
      if (!line.empty()) line += ',';
      line += csv_cell(std::string(f.column));
    }
    out_ << line << "\r\n";
  }

  [[nodiscard]] std::span<const Field> columns() const { return flows_ ? flow_fields() : fields(); }

  std::ostream& out_;
  bool header_written_ = false;
  bool flows_ = false;  // flow records of `dicomsec pcap`
};

}  // namespace

std::string csv_cell(std::string_view text) {
  std::string value(text);
  // Spreadsheets run a cell that starts with = + - @ (or a tab/CR that they strip first) as a
  // formula; peer-controlled text such as a product or AE title must not do that (OWASP "CSV
  // injection"). A leading apostrophe makes it text, and shows what it was.
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    // A plain number (a negative count cannot occur, but keep numbers numbers) is no formula.
    bool number = value.size() > 1 && value[0] == '-';
    for (std::size_t i = 1; number && i < value.size(); ++i)
      number = (value[i] >= '0' && value[i] <= '9') || value[i] == '.';
    if (!number) value.insert(value.begin(), '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::unique_ptr<Sink> make_csv_sink(std::ostream& out) { return std::make_unique<CsvSink>(out); }

}  // namespace dicomsec::report
