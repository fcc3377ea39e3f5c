#include "gateway/routing/rule_selector.h"

#include "absl/strings/str_cat.h"

namespace protogate::routing {
namespace {

bool IsValidSelector(const std::string& selector) {
  if (selector.empty()) return false;
  for (char c : selector) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::Status RuleSelector::Init() {
  for (int i = 0; i < static_cast<int>(rules_.size()); ++i) {
    const std::string& selector = rules_[i].selector();
    if (!IsValidSelector(selector)) {
      return absl::FailedPreconditionError(
          absl::StrCat("http rule selector \"", selector,
                       "\": expected a method full name (pkg.Service.Method)"));
    }
    if (!by_selector_.try_emplace(selector, i).second) {
      return absl::FailedPreconditionError(
          absl::StrCat("http rule selector \"", selector, "\" given twice"));
    }
  }
  return absl::OkStatus();
}

const google::api::HttpRule* RuleSelector::Select(
    const google::protobuf::MethodDescriptor& method) {
  auto it = by_selector_.find(method.full_name());
  if (it == by_selector_.end()) return nullptr;
  matched_.insert(it->second);
  return &rules_[it->second];
}

absl::Status RuleSelector::CheckAllMatched() const {
  for (int i = 0; i < static_cast<int>(rules_.size()); ++i) {
    if (!matched_.contains(i)) {
      return absl::FailedPreconditionError(
          absl::StrCat("http rule selector \"", rules_[i].selector(),
                       "\" matches no method"));
    }
  }
  return absl::OkStatus();
}

}  // namespace protogate::routing
