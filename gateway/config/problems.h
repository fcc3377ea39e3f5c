// Problems: the problems one validation run finds, collected so that a run
// reports every one of them (`protogate --validate`, a start-up that fails)
// instead of stopping at the first. A problem is "PATH: PROBLEM", PATH the
// config path of the value in proto field names, as the checks of
// validation_checks.h word it:
//   clusters[1].endpoints[0]: "localhost" is not host:port
//
// Validators take a Problems& and go on after a problem; a check whose
// result a later check needs tests Add()'s result and stops there. One
// value has at most one problem: a second one with the same PATH (two
// checks that both look at it) is dropped.
//
// Thread safety: not thread-safe; one collector per validation run.
// Ownership: a value type; the caller owns it.
//
// Example:
//   Problems problems;
//   problems.Add(CheckHostPort("listen", listen, PortRule::kZeroAllowed));
//   if (!problems.Add(CheckDottedName(path, name))) return;  // needed below
//   ...
//   absl::Status status = problems.ToStatus();
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace protogate::config {

class Problems {
 public:
  // The most problems kept; any further ones are only counted.
  static constexpr size_t kMaxKept = 100;

  // Records `status`'s message ("PATH: PROBLEM") unless it is OK or PATH
  // already has a problem; returns whether it was OK.
  bool Add(const absl::Status& status);
  // Records "PATH: MESSAGE" unless PATH already has a problem.
  void Add(std::string_view path, std::string_view message);

  bool empty() const { return count_ == 0; }
  // Every problem recorded, kept or not.
  size_t count() const { return count_; }
  // The first kMaxKept problems, in the order found.
  const std::vector<std::string>& kept() const { return kept_; }

  // OK, or FailedPrecondition listing the kept problems one per line, then
  // "(N more problems)" when some were not kept.
  absl::Status ToStatus() const;

 private:
  void Record(std::string problem);

  std::vector<std::string> kept_;
  size_t count_ = 0;
  absl::flat_hash_set<std::string> paths_;
};

}  // namespace protogate::config
