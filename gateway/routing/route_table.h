// RouteTable: every HTTP route of a snapshot, and the matcher over them.
//
// Built once from the services' google.api.http annotations (plus the
// implicit `POST /package.Service/Method` route of every method) into an
// immutable trie. Matching never consults a DescriptorPool; it allocates
// only the returned variable values, plus scratch for paths with more than
// 16 segments or with %-escapes, and the error text of a failed match.
//
// Matching (docs/HTTP_RULES.md "Templates"; details in path_matcher.h and
// request_path.h):
//  - the path is validated and split on raw '/' only; dot segments ("." and
//    "..", also %2e forms) are removed as in RFC 3986, ".." above the root,
//    malformed %-escapes, "%00", control characters, '\' and '#' are
//    kBadRequest;
//  - literal segments compare in canonical form: %-escapes of unreserved
//    characters are decoded, others compared with upper-case hex, so
//    "/v1/shel%76es" matches literal "shelves" but "a%2Fb" never matches
//    "a/b";
//  - the text after the last ':' of the last segment is tried as a verb if
//    some route registers that verb (compared in canonical form, split
//    before decoding, so "%3A" is always data); if no route of any HTTP
//    method matches with it, the colon is retried as part of the segment
//    (so a 405 for the verb route wins over a verb-less route);
//  - precedence: literal > `*` > `**`, left to right, with backtracking;
//    exact-method routes are tried over the whole table before custom
//    kind "*" routes; HEAD is not GET;
//  - variable values are percent-decoded once; multi-segment values keep
//    "%2F"/"%2f" encoded.
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
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"

namespace protogate::routing {

// How RouteTable::Build makes routes beyond the annotations.
struct RouteTableOptions {
  // HTTP rules from configuration (`http.rules`), each with a `selector`:
  // a method full name (see rule_selector.h). The selected method gets the
  // rule's routes (RouteSource::kConfig) instead of its google.api.http
  // annotation.
  std::vector<google::api::HttpRule> rules;
  // Whether every method also gets `POST /package.Service/Method`.
  enum class GrpcPaths { kEnabled, kDisabled };
  GrpcPaths grpc_paths = GrpcPaths::kEnabled;
};

struct RouteMatch {
  enum class Outcome {
    kMatched,           // route and variable_values are set.
    kNotFound,          // No template matches the path: 404.
    kMethodNotAllowed,  // Some route matches the path, not the method: 405.
    kBadRequest,        // The path is malformed (e.g. bad %-escape): 400.
  };
  Outcome outcome = Outcome::kNotFound;
  const Route* route = nullptr;  // Owned by the table; valid as long as it.
  // Percent-decoded (docs/HTTP_RULES.md; single-segment fully; multi-segment
  // keeps %2F), aligned with route->path.variables().
  std::vector<std::string> variable_values;
  // For kMethodNotAllowed: the allowed methods, e.g. "GET, POST".
  std::string allow;
  // For kBadRequest / kNotFound: what was wrong, for the error body, naming
  // the path, e.g. `path "/v1/%zz": malformed percent-encoding at offset 4`.
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

  // As above, with config rules and the implicit gRPC paths per `options`.
  // Also FailedPrecondition for a malformed or repeated selector and for a
  // selector that matches no method of `services`.
  static absl::StatusOr<std::unique_ptr<RouteTable>> Build(
      absl::Span<const google::protobuf::ServiceDescriptor* const> services,
      const RouteTableOptions& options);

  // Builds the table from already resolved routes (e.g. made with
  // route_builder.h from config rules). Returns FailedPrecondition naming
  // both methods when two routes with the same HTTP method and verb have
  // templates of the same shape (same literals and wildcards).
  static absl::StatusOr<std::unique_ptr<RouteTable>> Create(
      std::vector<Route> routes);

  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // `path` is the request target's path (before '?'), still percent-encoded;
  // `http_method` is compared case-sensitively. Never fails: the outcome
  // says what happened; `error` is set for kBadRequest and kNotFound.
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
