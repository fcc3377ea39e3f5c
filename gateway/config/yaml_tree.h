// YamlTree: one YAML document parsed into a small tree of nodes with their
// source positions, built from yaml-cpp's event parser.
//
// The tree keeps what the YAML -> JSON conversion needs and yaml-cpp's node
// API hides: the position of every node and key, whether a scalar was plain
// or quoted (its tag), duplicate keys, and a second document. Aliases share
// the anchored node (the tree is a DAG); an alias inside the node it names
// is an error.
//
// Thread safety: ParseYamlDocument is a stateless function; the returned
// tree is immutable and may be read concurrently.
// Ownership: the caller owns the tree; nodes are shared by their parents.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::shared_ptr<const YamlNode> root,
//                       ParseYamlDocument("a: [1, 2]"));
//   // root->kind == YamlNode::Kind::kMap, root->members[0].key == "a".
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace protogate::config {

// A 1-based source position.
struct YamlPosition {
  int line = 0;
  int column = 0;
};

struct YamlMember;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  YamlPosition position;
  // "?" for plain scalars and untagged containers, "!" for quoted scalars,
  // else the resolved tag (e.g. "tag:yaml.org,2002:str").
  std::string tag;
  std::string value;                                   // kScalar only.
  std::vector<std::shared_ptr<const YamlNode>> items;  // kSequence only.
  std::vector<YamlMember> members;  // kMap only, in document order.
};

struct YamlMember {
  std::string key;  // The key scalar's text.
  YamlPosition key_position;
  std::shared_ptr<const YamlNode> value;
};

// Parses `text` (one YAML document; an empty text is a null node).
// Returns InvalidArgument with the message prefixed by "LINE:COLUMN: " for
// syntax errors, non-scalar, empty or null keys, duplicate keys (same key
// text), recursive aliases and a second document. yaml-cpp 0.7 accepts an
// unterminated quoted scalar at the end of the input.
absl::StatusOr<std::shared_ptr<const YamlNode>> ParseYamlDocument(
    std::string_view text);

}  // namespace protogate::config
