// PlanQuery: what a request to a composition plan's route asks of the plan
// besides its message: the field selection, as the `fields` query
// parameter (`?fields=product,price.amount`) or the X-Fields header (the
// FieldMask JSON form: comma-separated paths, camelCase or proto names).
// On a plan route `fields` is always the selection, never a request field.
//
// Thread safety: stateless functions.
// Ownership: the selection borrows the plan (aggregator/field_selection.h).
//
// Example:
//   absl::StatusOr<PlanQuery> q = ReadPlanQuery(*rt.plan, request);
//   if (!q.ok()) return Reply(ErrorResponse(q.status()));
//   BuildRequest(..., q->query, ...);   // `fields` is not a request field
//   run.selection = q->selection;       // null: the whole response
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "aggregator/compiled_plan.h"
#include "aggregator/field_selection.h"
#include "gateway/http/request.h"

namespace protogate::proxy {

struct PlanQuery {
  // The request's query without the `fields` parameter.
  std::string query;
  // The selected fields; null when the request selects none (everything).
  std::shared_ptr<const aggregator::FieldSelection> selection;
};

// Reads the field selection of a request to `plan`'s route.
// InvalidArgument when `fields` is given twice or both as a parameter and as
// X-Fields, is malformed, or names no field of the plan's response (the
// message names the path: `fields: no field "price.amout" in
// demo.storefront.v1.ProductPage`).
absl::StatusOr<PlanQuery> ReadPlanQuery(const aggregator::CompiledPlan& plan,
                                        const http::Request& request);

}  // namespace protogate::proxy
