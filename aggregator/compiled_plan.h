// CompiledPlan: a composition plan (protogate.aggregator.v1.Plan) after
// load-time validation, with every reference resolved to field descriptors.
//
// Thread safety: immutable once CompilePlan() returns, so any number of
// Executor runs may share it. `factory` is thread-safe (DynamicMessageFactory
// locks internally).
// Ownership: descriptors point into the method's DescriptorPool, which must
// outlive the plan. The plan must outlive every run that uses it.
//
// Messages: runs build requests and merge responses with DynamicMessage from
// `factory` (over the method's pool). Plain transcoding avoids DynamicMessage
// on the hot path; plans need field-level reads and writes across several
// messages, which reflection over dynamic messages gives without codegen.
//
// Example:
//   absl::StatusOr<std::unique_ptr<const CompiledPlan>> plan =
//       CompilePlan(method);  // plan_compiler.h
//   for (const CompiledStep& step : (*plan)->steps) {
//     std::cout << step.id << " -> " << step.rpc_path << "\n";
//   }
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "expr/program.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "protogate/aggregator/v1/plan.pb.h"

namespace protogate::aggregator {

// What an expression variable stands for.
enum class ExprRoot { kRequest, kStepResponse, kItem, kHeader, kResponse };

struct ExprVar {
  ExprRoot root = ExprRoot::kRequest;
  int step = -1;  // kStepResponse.
};

struct CompiledExpr {
  std::unique_ptr<const expr::Program> program;
  std::vector<ExprVar> vars;  // By the program's Env index.
  std::vector<int> steps;     // Steps it reads, sorted, unique.
};

// Fields from a root message to a value. Every field but the last is a
// singular message field; the last may be repeated.
using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

// The static type of a referenced value.
struct ValueType {
  google::protobuf::FieldDescriptor::CppType cpp_type =
      google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE;
  const google::protobuf::Descriptor* message = nullptr;  // CPPTYPE_MESSAGE.
  const google::protobuf::EnumDescriptor* enum_type = nullptr;  // CPPTYPE_ENUM.
  bool repeated = false;
};

enum class RefKind {
  kRequest,       // request[.path]
  kStepResponse,  // steps.<id>.response[.path]
  kStepEach,      // steps.<id>.each[.path], per-key results of a fan-out.
  kItem,          // item[.path]
  kHeader,        // header["name"]
};

// A resolved reference.
struct Ref {
  RefKind kind = RefKind::kRequest;
  int step = -1;       // kStepResponse, kStepEach: index into steps.
  FieldPath path;      // From the root (request, response, result, item).
  std::string header;  // kHeader: lower-case name.
  std::string text;    // As written in the plan.
  ValueType type;      // Type of the value (an element for item refs).
};

struct CompiledBinding {
  FieldPath to;                              // In the called method's request.
  Ref from;                                  // Unless `expr` is set.
  std::shared_ptr<const CompiledExpr> expr;  // A CEL expression instead.
};

struct CompiledForEach {
  v1::ForEach::Mode mode = v1::ForEach::EACH;
  Ref over;  // A repeated field.
  // Inside one element, one path per key field (several: a composite key,
  // EACH only); a single empty path: the element is the key.
  std::vector<FieldPath> key;
  std::vector<ValueType> key_types;  // One per key path.
  int max_items = 0;                 // Nested fan-out: per parent item.
  // Distinct keys allowed in one run: max_items times the parent's
  // total_items for a nested fan-out (over steps.<id>.each...), else
  // max_items. Set by CheckBudgets.
  int total_items = 0;
  int parent = -1;          // Nested fan-out: the fan-out step it iterates.
  int max_concurrency = 0;  // 0: no cap.
  int max_batch = 0;
  const google::protobuf::FieldDescriptor* batch_request_field = nullptr;
  const google::protobuf::FieldDescriptor* batch_response_list = nullptr;
  FieldPath batch_response_key;  // Inside one batch_response_list element.
};

struct CompiledStep {
  std::string id;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string rpc_path;  // "/package.Service/Method".
  std::vector<CompiledBinding> bindings;
  std::optional<CompiledForEach> for_each;
  std::optional<Ref> when;
  std::shared_ptr<const CompiledExpr> when_expr;      // A bool CEL expression.
  absl::Duration timeout = absl::InfiniteDuration();  // Unset: infinite.
  v1::Criticality criticality = v1::REQUIRED;
  // The result type: the response, or the batch_response_list element.
  const google::protobuf::Descriptor* result_type = nullptr;
  std::unique_ptr<google::protobuf::Message> fallback;  // FALLBACK only.
  std::vector<std::string> propagate_headers;
  std::vector<std::string> response_headers;
  int max_retries = 0;
  bool coalesce = false;        // Share identical in-flight calls across runs.
  std::vector<int> deps;        // Steps this one reads, sorted, unique.
  std::vector<int> dependents;  // Steps that read this one.
  int worst_case_calls = 1;     // Retries included.
  // wire_merges.h: a wire-level merge copies this step's response bytes;
  // only wire-level merges read its response (no message is parsed unless
  // a run has a field selection).
  bool keeps_wire = false;
  bool parses_response = true;
  // wire_merges.h: a plain step whose bindings are all paths into scalar
  // top-level fields builds its request bytes directly, in field-number
  // order (the indexes of `bindings`).
  bool wire_request = false;
  std::vector<int> wire_bindings;
};

struct CompiledMerge {
  v1::Merge::Strategy strategy = v1::Merge::SET;
  std::string into_text;
  FieldPath into;  // In the response.
  Ref from;
  // JOIN: inside one target element, one per key path of the step.
  std::vector<FieldPath> join_key;
  FieldPath join_field;  // JOIN: inside one target element.
  // JOIN with join_fields: `from` inside the joined value, `to` inside one
  // target element (join_field included). Empty: the whole value is set.
  struct FieldCopy {
    FieldPath from;
    FieldPath to;
  };
  std::vector<FieldCopy> join_copies;
  // A CEL expression instead of `from` (whose kind is then kRequest with
  // step -1, text the expression); COMPUTE merges always have one.
  std::shared_ptr<const CompiledExpr> expr;
  FieldPath target_field;  // COMPUTE over a list: inside one element.
  // Applied by copying the step's response bytes (wire_merges.h).
  bool wire = false;
};

struct CompiledPlan {
  // Declared first: messages below are built from its prototypes.
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::vector<CompiledStep> steps;
  std::vector<CompiledMerge> merges;
  absl::Duration deadline = absl::InfiniteDuration();  // Unset: infinite.
  int max_total_calls = 64;
  int worst_case_calls = 0;
  FieldPath error_field;     // Empty: not reported in the body.
  std::string error_header;  // Empty: not reported in a header.
  // The wire-level merges (wire_merges.h), by target field number.
  std::vector<int> wire_merges;

  // Prototype of `type` from `factory`.
  const google::protobuf::Message& Prototype(
      const google::protobuf::Descriptor& type) const {
    return *factory->GetPrototype(&type);
  }
};

}  // namespace protogate::aggregator
