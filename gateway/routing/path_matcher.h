// PathMatcher: a trie of path templates, each leaf keyed by verb and HTTP
// method, mapping to an integer value (RouteTable stores route indices).
//
// Matching walks the request's canonical segments left to right, trying at
// every position a literal child first, then `*`, then `**` (shortest span
// first, so literals after `**` are preferred), and backtracks when a branch
// dead-ends: the first leaf reached is the most specific template.
// `*` never matches an empty segment; `**` matches any number of segments,
// empty ones included. Templates of the same shape (same literals and
// wildcards; variable names do not matter) share a leaf.
//
// Thread safety: Insert() is not thread-safe; once the last Insert() has
// returned, the const methods are safe concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "gateway/routing/path_template.h"

namespace protogate::routing {

class PathMatcher {
 public:
  static constexpr int kNoValue = -1;
  // The method key of custom rules with kind "*".
  static constexpr std::string_view kAnyMethod = "*";

  struct Query {
    absl::Span<const std::string_view> segments;  // Canonical form.
    std::string_view verb;                        // Canonical; "" for none.
  };

  PathMatcher();

  // Registers `value` for `path`'s shape and verb under `http_method`.
  // Returns kNoValue on success, or the value already registered for the
  // same shape, verb and method (nothing is inserted then).
  int Insert(const PathTemplate& path, std::string_view http_method, int value);

  // The value of the most specific template matching `query` with exactly
  // `http_method`, else with kAnyMethod; kNoValue when there is none.
  int Find(const Query& query, std::string_view http_method) const;

  // The sorted distinct methods (kAnyMethod excluded) of every template
  // matching `query`; empty when no template matches.
  std::vector<std::string> AllowedMethods(const Query& query) const;

 private:
  using MethodMap = absl::flat_hash_map<std::string, int>;
  struct Node {
    absl::flat_hash_map<std::string, int> literals;      // Canonical -> node.
    int single = -1;                                     // `*` child.
    int multi = -1;                                      // `**` child.
    absl::flat_hash_map<std::string, MethodMap> leaves;  // By verb.
  };

  int Child(int node, const Segment& segment);
  template <typename Visitor>
  bool Walk(int node, size_t index, const Query& query, Visitor& visit) const;
  int FindWithKey(const Query& query, std::string_view key) const;

  std::vector<Node> nodes_;
  bool has_any_method_ = false;
};

}  // namespace protogate::routing
