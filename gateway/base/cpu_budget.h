// CpuBudget: how many CPUs this process may use, as opposed to how many the
// host has. Two limits apply on Linux, and inside a container both are
// usually tighter than the host's core count:
//   - the scheduler affinity mask (sched_getaffinity; `taskset`, cpusets,
//     Kubernetes' static CPU manager), and
//   - the cgroup CPU quota: cgroup v2 `cpu.max` ("QUOTA PERIOD" or "max
//     PERIOD"), cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1: none).
//     Kubernetes writes the container's CPU limit there. The quota of the
//     process's own cgroup and of every ancestor counts; the smallest wins.
//
// UsableCpus() is the affinity count, lowered to the quota rounded down (a
// thread beyond the quota only gets throttled), and at least 1. It is what
// the gateway's `--io_threads` default uses.
//
// Thread safety: ReadCpuBudget reads files and the calling thread's affinity
// mask; it keeps no state. CpuBudget is a plain value.
//
// Example:
//   base::CpuBudget budget = base::ReadCpuBudget();
//   int threads = budget.UsableCpus();  // 2 on a 64-core node, 2-CPU limit
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace protogate::base {

struct CpuBudget {
  int affinity_cpus = 1;             // CPUs in the affinity mask, >= 1.
  std::optional<double> quota_cpus;  // quota / period; nullopt: no quota.

  // max(1, min(affinity_cpus, floor(quota_cpus))).
  int UsableCpus() const;
};

// Where ReadCpuBudget looks; tests point these at a fake tree.
struct CpuBudgetSources {
  std::string proc_self_cgroup = "/proc/self/cgroup";
  std::string cgroup_root = "/sys/fs/cgroup";  // v2 mount, or v1 hierarchies
  // nullopt: the real sched_getaffinity of the calling thread.
  std::optional<int> affinity_cpus;
};

// The budget of the calling process. Missing or unreadable files mean "no
// quota" (never an error): the answer is then the affinity count.
CpuBudget ReadCpuBudget(const CpuBudgetSources& sources = {});

// Parses the content of a cgroup v2 cpu.max file: "200000 100000" is 2.0,
// "max 100000" (or garbage, or a zero period) is nullopt.
std::optional<double> ParseCgroupV2CpuMax(std::string_view content);

// The cgroup v1 quota from cpu.cfs_quota_us and cpu.cfs_period_us contents:
// "150000", "100000" is 1.5; a quota of -1 (or garbage) is nullopt.
std::optional<double> ParseCgroupV1Quota(std::string_view quota_us,
                                         std::string_view period_us);

}  // namespace protogate::base
