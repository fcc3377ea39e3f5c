// YamlToJson: converts one YAML document to JSON text, remembering where in
// the YAML each JSON path came from.
//
// Mappings become objects (keys are the key scalars' text), sequences
// arrays, scalars per yaml_scalar.h. Aliases are expanded. The JSON paths
// are those the transcoder prints in its errors: `a.b[2].c` for members and
// items, and also `a[key]` for members (proto map entries).
//
// Thread safety: stateless function; JsonDocument is a value type.
//
// Example:
//   PG_ASSIGN_OR_RETURN(JsonDocument doc, YamlToJson("a: [1, x]"));
//   // doc.json == R"({"a":[1,"x"]})", doc.Find("a[1]") -> {1, 9}.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gateway/config/yaml_tree.h"

namespace protogate::config {

struct JsonDocument {
  std::string json;
  // JSON path -> position of the key (members) or value (items).
  absl::flat_hash_map<std::string, YamlPosition> positions;

  // The position of `path`, or nullptr if unknown.
  const YamlPosition* Find(std::string_view path) const;
};

struct YamlToJsonOptions {
  // Deepest nesting of mappings and sequences.
  int max_depth = 64;
  // Largest JSON output, after alias expansion.
  size_t max_json_bytes = 16 << 20;
  // Most nodes (scalars, mappings, sequences) written, after alias
  // expansion; bounds the work "billion laughs" alias chains cause.
  int max_nodes = 100000;
  // Members left out of the JSON, by their JSON path ("a.b", or "a[key]"
  // as a proto map entry): the config loader drops a member the
  // transcoder rejected to look for further problems.
  absl::flat_hash_set<std::string> skip_members;
};

// Returns InvalidArgument prefixed by "LINE:COLUMN: " for YAML errors (see
// ParseYamlDocument), scalar errors (see ScalarToJson), merge keys ("<<"),
// nesting beyond max_depth and output beyond max_json_bytes or max_nodes.
absl::StatusOr<JsonDocument> YamlToJson(std::string_view yaml,
                                        const YamlToJsonOptions& options = {});

// The same for a document already parsed (yaml_tree.h).
absl::StatusOr<JsonDocument> YamlTreeToJson(const YamlNode& root,
                                            const YamlToJsonOptions& options);

}  // namespace protogate::config
