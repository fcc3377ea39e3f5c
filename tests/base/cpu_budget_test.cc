#include "gateway/base/cpu_budget.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace protogate::base {
namespace {

namespace fs = std::filesystem;

// A fake /proc/self/cgroup and /sys/fs/cgroup under a fresh temp directory.
class FakeCgroups {
 public:
  FakeCgroups() {
    std::string pattern =
        (fs::temp_directory_path() / "cpu_budget_XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  ~FakeCgroups() { fs::remove_all(root_); }

  void Write(const std::string& relative, const std::string& content) {
    fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }
  CpuBudgetSources Sources(int affinity) const {
    return {.proc_self_cgroup = (root_ / "proc_self_cgroup").string(),
            .cgroup_root = (root_ / "sys").string(),
            .affinity_cpus = affinity};
  }

 private:
  fs::path root_;
};

TEST(CpuBudgetTest, ParsesCgroupV2CpuMax) {
  EXPECT_EQ(ParseCgroupV2CpuMax("200000 100000\n"), 2.0);
  EXPECT_EQ(ParseCgroupV2CpuMax("50000 100000"), 0.5);
  EXPECT_EQ(ParseCgroupV2CpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(ParseCgroupV2CpuMax("100000 0"), std::nullopt);
  EXPECT_EQ(ParseCgroupV2CpuMax(""), std::nullopt);
}

TEST(CpuBudgetTest, ParsesCgroupV1Quota) {
  EXPECT_EQ(ParseCgroupV1Quota("150000\n", "100000\n"), 1.5);
  EXPECT_EQ(ParseCgroupV1Quota("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(ParseCgroupV1Quota("x", "100000"), std::nullopt);
}

TEST(CpuBudgetTest, UsableCpusIsTheAffinityLoweredToTheFlooredQuota) {
  EXPECT_EQ((CpuBudget{.affinity_cpus = 64, .quota_cpus = 2.0}).UsableCpus(),
            2);
  EXPECT_EQ((CpuBudget{.affinity_cpus = 64, .quota_cpus = 2.9}).UsableCpus(),
            2);
  EXPECT_EQ((CpuBudget{.affinity_cpus = 1, .quota_cpus = 8.0}).UsableCpus(), 1);
  EXPECT_EQ((CpuBudget{.affinity_cpus = 8, .quota_cpus = 0.2}).UsableCpus(), 1);
  EXPECT_EQ((CpuBudget{.affinity_cpus = 6}).UsableCpus(), 6);
}

TEST(CpuBudgetTest, ReadsTheV2QuotaOfTheCgroupAndItsAncestors) {
  FakeCgroups fake;
  fake.Write("proc_self_cgroup", "0::/kubepods/pod1/ctr\n");
  fake.Write("sys/kubepods/pod1/ctr/cpu.max", "max 100000\n");
  fake.Write("sys/kubepods/pod1/cpu.max", "300000 100000\n");
  fake.Write("sys/kubepods/cpu.max", "2000000 100000\n");
  CpuBudget budget = ReadCpuBudget(fake.Sources(64));
  EXPECT_EQ(budget.quota_cpus, 3.0);
  EXPECT_EQ(budget.UsableCpus(), 3);
}

// A container without a cgroup namespace sees its host-side path in
// /proc/self/cgroup, but its own cgroup mounted at the root.
TEST(CpuBudgetTest, FallsBackToTheMountRootWhenThePathIsNotMounted) {
  FakeCgroups fake;
  fake.Write("proc_self_cgroup", "0::/kubepods/burstable/pod9/ctr\n");
  fake.Write("sys/cpu.max", "150000 100000\n");
  EXPECT_EQ(ReadCpuBudget(fake.Sources(64)).UsableCpus(), 1);
}

TEST(CpuBudgetTest, ReadsTheV1QuotaOfTheCpuHierarchy) {
  FakeCgroups fake;
  fake.Write("proc_self_cgroup",
             "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n1:name=x:/\n");
  fake.Write("sys/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n");
  fake.Write("sys/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  fake.Write("sys/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  fake.Write("sys/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(ReadCpuBudget(fake.Sources(64)).UsableCpus(), 2);
}

TEST(CpuBudgetTest, NoCgroupFilesMeansTheAffinityCount) {
  FakeCgroups fake;
  CpuBudget budget = ReadCpuBudget(fake.Sources(5));
  EXPECT_EQ(budget.quota_cpus, std::nullopt);
  EXPECT_EQ(budget.UsableCpus(), 5);
}

TEST(CpuBudgetTest, TheRealAffinityMaskCountsAtLeastOneCpu) {
  EXPECT_GE(ReadCpuBudget().affinity_cpus, 1);
}

}  // namespace
}  // namespace protogate::base
