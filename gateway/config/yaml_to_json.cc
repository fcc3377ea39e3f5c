#include "gateway/config/yaml_to_json.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/config/yaml_scalar.h"

namespace protogate::config {
namespace {

constexpr std::string_view kMapTag = "tag:yaml.org,2002:map";
constexpr std::string_view kSeqTag = "tag:yaml.org,2002:seq";

absl::Status ErrorAt(YamlPosition pos, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(pos.line, ":", pos.column, ": ", base::ToAbsl(message)));
}

class Converter {
 public:
  explicit Converter(const YamlToJsonOptions& options) : options_(options) {}

  absl::Status Write(const YamlNode& node, const std::string& path, int depth) {
    if (++nodes_ > options_.max_nodes) {
      return ErrorAt(node.position,
                     absl::StrCat("more than ", options_.max_nodes,
                                  " nodes (aliases expanded)"));
    }
    switch (node.kind) {
      case YamlNode::Kind::kNull:
        doc_.json.append("null");
        return CheckSize(node);
      case YamlNode::Kind::kScalar:
        return WriteScalar(node);
      case YamlNode::Kind::kSequence:
        PG_RETURN_IF_ERROR(CheckContainer(node, kSeqTag, depth));
        return WriteSequence(node, path, depth);
      case YamlNode::Kind::kMap:
        PG_RETURN_IF_ERROR(CheckContainer(node, kMapTag, depth));
        return WriteMap(node, path, depth);
    }
    return absl::InternalError("unknown YAML node kind");
  }

  JsonDocument Take() { return std::move(doc_); }

 private:
  absl::Status WriteScalar(const YamlNode& node) {
    absl::StatusOr<std::string> json = ScalarToJson(node.tag, node.value);
    if (!json.ok()) {
      return ErrorAt(node.position, base::ToStd(json.status().message()));
    }
    doc_.json.append(*json);
    return CheckSize(node);
  }

  absl::Status WriteSequence(const YamlNode& node, const std::string& path,
                             int depth) {
    doc_.json.push_back('[');
    for (size_t i = 0; i < node.items.size(); ++i) {
      if (i > 0) doc_.json.push_back(',');
      std::string item_path = absl::StrCat(path, "[", i, "]");
      doc_.positions.emplace(item_path, node.items[i]->position);
      PG_RETURN_IF_ERROR(Write(*node.items[i], item_path, depth + 1));
    }
    doc_.json.push_back(']');
    return absl::OkStatus();
  }

  absl::Status WriteMap(const YamlNode& node, const std::string& path,
                        int depth) {
    doc_.json.push_back('{');
    bool first = true;
    for (const YamlMember& m : node.members) {
      if (m.key == "<<") {
        return ErrorAt(m.key_position, "merge keys (<<) are not supported");
      }
      std::string member_path =
          path.empty() ? m.key : absl::StrCat(path, ".", m.key);
      std::string entry_path = absl::StrCat(path, "[", m.key, "]");
      doc_.positions.emplace(member_path, m.key_position);
      doc_.positions.emplace(entry_path, m.key_position);
      if (options_.skip_members.contains(member_path) ||
          options_.skip_members.contains(entry_path)) {
        continue;
      }
      if (!first) doc_.json.push_back(',');
      first = false;
      AppendJsonString(m.key, &doc_.json);
      doc_.json.push_back(':');
      static const YamlNode* const kNull = new YamlNode();
      const YamlNode& value = m.value != nullptr ? *m.value : *kNull;
      PG_RETURN_IF_ERROR(Write(value, member_path, depth + 1));
    }
    doc_.json.push_back('}');
    return absl::OkStatus();
  }

  absl::Status CheckContainer(const YamlNode& node, std::string_view tag,
                              int depth) const {
    if (node.tag != "?" && node.tag != tag) {
      return ErrorAt(node.position,
                     absl::StrCat("unsupported tag \"", node.tag, "\""));
    }
    if (depth >= options_.max_depth) {
      return ErrorAt(node.position,
                     absl::StrCat("nesting deeper than ", options_.max_depth));
    }
    return CheckSize(node);
  }

  absl::Status CheckSize(const YamlNode& node) const {
    if (doc_.json.size() <= options_.max_json_bytes) return absl::OkStatus();
    return ErrorAt(
        node.position,
        absl::StrCat("document larger than ", options_.max_json_bytes,
                     " bytes as JSON (aliases expanded)"));
  }

  const YamlToJsonOptions& options_;
  JsonDocument doc_;
  int nodes_ = 0;
};

}  // namespace

const YamlPosition* JsonDocument::Find(std::string_view path) const {
  auto it = positions.find(base::ToAbsl(path));
  return it == positions.end() ? nullptr : &it->second;
}

absl::StatusOr<JsonDocument> YamlToJson(std::string_view yaml,
                                        const YamlToJsonOptions& options) {
  PG_ASSIGN_OR_RETURN(std::shared_ptr<const YamlNode> root,
                      ParseYamlDocument(yaml));
  return YamlTreeToJson(*root, options);
}

absl::StatusOr<JsonDocument> YamlTreeToJson(const YamlNode& root,
                                            const YamlToJsonOptions& options) {
  Converter converter(options);
  PG_RETURN_IF_ERROR(converter.Write(root, "", 0));
  return converter.Take();
}

}  // namespace protogate::config
