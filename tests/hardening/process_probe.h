// Probes of the hardening tests: a child process's memory, open
// descriptors and stopped state read from /proc, and which sanitizer the
// build uses.
//
// Thread safety: stateless functions.
//
// Example:
//   auto before = ReadMemory(pid);
//   ASSERT_TRUE(ResetPeakRss(pid));
//   ... requests ...
//   EXPECT_LT(ReadMemory(pid)->peak_kib - before->rss_kib, 10240);
#pragma once

#include <stdlib.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/child_process.h"

namespace protogate::hardening {

// The sanitizer builds (tools/sanitize.sh): the test and the binaries it
// runs are built alike. ASan's and TSan's allocators keep freed memory in
// quarantine and shadow it, so RSS bounds are only asserted without them.
#if defined(__SANITIZE_THREAD__)
#define PROTOGATE_HARDENING_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PROTOGATE_HARDENING_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PROTOGATE_HARDENING_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROTOGATE_HARDENING_ASAN 1
#endif
#endif
#ifdef PROTOGATE_HARDENING_TSAN
inline constexpr bool kThreadSanitizedBuild = true;
#else
inline constexpr bool kThreadSanitizedBuild = false;
#endif
#ifdef PROTOGATE_HARDENING_ASAN
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = kThreadSanitizedBuild;
#endif

struct ProcessMemory {
  int64_t rss_kib = 0;   // VmRSS: resident now.
  int64_t peak_kib = 0;  // VmHWM: the peak since start or ResetPeakRss.
};

// VmRSS and VmHWM of `pid`, or NotFound when it has exited.
inline absl::StatusOr<ProcessMemory> ReadMemory(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError("no such process");
  ProcessMemory m;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() < 2) continue;
    if (words[0] == "VmRSS:") (void)absl::SimpleAtoi(words[1], &m.rss_kib);
    if (words[0] == "VmHWM:") (void)absl::SimpleAtoi(words[1], &m.peak_kib);
  }
  if (m.rss_kib <= 0 || m.peak_kib <= 0) {
    return absl::InternalError("no VmRSS/VmHWM in /proc/<pid>/status");
  }
  return m;
}

// Resets VmHWM to the current RSS (Linux clear_refs "5"); false if the
// kernel refused.
inline bool ResetPeakRss(pid_t pid) {
  std::ofstream out(absl::StrCat("/proc/", pid, "/clear_refs"));
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// The number of open file descriptors of `pid` (-1 when unreadable).
inline int OpenFds(pid_t pid) {
  std::error_code error;
  std::filesystem::directory_iterator it(absl::StrCat("/proc/", pid, "/fd"),
                                         error);
  if (error) return -1;
  int n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) ++n;
  return n;
}

// Waits (at most 10 s) until every thread of `pid` is stopped (state T in
// /proc/<pid>/task/*/stat): kill(SIGSTOP) returns before a thread running
// on another CPU has stopped.
inline bool WaitStopped(pid_t pid) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    bool all = true;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator(
             absl::StrCat("/proc/", pid, "/task"), error)) {
      std::ifstream in(task.path() / "stat");
      std::string stat((std::istreambuf_iterator<char>(in)), {});
      const size_t paren = stat.rfind(')');  // The name may hold spaces.
      if (paren == std::string::npos || paren + 2 >= stat.size() ||
          (stat[paren + 2] != 'T' && stat[paren + 2] != 't')) {
        all = false;
      }
    }
    if (all && !error) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

}  // namespace protogate::hardening
