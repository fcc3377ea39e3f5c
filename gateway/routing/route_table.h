// RouteTable: every HTTP route of a snapshot, and the matcher over them.
//
// Built once from the services' google.api.http annotations (plus the
// implicit `POST /package.Service/Method` route of every method) into an
// immutable trie. Matching a request does no allocation beyond the returned
// variable values and never consults a DescriptorPool.
//
// Thread safety: immutable after Build(); Match() is safe concurrently.
// Ownership: the services' DescriptorPool must outlive the table.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto table, RouteTable::Build(services));
//   RouteMatch m = table->Match("GET", "/v1/shelves/1/books/2");
//   if (m.outcome == RouteMatch::Outcome::kMatched) { ... m.route ... }
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gateway/routing/route.h"
#include "google/protobuf/descriptor.h"

namespace protogate::routing {

struct RouteMatch {
  enum class Outcome {
    kMatched,           // route and variable_values are set.
    kNotFound,          // No template matches the path: 404.
    kMethodNotAllowed,  // Some route matches the path, not the method: 405.
    kBadRequest,        // The path is malformed (e.g. bad %-escape): 400.
  };
  Outcome outcome = Outcome::kNotFound;
  const Route* route = nullptr;
  // Percent-decoded per HTTP_RULES (single-segment fully; multi-segment
  // keeps %2F), aligned with route->path.variables().
  std::vector<std::string> variable_values;
  // For kMethodNotAllowed: the allowed methods, e.g. "GET, POST".
  std::string allow;
  // For kBadRequest / kNotFound: what was wrong, for the error body.
  std::string error;
};

class RouteTable {
 public:
  // Builds routes for every method of `services`. Returns FailedPrecondition
  // naming the method and template for invalid templates, unknown or
  // non-scalar variable fields, bad body/response_body fields, and two
  // routes of different methods that match the same requests.
  static absl::StatusOr<std::unique_ptr<RouteTable>> Build(
      absl::Span<const google::protobuf::ServiceDescriptor* const> services);

  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // `path` is the request target's path (before '?'), still percent-encoded.
  RouteMatch Match(std::string_view http_method, std::string_view path) const;

  // Every route, in a stable order (by service, method, binding).
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Trie;
  RouteTable();
  std::vector<Route> routes_;
  std::unique_ptr<Trie> trie_;
};

}  // namespace protogate::routing
