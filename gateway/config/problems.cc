#include "gateway/config/problems.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/base/strings.h"

namespace protogate::config {

bool Problems::Add(const absl::Status& status) {
  if (status.ok()) return true;
  Record(std::string(status.message()));
  return false;
}

void Problems::Add(std::string_view path, std::string_view message) {
  Record(absl::StrCat(base::ToAbsl(path), ": ", base::ToAbsl(message)));
}

void Problems::Record(std::string problem) {
  const size_t colon = problem.find(": ");
  if (!paths_.insert(problem.substr(0, colon)).second) return;
  ++count_;
  if (kept_.size() < kMaxKept) kept_.push_back(std::move(problem));
}

absl::Status Problems::ToStatus() const {
  if (count_ == 0) return absl::OkStatus();
  std::string text = absl::StrJoin(kept_, "\n");
  if (count_ > kept_.size()) {
    absl::StrAppend(&text, "\n(", count_ - kept_.size(), " more problems)");
  }
  return absl::FailedPreconditionError(text);
}

}  // namespace protogate::config
