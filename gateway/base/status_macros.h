// Status propagation helpers used across protogate.
//
// Thread safety: stateless macros.
//
// Example:
//   absl::StatusOr<Route> r = ...;
//   PG_ASSIGN_OR_RETURN(Route route, BuildRoute(method));
//   PG_RETURN_IF_ERROR(Validate(route));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PG_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status pg_status_ = (expr);      \
    if (!pg_status_.ok()) return pg_status_; \
  } while (0)

#define PG_STATUS_CONCAT_INNER_(a, b) a##b
#define PG_STATUS_CONCAT_(a, b) PG_STATUS_CONCAT_INNER_(a, b)

#define PG_ASSIGN_OR_RETURN(lhs, expr)                                      \
  PG_ASSIGN_OR_RETURN_IMPL_(PG_STATUS_CONCAT_(pg_statusor_, __LINE__), lhs, \
                            expr)

#define PG_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()
