// Explain: a compiled plan as a document for humans and tools, served by the
// gateway's admin surface (GET /-/plans/{method}).
//
//   ExplainJson: {"method", "deadline_ms", "max_total_calls",
//     "worst_case_calls", "steps": [{"id", "call", "criticality",
//     "timeout_ms", "depends_on", "when", "for_each", "worst_case_calls"}],
//     "merges": [{"into", "from", "strategy"}],
//     "critical_path": {"steps": [...], "timeout_ms"}}
//   ExplainDot: a Graphviz digraph, edges from a step to the steps reading
//     it, the critical path drawn bold red.
//   With a field selection (field_selection.h) the JSON also holds
//   "selection": {"fields", "runs", "skips"} (the step ids the selection
//   runs and skips), and the digraph draws the skipped steps dashed gray.
//
// The critical path is the chain of dependent steps with the largest sum of
// timeouts (a step without timeout counts the plan deadline, or 0 when the
// plan has none); its total is capped at the plan deadline, which bounds
// every call. Infinite durations print as null (JSON).
//
// Thread safety: pure functions of an immutable plan.
//
// Example:
//   std::string json = ExplainJson(*plan);
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "aggregator/compiled_plan.h"
#include "aggregator/field_selection.h"

namespace protogate::aggregator {

struct CriticalPath {
  std::vector<int> steps;  // Indices into plan.steps, first to last.
  absl::Duration total = absl::ZeroDuration();
};

CriticalPath FindCriticalPath(const CompiledPlan& plan);
// `selection` may be null (every field).
std::string ExplainJson(const CompiledPlan& plan,
                        const FieldSelection* selection = nullptr);
std::string ExplainDot(const CompiledPlan& plan,
                       const FieldSelection* selection = nullptr);

}  // namespace protogate::aggregator
