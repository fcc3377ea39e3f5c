// CompilePlan: reads the (protogate.aggregator.v1.plan) option of a method
// and validates it against the method's DescriptorPool into an immutable
// CompiledPlan (a DAG of steps with resolved field accessors).
//
// Validation (each failure is FailedPrecondition naming the method, the step
// or merge, and the path at fault):
//   - called methods exist and are unary; ids are unique;
//   - every path resolves through legal fields (singular messages only in
//     the middle); types and cardinality are assignable;
//   - the step graph is acyclic and every step feeds a merge, a used step
//     or the response headers (no unreachable step);
//   - no two unconditional SET/JOIN writes to one field, overlapping
//     fields, or two members of one oneof;
//   - step timeouts fit the plan deadline; retries only for idempotent
//     methods; the worst-case call count fits max_total_calls.
//
// Message format: `plan "<method>": <where>: <cause>`, where <where> is
// e.g. `step "books": bind[0].from "request.shelf"`, `merge[2] into "books"`,
// `steps`, `max_total_calls` or `errors.field "errors"`.
//
// Thread safety: thread-compatible; call from any thread, the pool must not
// be mutated concurrently.
// Ownership: the result borrows `method`'s pool, which must outlive it.
//
// Example:
//   absl::StatusOr<std::unique_ptr<const CompiledPlan>> plan =
//       CompilePlan(*pool.FindMethodByName("shop.Storefront.Get"));
//   if (absl::IsNotFound(plan.status())) { /* plain transcoding */ }
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "aggregator/compiled_plan.h"
#include "google/protobuf/descriptor.h"

namespace protogate::aggregator {

// NotFound when `method` has no plan; FailedPrecondition when it is invalid.
absl::StatusOr<std::unique_ptr<const CompiledPlan>> CompilePlan(
    const google::protobuf::MethodDescriptor& method);

// True when `method` carries a plan option.
bool HasPlan(const google::protobuf::MethodDescriptor& method);

}  // namespace protogate::aggregator
