#include "import/reader.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace dicomsec::import {

namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using Gz = std::unique_ptr<gzFile_s, GzCloser>;

class Run {
 public:
  Run(FileReport& r, Parser& p, Filter& f, const Keep& k) : r_(r), p_(p), f_(f), k_(k) {}

  void start(std::uint64_t early) { early_seen_ = early; }

  void malformed(std::uint64_t line, std::string why) {
    ++r_.malformed;
    if (r_.first_malformed.size() < kListedMalformed)
      r_.first_malformed.emplace_back(line, std::move(why));
  }

  void take(const Result<std::size_t>& got, std::uint64_t line) {
    // Entries the parser dropped on their address alone are outside the netblocks too.
    const auto early = p_.stats().skipped_early;
    r_.outside += early - early_seen_;
    early_seen_ = early;
    for (auto& e : entries_) {
      ++r_.entries;
      switch (f_.decide(e)) {
        case Filter::Verdict::Keep:
          ++r_.kept;
          k_(std::move(e));
          break;
        case Filter::Verdict::Outside:
          ++r_.outside;
          break;
        case Filter::Verdict::TooOld:
          ++r_.too_old;
          break;
        case Filter::Verdict::Undated:
          ++r_.undated;
          break;
      }
    }
    entries_.clear();
    if (!got) malformed(line, got.error().message);
  }

  void line(std::string_view text, std::size_t capacity, std::uint64_t number) {
    take(p_.parse_line(text, capacity, number, entries_), number);
  }
  void document(std::string_view text, std::size_t capacity) {
    take(p_.parse_document(text, capacity, 1, entries_), 1);
  }

 private:
  FileReport& r_;
  Parser& p_;
  Filter& f_;
  const Keep& k_;
  std::vector<Entry> entries_;
  std::uint64_t early_seen_ = 0;
};

// A file opening with "{" or "[" on a line that does not close it is one pretty-printed
// document (an API response saved as is), not JSON lines.
bool opens_document(std::string_view head) {
  const auto start = head.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  if (head[start] != '{' && head[start] != '[') return false;
  auto first = head.substr(start, head.find('\n', start) - start);
  while (!first.empty() && (first.back() == '\r' || first.back() == ' ' || first.back() == '\t'))
    first.remove_suffix(1);
  return first.empty() || (first.back() != '}' && first.back() != ']');
}

}  // namespace

FileReport read_export(const std::string& path, Parser& parser, Filter& filter, const Keep& keep) {
  FileReport r;
  r.file = path;
  parser.start_file(path);
  Gz gz(path == "-" ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb"));
  if (!gz) {
    r.error = fmt::format("cannot open: {}", std::strerror(errno));
    return r;
  }
  gzbuffer(gz.get(), 1U << 18);
  Run run(r, parser, filter, keep);
  run.start(parser.stats().skipped_early);

  const std::size_t pad = json_padding();
  const std::size_t cap = 2 * kMaxLine;
  std::unique_ptr<char[]> buf(new char[cap + pad]);
  std::memset(buf.get() + cap, 0, pad);
  std::size_t have = 0;   // bytes in buf
  std::size_t start = 0;  // first byte of the current (incomplete) line
  std::uint64_t line_no = 0;
  bool skipping = false;  // inside an over-long line, dropping bytes until its newline
  bool first_chunk = true;
  bool eof = false;

  auto read_more = [&]() -> bool {  // false at end of file or error
    if (start > 0) {
      std::memmove(buf.get(), buf.get() + start, have - start);
      have -= start;
      start = 0;
    }
    // Small reads: when zlib meets the cut of a truncated stream, it drops the output of
    // that one call, so at most 64 KiB before the cut is lost.
    const auto want = static_cast<unsigned>(std::min<std::size_t>(cap - have, 64 * 1024));
    const int n = gzread(gz.get(), buf.get() + have, want);
    int code = Z_OK;
    const char* msg = gzerror(gz.get(), &code);
    // At the cut of a truncated stream zlib returns 0 with Z_BUF_ERROR ("unexpected end of
    // file") set, and may report eof too: the error code decides, not gzeof.
    if (n < 0 || (n == 0 && (code != Z_OK || !gzeof(gz.get())))) {
      r.truncated = code == Z_BUF_ERROR || code == Z_DATA_ERROR;
      r.error = r.truncated ? fmt::format(
                                  "gzip stream is truncated or corrupt ({}): kept what was "
                                  "read before it",
                                  msg)
                            : fmt::format("read error: {}", msg);
      return false;
    }
    have += static_cast<std::size_t>(n);
    if (n == 0) return false;
    // An error set by this read (a cut inside the chunk): keep the chunk, then stop.
    gzerror(gz.get(), &code);
    if (code != Z_OK && code != Z_STREAM_END) {
      r.truncated = code == Z_BUF_ERROR || code == Z_DATA_ERROR;
      r.error =
          fmt::format("gzip stream is truncated or corrupt ({}): kept what was read before it",
                      gzerror(gz.get(), &code));
      eof = true;
    }
    return true;
  };

  while (!eof) {
    const std::size_t carried = have - start;  // no newline in it: scanned already
    if (!read_more()) break;
    if (first_chunk) {
      first_chunk = false;
      r.gzip = gzdirect(gz.get()) == 0;
      // Decide JSON lines or one document on a whole first line (Shodan lines with an HTML
      // banner can be far longer than one read).
      while (!std::memchr(buf.get(), '\n', have) && have < kMaxLine && !eof && read_more()) {
      }
      if (opens_document({buf.get(), have})) {
        r.document = true;
        while (!eof && have < cap && read_more()) {
        }
        if (have >= cap || have > kMaxDocument) {
          r.lines = 1;
          run.take(make_error(fmt::format("a single JSON document over {} MiB: export JSON lines "
                                          "instead (shodan download, or one record per line)",
                                          kMaxDocument >> 20)),
                   1);
          return r;
        }
        std::memset(buf.get() + have, 0, pad);
        r.lines = static_cast<std::uint64_t>(std::count(buf.get(), buf.get() + have, '\n')) + 1;
        run.document({buf.get(), have}, have + pad);
        return r;
      }
    }
    // Lines completed by this chunk.
    std::size_t pos = start + carried;
    while (pos < have) {
      const auto* nl = static_cast<const char*>(std::memchr(buf.get() + pos, '\n', have - pos));
      if (!nl) break;
      const auto end = static_cast<std::size_t>(nl - buf.get());
      ++line_no;
      if (!skipping) run.line({buf.get() + start, end - start}, cap + pad - start, line_no);
      skipping = false;
      start = end + 1;
      pos = start;
    }
    if (have - start >= kMaxLine && !skipping) {  // an over-long line: report, then drop
      run.malformed(line_no + 1, fmt::format("line longer than {} MiB, skipped", kMaxLine >> 20));
      skipping = true;
    }
    if (skipping) start = have;  // drop what we have of it
  }
  if (have > start && !skipping) {  // the last line has no newline
    ++line_no;
    std::memset(buf.get() + have, 0, std::min(pad, cap + pad - have));
    if (r.truncated) {
      run.malformed(line_no, "cut off by the end of the gzip stream");
    } else {
      run.line({buf.get() + start, have - start}, cap + pad - start, line_no);
    }
  }
  r.lines = line_no;
  return r;
}

}  // namespace dicomsec::import
