#include "gateway/routing/route_table.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/routing/method_location.h"
#include "gateway/routing/path_matcher.h"
#include "gateway/routing/percent_encoding.h"
#include "gateway/routing/request_path.h"
#include "gateway/routing/route_builder.h"
#include "gateway/routing/rule_selector.h"
#include "google/api/annotations.pb.h"

namespace protogate::routing {

struct RouteTable::Trie {
  PathMatcher matcher;
  absl::flat_hash_set<std::string> verbs;  // Canonical; every registered verb.
};

namespace {

using Segments = RequestPath::Segments;

std::string ConflictMessage(const Route& existing, const Route& added) {
  return AtMethodLocation(
      *added.method,
      absl::StrCat(
          "method ", added.method->full_name(), ": template \"",
          added.path.text(), "\": ", added.http_method, " conflicts with ",
          existing.http_method, " \"", existing.path.text(), "\" of method ",
          existing.method->full_name(), ": both match the same requests"));
}

// FailedPrecondition with one problem per line; OK when there is none.
absl::Status ProblemsStatus(const std::vector<std::string>& problems) {
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
}

absl::Status AppendMethodRoutes(
    const google::protobuf::MethodDescriptor& method,
    const RouteTableOptions& options, RuleSelector& selector,
    std::vector<Route>* routes) {
  if (const google::api::HttpRule* rule = selector.Select(method)) {
    absl::Status s =
        AppendRuleRoutes(method, *rule, RouteSource::kConfig, routes);
    if (!s.ok()) return s;
  } else if (method.options().HasExtension(google::api::http)) {
    absl::Status s = AppendRuleRoutes(
        method, method.options().GetExtension(google::api::http),
        RouteSource::kAnnotation, routes);
    if (!s.ok()) return s;
  }
  if (options.grpc_paths == RouteTableOptions::GrpcPaths::kDisabled) {
    return absl::OkStatus();
  }
  absl::StatusOr<Route> grpc_route = GrpcPathRoute(method);
  if (!grpc_route.ok()) return grpc_route.status();
  routes->push_back(*std::move(grpc_route));
  return absl::OkStatus();
}

int MultiWildcardIndex(const PathTemplate& path) {
  const std::vector<Segment>& segments = path.segments();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].kind == Segment::Kind::kMultiWildcard) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Decodes the values of `path`'s variables from the raw request segments
// `raw`, which `path` is known to match.
void BindVariables(const PathTemplate& path, const Segments& raw,
                   std::vector<std::string>* values) {
  const int multi = MultiWildcardIndex(path);
  const int extra =
      static_cast<int>(raw.size()) - static_cast<int>(path.segments().size());
  auto begin = [&](int t) { return multi >= 0 && t > multi ? t + extra : t; };
  auto end = [&](int t) {
    return multi >= 0 && t >= multi ? t + extra + 1 : t + 1;
  };
  values->reserve(path.variables().size());
  for (const Variable& variable : path.variables()) {
    const SlashEscapes slashes = variable.multi_segment
                                     ? SlashEscapes::kKeepEncoded
                                     : SlashEscapes::kDecode;
    std::string& value = values->emplace_back();
    const int first = begin(variable.start_segment);
    const int last = end(variable.end_segment - 1);
    for (int k = first; k < last; ++k) {
      if (k > first) value.push_back('/');
      AppendDecoded(raw[k], slashes, &value);
    }
  }
}

// The last segment's verb candidate: the text after its last raw ':'.
struct VerbSplit {
  std::string_view raw_last;
  std::string_view canonical_last;
  size_t raw_colon;
  size_t canonical_colon;  // Raw ':' stay ':' in canonical form, so this is
                           // the same colon.
};

std::optional<VerbSplit> FindVerb(const absl::flat_hash_set<std::string>& verbs,
                                  const Segments& raw,
                                  const Segments& canonical) {
  if (verbs.empty() || canonical.empty()) return std::nullopt;
  VerbSplit split{raw.back(), canonical.back(), raw.back().rfind(':'),
                  canonical.back().rfind(':')};
  if (split.canonical_colon == std::string_view::npos) return std::nullopt;
  const std::string_view verb =
      split.canonical_last.substr(split.canonical_colon + 1);
  if (!verbs.contains(base::ToAbsl(verb))) return std::nullopt;
  return split;
}

RouteMatch MatchSegments(const PathMatcher& matcher,
                         const std::vector<Route>& routes,
                         std::string_view http_method, const Segments& raw,
                         const PathMatcher::Query& query) {
  RouteMatch match;
  const int index = matcher.Find(query, http_method);
  if (index != PathMatcher::kNoValue) {
    match.outcome = RouteMatch::Outcome::kMatched;
    match.route = &routes[index];
    BindVariables(match.route->path, raw, &match.variable_values);
    return match;
  }
  std::vector<std::string> allowed = matcher.AllowedMethods(query);
  if (!allowed.empty()) {
    match.outcome = RouteMatch::Outcome::kMethodNotAllowed;
    match.allow = absl::StrJoin(allowed, ", ");
  }
  return match;
}

}  // namespace

