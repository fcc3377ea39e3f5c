// RuleSelector: picks the configuration http rule (google.api.HttpRule with
// a `selector`) that applies to a method.
//
// A selector is a method's full name, "pkg.Service.Method". Wildcards are
// not supported: a rule's template is the same for every method it selects,
// so two methods selected by one rule would always conflict.
//
// Thread safety: not thread-safe; used while building a RouteTable.
// Ownership: borrows `rules`, which must outlive the selector.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"

namespace protogate::routing {

class RuleSelector {
 public:
  explicit RuleSelector(absl::Span<const google::api::HttpRule> rules)
      : rules_(rules) {}

  // Indexes the rules. FailedPrecondition for an empty selector, one with
  // characters other than [A-Za-z0-9_.], or one given twice.
  absl::Status Init();

  // The rule for `method`, or nullptr when no selector names it.
  const google::api::HttpRule* Select(
      const google::protobuf::MethodDescriptor& method);

  // FailedPrecondition naming the first selector that named no method
  // passed to Select().
  absl::Status CheckAllMatched() const;

 private:
  absl::Span<const google::api::HttpRule> rules_;
  absl::flat_hash_map<std::string, int> by_selector_;  // Rule indices.
  absl::flat_hash_set<int> matched_;
};

}  // namespace protogate::routing
