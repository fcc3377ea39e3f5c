// Per-method call settings (config `methods` and `method_defaults`) as the
// snapshot applies them to routes: deadlines, query handling and retries.
//
// Thread safety: value types.
#pragma once

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace protogate::proxy {

// Retries of a method's direct calls (config `retries`, RetryPolicy).
struct RetrySetting {
  int max_attempts = 1;  // Including the first.
  // Applies only to methods idempotent by their descriptor.
  bool idempotent_only = false;
  absl::Duration initial_backoff = absl::Milliseconds(100);
};

// Call settings of the methods a selector names (config `methods`).
struct MethodSetting {
  // A method, service or package full name; the longest match wins.
  std::string selector;
  absl::Duration timeout = absl::ZeroDuration();  // Zero: inherited.
  bool ignore_unknown_query_params = false;
  std::optional<RetrySetting> retries;  // Unset: inherited.
};

}  // namespace protogate::proxy
