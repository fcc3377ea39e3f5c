#include "gateway/config/yaml_tree.h"

#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/parser.h"

namespace protogate::config {
namespace {

using NodePtr = std::shared_ptr<YamlNode>;

YamlPosition ToPosition(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

absl::Status ErrorAt(YamlPosition pos, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(pos.line, ":", pos.column, ": ", base::ToAbsl(message)));
}

// Builds the tree from parser events. The first error is kept and every
// later event is ignored.
class TreeBuilder : public YAML::EventHandler {
 public:
  absl::StatusOr<std::shared_ptr<const YamlNode>> Finish() {
    if (!status_.ok()) return status_;
    if (root_ == nullptr) return std::make_shared<const YamlNode>();
    return std::shared_ptr<const YamlNode>(std::move(root_));
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto node = std::make_shared<YamlNode>();
    node->position = ToPosition(mark);
    node->tag.push_back('?');  // Not = "?": GCC 12 -Wrestrict false positive.
    Complete(std::move(node), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      Fail(ToPosition(mark), "alias refers to a node that contains it");
      return;
    }
    Attach(it->second, ToPosition(mark));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    auto node = std::make_shared<YamlNode>();
    node->kind = YamlNode::Kind::kScalar;
    node->position = ToPosition(mark);
    node->tag = tag;
    node->value = value;
    Complete(std::move(node), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(YamlNode::Kind::kSequence, mark, tag, anchor);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Open(YamlNode::Kind::kMap, mark, tag, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    NodePtr node;
    YAML::anchor_t anchor = 0;
    bool has_key = false;  // Maps: a key waits for its value.
    absl::flat_hash_set<std::string> keys;
  };

  void Fail(YamlPosition pos, std::string_view message) {
    if (status_.ok()) status_ = ErrorAt(pos, message);
  }

  void Open(YamlNode::Kind kind, const YAML::Mark& mark, const std::string& tag,
            YAML::anchor_t anchor) {
    auto node = std::make_shared<YamlNode>();
    node->kind = kind;
    node->position = ToPosition(mark);
    node->tag = tag;
    stack_.push_back(Frame{.node = std::move(node), .anchor = anchor});
  }

  void Close() {
    if (stack_.empty()) return;  // After an error only.
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    Complete(std::move(frame.node), frame.anchor);
  }

  void Complete(NodePtr node, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = node;
    const YamlPosition pos = node->position;
    Attach(std::move(node), pos);
  }

  void Attach(NodePtr node, YamlPosition pos) {
    if (!status_.ok()) return;
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& top = stack_.back();
    if (top.node->kind == YamlNode::Kind::kSequence) {
      top.node->items.push_back(std::move(node));
    } else if (top.has_key) {
      top.node->members.back().value = std::move(node);
      top.has_key = false;
    } else {
      AddKey(top, *node, pos);
    }
  }

  void AddKey(Frame& frame, const YamlNode& key, YamlPosition pos) {
    if (key.kind == YamlNode::Kind::kNull) {
      return Fail(pos, "empty or null mapping key");
    }
    if (key.kind != YamlNode::Kind::kScalar) {
      return Fail(pos, "mapping keys must be scalars");
    }
    if (!frame.keys.insert(key.value).second) {
      return Fail(pos, absl::StrCat("duplicate key \"", key.value, "\""));
    }
    frame.node->members.push_back(YamlMember{key.value, pos, nullptr});
    frame.has_key = true;
  }

  absl::Status status_;
  NodePtr root_;
  std::vector<Frame> stack_;
  absl::flat_hash_map<YAML::anchor_t, NodePtr> anchors_;
};

// Records where a further document starts and ignores its content.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const YamlNode>> ParseYamlDocument(
    std::string_view text) {
  std::istringstream in{std::string(text)};
  TreeBuilder builder;
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(builder);
    absl::StatusOr<std::shared_ptr<const YamlNode>> root = builder.Finish();
    if (!root.ok()) return root.status();
    DocumentCounter rest;
    if (parser.HandleNextDocument(rest)) {
      return ErrorAt(ToPosition(rest.start),
                     "a second YAML document; a config file holds one");
    }
    return root;
  } catch (const YAML::Exception& e) {
    return ErrorAt(ToPosition(e.mark), e.msg);
  }
}

}  // namespace protogate::config
