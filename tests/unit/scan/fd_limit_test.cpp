#include "scan/fd_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dicomsec::scan {
namespace {

TEST(FdBudget, FitsUnchanged) {
  auto p = plan_fd_budget({1024, 4096}, 10, 64, 1);
  EXPECT_EQ(p.soft, 1024U);
  EXPECT_EQ(p.concurrency, 64U);
  EXPECT_TRUE(p.note.empty());
}

TEST(FdBudget, RaisesSoftToWhatIsNeeded) {
  auto p = plan_fd_budget({1024, 1048576}, 10, 2000, 1);
  EXPECT_EQ(p.soft, 10 + kFdReserve + 2000);
  EXPECT_EQ(p.concurrency, 2000U);
  EXPECT_NE(p.note.find("raised"), std::string::npos) << p.note;
}

TEST(FdBudget, InfiniteHardLimitRaises) {
  auto p = plan_fd_budget({256, UINT64_MAX}, 6, 512, 2);
  EXPECT_EQ(p.soft, 6 + kFdReserve + 1024);
  EXPECT_EQ(p.concurrency, 512U);
}

TEST(FdBudget, ClampsUnderASmallHardLimit) {
  // ulimit -n 64 sets both limits: 64 - 6 open - the reserve leaves 26 probes.
  auto p = plan_fd_budget({64, 64}, 6, 512, 1);
  EXPECT_EQ(p.soft, 64U);
  EXPECT_EQ(p.concurrency, 64 - 6 - kFdReserve);
  EXPECT_NE(p.note.find("lowered to 26"), std::string::npos) << p.note;
}

TEST(FdBudget, ClampCountsDescriptorsPerProbe) {
  auto p = plan_fd_budget({100, 200}, 8, 512, 5);
  EXPECT_EQ(p.soft, 200U);  // raised as far as allowed
  EXPECT_EQ(p.concurrency, (200 - 8 - kFdReserve) / 5);
}

TEST(FdBudget, NeverBelowOne) {
  auto p = plan_fd_budget({16, 16}, 10, 64, 1);
  EXPECT_EQ(p.concurrency, 1U);
  EXPECT_FALSE(p.note.empty());
  EXPECT_EQ(plan_fd_budget({1024, 1024}, 0, 0, 0).concurrency, 1U);
}

// The real thing, in a child so the test process keeps its limits.
TEST(FdBudget, AppliesToTheProcess) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 1024) _exit(10);  // cannot test here
    rl.rlim_cur = 64;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(11);
    if (fit_concurrency(512, 1, nullptr) != 512) _exit(12);  // raised, not clamped
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 512) _exit(13);
    rl.rlim_cur = rl.rlim_max = 64;  // as `ulimit -n 64` does
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(14);
    const unsigned c = fit_concurrency(512, 1, nullptr);
    _exit(c >= 1 && c <= 64 - kFdReserve ? 0 : 15);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace dicomsec::scan
