// Open-file budget of a scan (docs/design.md "Engine: failures and local errors"). Each probe
// in flight holds a socket; with `ulimit -n 64` and --concurrency 512 most connects would fail
// with EMFILE before reaching the network. At start the soft RLIMIT_NOFILE is raised toward
// the hard limit, and when even the hard limit is too small the concurrency is clamped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace dicomsec::scan {

// Descriptors kept aside beyond those open at start: event loops (epoll, eventfd, timerfd per
// thread), the signal pipe, the resolver, SQLite's journal, the web thread pool's sockets,
// the CA bundle and key files read during the scan.
inline constexpr std::uint64_t kFdReserve = 32;

struct FdLimits {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;  // UINT64_MAX for RLIM_INFINITY
};

struct FdPlan {
  std::uint64_t soft = 0;    // the soft limit to set (unchanged when it already fits)
  unsigned concurrency = 1;  // what fits under it, at least 1
  std::string note;          // one line for stderr; empty when nothing changed
};

// Pure: what to do with `limits` when `in_use` descriptors are open and `concurrency`
// probes of `per_probe` descriptors each are wanted.
FdPlan plan_fd_budget(FdLimits limits, std::uint64_t in_use, unsigned concurrency,
                      unsigned per_probe);

// Applies the plan to this process: reads RLIMIT_NOFILE, counts the descriptors open now,
// raises the soft limit if needed (and allowed), and returns the concurrency to use. The note,
// when there is one, goes to `note_to` as one line prefixed "dicomsec: " (nullptr: silent).
unsigned fit_concurrency(unsigned concurrency, unsigned per_probe, std::FILE* note_to);

}  // namespace dicomsec::scan
