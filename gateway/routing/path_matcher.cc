#include "gateway/routing/path_matcher.h"

#include <algorithm>

#include "absl/container/btree_set.h"
#include "gateway/base/strings.h"

namespace protogate::routing {

PathMatcher::PathMatcher() : nodes_(1) {}

int PathMatcher::Child(int node, const Segment& segment) {
  const int next = static_cast<int>(nodes_.size());
  switch (segment.kind) {
    case Segment::Kind::kLiteral: {
      auto [it, inserted] =
          nodes_[node].literals.try_emplace(segment.literal, next);
      if (!inserted) return it->second;
      break;
    }
    case Segment::Kind::kSingleWildcard:
      if (nodes_[node].single >= 0) return nodes_[node].single;
      nodes_[node].single = next;
      break;
    case Segment::Kind::kMultiWildcard:
      if (nodes_[node].multi >= 0) return nodes_[node].multi;
      nodes_[node].multi = next;
      break;
  }
  nodes_.emplace_back();  // May move nodes_; no references are held.
  return next;
}

int PathMatcher::Insert(const PathTemplate& path, std::string_view http_method,
                        int value) {
  int node = 0;
  for (const Segment& segment : path.segments()) node = Child(node, segment);
  MethodMap& methods = nodes_[node].leaves[path.verb()];
  auto [it, inserted] = methods.try_emplace(std::string(http_method), value);
  if (!inserted) return it->second;
  if (http_method == kAnyMethod) has_any_method_ = true;
  return kNoValue;
}

template <typename Visitor>
bool PathMatcher::Walk(int index, size_t i, const Query& query,
                       Visitor& visit) const {
  const Node& node = nodes_[index];
  const size_t n = query.segments.size();
  if (i == n) {
    auto leaf = node.leaves.find(base::ToAbsl(query.verb));
    if (leaf != node.leaves.end() && visit(leaf->second)) return true;
  } else {
    const std::string_view segment = query.segments[i];
    auto literal = node.literals.find(base::ToAbsl(segment));
    if (literal != node.literals.end() &&
        Walk(literal->second, i + 1, query, visit)) {
      return true;
    }
    if (node.single >= 0 && !segment.empty() &&
        Walk(node.single, i + 1, query, visit)) {
      return true;
    }
  }
  if (node.multi >= 0) {
    for (size_t j = i; j <= n; ++j) {
      if (Walk(node.multi, j, query, visit)) return true;
    }
  }
  return false;
}

int PathMatcher::FindWithKey(const Query& query, std::string_view key) const {
  int found = kNoValue;
  auto visit = [&](const MethodMap& methods) {
    auto it = methods.find(base::ToAbsl(key));
    if (it == methods.end()) return false;
    found = it->second;
    return true;
  };
  Walk(0, 0, query, visit);
  return found;
}

int PathMatcher::Find(const Query& query, std::string_view http_method) const {
  const int exact = FindWithKey(query, http_method);
  if (exact != kNoValue || !has_any_method_) return exact;
  return FindWithKey(query, kAnyMethod);
}

std::vector<std::string> PathMatcher::AllowedMethods(const Query& query) const {
  absl::btree_set<std::string> methods;
  auto visit = [&](const MethodMap& leaf) {
    for (const auto& [method, value] : leaf) {
      if (method != kAnyMethod) methods.insert(method);
    }
    return false;  // Keep walking: collect every matching template.
  };
  Walk(0, 0, query, visit);
  return std::vector<std::string>(methods.begin(), methods.end());
}

}  // namespace protogate::routing
