#include "scan/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace dicomsec::scan {

FdPlan plan_fd_budget(FdLimits limits, std::uint64_t in_use, unsigned concurrency,
                      unsigned per_probe) {
  per_probe = std::max(1U, per_probe);
  concurrency = std::max(1U, concurrency);
  const std::uint64_t fixed = in_use + kFdReserve;
  const std::uint64_t needed = fixed + std::uint64_t{concurrency} * per_probe;
  FdPlan plan;
  plan.soft = limits.soft;
  plan.concurrency = concurrency;
  if (limits.soft >= needed) return plan;
  if (limits.hard >= needed) {
    plan.soft = needed;  // only what the scan needs: the hard limit may be huge
    plan.note = "raised the open-file limit from " + std::to_string(limits.soft) + " to " +
                std::to_string(needed) + " for --concurrency " + std::to_string(concurrency);
    return plan;
  }
  plan.soft = std::max(limits.soft, limits.hard);
  const std::uint64_t room = plan.soft > fixed ? (plan.soft - fixed) / per_probe : 0;
  plan.concurrency = static_cast<unsigned>(std::clamp<std::uint64_t>(room, 1, concurrency));
  plan.note = "--concurrency " + std::to_string(concurrency) + " lowered to " +
              std::to_string(plan.concurrency) + ": the open-file limit is " +
              std::to_string(plan.soft) + " (ulimit -n; " + std::to_string(in_use) + " open, " +
              std::to_string(kFdReserve) + " kept aside)";
  return plan;
}

namespace {

std::uint64_t open_descriptors() {
  std::error_code ec;
  std::uint64_t n = 0;
  // Linux; elsewhere the count stays 0 and the reserve has to cover it.
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  return n > 0 ? n - 1 : 0;  // the iterator's own descriptor
}

std::uint64_t from_rlim(rlim_t v) { return v == RLIM_INFINITY ? UINT64_MAX : v; }

}  // namespace

unsigned fit_concurrency(unsigned concurrency, unsigned per_probe, std::FILE* note_to) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return std::max(1U, concurrency);
  auto plan = plan_fd_budget({from_rlim(rl.rlim_cur), from_rlim(rl.rlim_max)}, open_descriptors(),
                             concurrency, per_probe);
  if (plan.soft > from_rlim(rl.rlim_cur)) {
    rlimit raised = rl;
    raised.rlim_cur = static_cast<rlim_t>(plan.soft);
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      // Refused (the kernel's nr_open, say): plan again as if the hard limit were the soft.
      plan = plan_fd_budget({from_rlim(rl.rlim_cur), from_rlim(rl.rlim_cur)}, open_descriptors(),
                            concurrency, per_probe);
    }
  }
  if (note_to && !plan.note.empty()) std::fprintf(note_to, "dicomsec: %s\n", plan.note.c_str());
  return plan.concurrency;
}

}  // namespace dicomsec::scan
