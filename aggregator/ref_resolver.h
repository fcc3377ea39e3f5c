// RefResolver: load-time resolution of plan paths and references to field
// descriptors, and the type rules (assignability, cardinality) of plans.
// Internal to the compiler.
//
// Errors are plain messages ("no field \"x\" in pkg.Msg"); the compiler adds
// the method, step and path. All functions return FailedPrecondition.
//
// Thread safety: immutable after construction; borrows the plan's steps.
//
// Example:
//   RefResolver resolver(*method.input_type(), step_index_by_id, &steps);
//   PG_ASSIGN_OR_RETURN(Ref ref, resolver.Resolve("request.id", scope));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aggregator/compiled_plan.h"

namespace protogate::aggregator {

// Which reference roots a position in the plan accepts.
struct RefScope {
  const ValueType* item = nullptr;  // Element type when `item` is allowed.
  bool allow_each = false;          // steps.<id>.each (merges).
  bool allow_header = false;
};

class RefResolver {
 public:
  RefResolver(const google::protobuf::Descriptor& input,
              const absl::flat_hash_map<std::string, int>& step_index,
              const std::vector<CompiledStep>& steps)
      : input_(input), step_index_(step_index), steps_(steps) {}

  // Parses and resolves one reference. Step result types must already be
  // known (CompiledStep::method, result_type, for_each).
  absl::StatusOr<Ref> Resolve(std::string_view text,
                              const RefScope& scope) const;

  // Resolves a dotted field path from `root` ("" is the empty path).
  static absl::StatusOr<FieldPath> ResolvePath(
      const google::protobuf::Descriptor& root, std::string_view path);

 private:
  absl::StatusOr<Ref> ResolveStep(std::vector<std::string>& parts,
                                  const RefScope& scope, Ref ref) const;

  const google::protobuf::Descriptor& input_;
  const absl::flat_hash_map<std::string, int>& step_index_;
  const std::vector<CompiledStep>& steps_;
};

// The type of the value at the end of `path` from a `root` message.
ValueType TypeOfPath(const google::protobuf::Descriptor& root,
                     const FieldPath& path);
ValueType TypeOfField(const google::protobuf::FieldDescriptor& field);

// "int64", "string", "message pkg.Book", "enum pkg.Kind"; "list of ..." for
// repeated values.
std::string TypeName(const ValueType& type);

// OK when a value of `from` may be written into a field of `to` with
// kSet semantics (`single_into_list`: also a single value into a list, as
// APPEND does).
absl::Status CheckAssignable(const ValueType& from, const ValueType& to,
                             bool single_into_list);

// OK for types usable as fan-out / join keys (integers, string, bool, enum).
absl::Status CheckKeyType(const ValueType& type);

// Keys compare as text, so both sides must be of one kind: integers (and
// enums), strings, or bools. `what` names `b` in the message.
absl::Status CheckSameKeyKind(const ValueType& a, const ValueType& b,
                              std::string_view what);

// Joins the field names of a path with '.'.
std::string PathText(const FieldPath& path);

}  // namespace protogate::aggregator