RouteTable::RouteTable() = default;
RouteTable::~RouteTable() = default;

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Build(
    absl::Span<const google::protobuf::ServiceDescriptor* const> services) {
  return Build(services, RouteTableOptions());
}

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Build(
    absl::Span<const google::protobuf::ServiceDescriptor* const> services,
    const RouteTableOptions& options) {
  RuleSelector selector(options.rules);
  if (absl::Status s = selector.Init(); !s.ok()) return s;
  // Every method's problems, then every conflict, one per line.
  std::vector<std::string> problems;
  std::vector<Route> routes;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      absl::Status s = AppendMethodRoutes(method, options, selector, &routes);
      if (!s.ok()) problems.push_back(AtMethodLocation(method, s.message()));
    }
  }
  if (absl::Status s = selector.CheckAllMatched(); !s.ok()) {
    problems.emplace_back(s.message());
  }
  absl::StatusOr<std::unique_ptr<RouteTable>> table = Create(std::move(routes));
  if (!table.ok()) problems.emplace_back(table.status().message());
  PG_RETURN_IF_ERROR(ProblemsStatus(problems));
  return table;
}

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Create(
    std::vector<Route> routes) {
  auto table = absl::WrapUnique(new RouteTable());
  table->routes_ = std::move(routes);
  table->trie_ = std::make_unique<Trie>();
  std::vector<std::string> conflicts;
  for (size_t i = 0; i < table->routes_.size(); ++i) {
    const Route& route = table->routes_[i];
    const int existing = table->trie_->matcher.Insert(
        route.path, route.http_method, static_cast<int>(i));
    if (existing != PathMatcher::kNoValue) {
      conflicts.push_back(ConflictMessage(table->routes_[existing], route));
      continue;
    }
    if (!route.path.verb().empty()) {
      table->trie_->verbs.insert(route.path.verb());
    }
  }
  PG_RETURN_IF_ERROR(ProblemsStatus(conflicts));
  return table;
}

RouteMatch RouteTable::Match(std::string_view http_method,
                             std::string_view path) const {
  RequestPath request;
  if (absl::Status s = request.Parse(path); !s.ok()) {
    RouteMatch bad;
    bad.outcome = RouteMatch::Outcome::kBadRequest;
    bad.error = std::string(s.message());
    return bad;
  }
  Segments& raw = request.raw();
  Segments& canonical = request.canonical();
  if (const std::optional<VerbSplit> split =
          FindVerb(trie_->verbs, raw, canonical)) {
    canonical.back() = split->canonical_last.substr(0, split->canonical_colon);
    raw.back() = split->raw_last.substr(0, split->raw_colon);
    const std::string_view verb =
        split->canonical_last.substr(split->canonical_colon + 1);
    RouteMatch match = MatchSegments(trie_->matcher, routes_, http_method, raw,
                                     {canonical, verb});
    if (match.outcome != RouteMatch::Outcome::kNotFound) return match;
    canonical.back() = split->canonical_last;  // The colon is plain data.
    raw.back() = split->raw_last;
  }
  RouteMatch match =
      MatchSegments(trie_->matcher, routes_, http_method, raw, {canonical, ""});
  if (match.outcome == RouteMatch::Outcome::kNotFound) {
    match.error = absl::StrCat("no route matches \"", base::ToAbsl(path), "\"");
  }
  return match;
}

}  // namespace protogate::routing
