#include "gateway/base/cpu_budget.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/base/strings.h"

namespace protogate::base {
namespace {

// The whole file, or nullopt when it cannot be opened.
std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

int AffinityCpus() {
  // Sized for hosts with more CPUs than a static cpu_set_t holds.
  constexpr int kMaxCpus = 8192;
  cpu_set_t* set = CPU_ALLOC(kMaxCpus);
  const size_t size = CPU_ALLOC_SIZE(kMaxCpus);
  int count = 0;
  if (set != nullptr && sched_getaffinity(0, size, set) == 0) {
    count = CPU_COUNT_S(size, set);
  }
  if (set != nullptr) CPU_FREE(set);
  if (count > 0) return count;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// "/a/b/c" -> {"/a/b/c", "/a/b", "/a", ""}: the cgroup and its ancestors.
std::vector<std::string> SelfAndAncestors(std::string path) {
  std::vector<std::string> dirs;
  while (!path.empty() && path.back() == '/') path.pop_back();
  while (true) {
    dirs.push_back(path);
    if (path.empty()) break;
    path = path.substr(0, path.rfind('/'));
  }
  return dirs;
}

void TakeSmaller(std::optional<double>& least, std::optional<double> quota) {
  if (quota && (!least || *quota < *least)) least = quota;
}

std::optional<double> V2Quota(const CpuBudgetSources& s,
                              const std::string& path) {
  std::optional<double> least;
  for (const std::string& dir : SelfAndAncestors(path)) {
    std::optional<std::string> max =
        ReadSmallFile(absl::StrCat(s.cgroup_root, dir, "/cpu.max"));
    if (max) TakeSmaller(least, ParseCgroupV2CpuMax(*max));
  }
  return least;
}

std::optional<double> V1Quota(const CpuBudgetSources& s,
                              const std::string& path) {
  std::optional<double> least;
  // The hierarchy's mount point, by its usual names.
  for (const char* mount : {"/cpu", "/cpu,cpuacct", "/cpuacct,cpu"}) {
    for (const std::string& dir : SelfAndAncestors(path)) {
      const std::string base = absl::StrCat(s.cgroup_root, mount, dir);
      std::optional<std::string> quota =
          ReadSmallFile(base + "/cpu.cfs_quota_us");
      std::optional<std::string> period =
          ReadSmallFile(base + "/cpu.cfs_period_us");
      if (quota && period) {
        TakeSmaller(least, ParseCgroupV1Quota(*quota, *period));
      }
    }
  }
  return least;
}

}  // namespace

int CpuBudget::UsableCpus() const {
  int cpus = std::max(1, affinity_cpus);
  if (quota_cpus) {
    cpus = std::min(cpus, static_cast<int>(std::floor(*quota_cpus)));
  }
  return std::max(1, cpus);
}

std::optional<double> ParseCgroupV2CpuMax(std::string_view content) {
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::StripAsciiWhitespace(ToAbsl(content)), ' ', absl::SkipEmpty());
  int64_t quota = 0;
  int64_t period = 0;
  if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &quota) ||
      !absl::SimpleAtoi(fields[1], &period) || quota <= 0 || period <= 0) {
    return std::nullopt;  // Includes "max PERIOD": no quota.
  }
  return static_cast<double>(quota) / static_cast<double>(period);
}

std::optional<double> ParseCgroupV1Quota(std::string_view quota_us,
                                         std::string_view period_us) {
  int64_t quota = 0;
  int64_t period = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ToAbsl(quota_us)), &quota) ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(ToAbsl(period_us)),
                        &period) ||
      quota <= 0 || period <= 0) {
    return std::nullopt;  // Includes -1: no quota.
  }
  return static_cast<double>(quota) / static_cast<double>(period);
}

CpuBudget ReadCpuBudget(const CpuBudgetSources& sources) {
  CpuBudget budget;
  budget.affinity_cpus = sources.affinity_cpus
                             ? std::max(1, *sources.affinity_cpus)
                             : AffinityCpus();
  std::optional<std::string> cgroups = ReadSmallFile(sources.proc_self_cgroup);
  if (!cgroups) return budget;
  // Lines "ID:CONTROLLERS:PATH"; v2's unified line is "0::PATH".
  for (absl::string_view line : absl::StrSplit(*cgroups, '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3 || f[2].empty() || f[2][0] != '/') continue;
    if (f[0] == "0" && f[1].empty()) {
      TakeSmaller(budget.quota_cpus, V2Quota(sources, f[2]));
      continue;
    }
    std::vector<absl::string_view> controllers = absl::StrSplit(f[1], ',');
    if (std::find(controllers.begin(), controllers.end(), "cpu") !=
        controllers.end()) {
      TakeSmaller(budget.quota_cpus, V1Quota(sources, f[2]));
    }
  }
  return budget;
}

}  // namespace protogate::base
