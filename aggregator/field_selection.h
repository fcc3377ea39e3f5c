// FieldSelection: the part of a plan's response a client asked for (a
// FieldMask, as `?fields=product,price.amount` or an X-Fields header in its
// JSON form), and what it takes to produce it: which merges write selected
// fields and which steps those merges (and the steps they depend on) read.
// The executor does not run the other steps and returns only the selected
// fields (plus the plan's error field).
//
// A merge is kept when a field it writes (`into`, plus join_field,
// target_field or one of its join_fields targets) and a selected path are
// one a prefix of the other; a
// COMPUTE merge that reads `response` keeps every merge before it. A step is
// kept when a kept merge reads it or a kept step depends on it (a step
// needed only for its response_headers does not run, and its headers are
// not sent). Paths may cross repeated message fields
// (`products.price` selects the price of every product).
//
// Thread safety: immutable after Parse(); share it between runs freely.
// Ownership: borrows the plan's descriptors; must not outlive the plan.
//
// Example:
//   auto selection = FieldSelection::Parse(*plan, "product,price.amount");
//   if (!selection.ok()) return Reply400(selection.status());
//   options.selection = *selection;
//   executor.Run(*plan, request, options, done);
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "aggregator/compiled_plan.h"
#include "google/protobuf/message.h"

namespace protogate::aggregator {

class FieldSelection {
 public:
  // `fields`: comma-separated paths, camelCase or proto names. An empty
  // text selects everything. InvalidArgument naming the first path that
  // names no field of the plan's response.
  static absl::StatusOr<std::shared_ptr<const FieldSelection>> Parse(
      const CompiledPlan& plan, std::string_view fields);

  bool RunsStep(int step) const { return runs_step_[step]; }
  bool AppliesMerge(int merge) const { return applies_merge_[merge]; }
  // The selected paths, as proto field names.
  const std::vector<std::string>& paths() const { return paths_; }

  // Clears every field of `response` outside the selection (and the
  // plan's error field).
  void Trim(google::protobuf::Message* response) const;

  // {"fields":[...],"runs":[ids],"skips":[ids]} for GET /-/plans.
  std::string ExplainJson(const CompiledPlan& plan) const;

 private:
  struct Node {
    bool whole = false;  // The field and everything under it.
    absl::flat_hash_map<const google::protobuf::FieldDescriptor*,
                        std::unique_ptr<Node>>
        children;
  };

  FieldSelection() = default;
  void Add(const FieldPath& path);
  bool Touches(const FieldPath& path) const;
  void Decide(const CompiledPlan& plan);
  static void TrimNode(const Node& node, google::protobuf::Message* m);

  Node root_;
  std::vector<std::string> paths_;
  std::vector<bool> runs_step_;
  std::vector<bool> applies_merge_;
};

}  // namespace protogate::aggregator
