#include "aggregator/field_selection.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/field_mask_util.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Resolves a dotted proto-name path; repeated message fields may be
// crossed.
bool ResolveSelected(const Descriptor& root, const std::string& path,
                     FieldPath* out) {
  const Descriptor* msg = &root;
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (msg == nullptr) return false;
    const FieldDescriptor* f = msg->FindFieldByName(std::string(name));
    if (f == nullptr) return false;
    out->push_back(f);
    msg = f->is_map() ? nullptr : f->message_type();
  }
  return !out->empty();
}

bool ReadsResponse(const CompiledMerge& m) {
  if (m.expr == nullptr) return false;
  for (int var : m.expr->program->variables()) {
    if (m.expr->vars[var].root == ExprRoot::kResponse) return true;
  }
  return false;
}

// The fields a merge writes: `into` plus join_field, target_field or each
// of its join_fields' targets.
std::vector<FieldPath> WrittenPaths(const CompiledMerge& m) {
  std::vector<FieldPath> out;
  auto add = [&](const FieldPath& inner) {
    FieldPath& path = out.emplace_back(m.into);
    path.insert(path.end(), inner.begin(), inner.end());
  };
  if (m.strategy != v1::Merge::JOIN) {
    add(m.target_field);
  } else if (m.join_copies.empty()) {
    add(m.join_field);
  } else {
    for (const CompiledMerge::FieldCopy& copy : m.join_copies) add(copy.to);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const FieldSelection>> FieldSelection::Parse(
    const CompiledPlan& plan, std::string_view fields) {
  std::shared_ptr<FieldSelection> out(new FieldSelection());
  google::protobuf::FieldMask mask;
  if (!fields.empty() && !google::protobuf::util::FieldMaskUtil::FromJsonString(
                             std::string(fields), &mask)) {
    return absl::InvalidArgumentError("fields: not a field mask");
  }
  const Descriptor& output = *plan.method->output_type();
  for (const std::string& path : mask.paths()) {
    FieldPath resolved;
    if (!ResolveSelected(output, path, &resolved)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fields: no field \"", path, "\" in ", output.full_name()));
    }
    out->Add(resolved);
    out->paths_.push_back(path);
  }
  if (out->paths_.empty()) out->root_.whole = true;
  out->Decide(plan);
  return std::shared_ptr<const FieldSelection>(std::move(out));
}

void FieldSelection::Add(const FieldPath& path) {
  Node* node = &root_;
  for (const FieldDescriptor* f : path) {
    if (node->whole) return;
    std::unique_ptr<Node>& child = node->children[f];
    if (child == nullptr) child = std::make_unique<Node>();
    node = child.get();
  }
  node->whole = true;
  node->children.clear();
}

// True when `path` and a selected path are one a prefix of the other.
bool FieldSelection::Touches(const FieldPath& path) const {
  const Node* node = &root_;
  for (const FieldDescriptor* f : path) {
    if (node->whole) return true;
    auto it = node->children.find(f);
    if (it == node->children.end()) return false;
    node = it->second.get();
  }
  return true;
}

void FieldSelection::Decide(const CompiledPlan& plan) {
  const int merges = static_cast<int>(plan.merges.size());
  applies_merge_.assign(merges, false);
  for (int i = merges - 1; i >= 0; --i) {
    if (applies_merge_[i]) continue;
    const std::vector<FieldPath> written = WrittenPaths(plan.merges[i]);
    if (std::none_of(written.begin(), written.end(),
                     [&](const FieldPath& p) { return Touches(p); })) {
      continue;
    }
    applies_merge_[i] = true;
    if (ReadsResponse(plan.merges[i])) {
      for (int j = 0; j < i; ++j) applies_merge_[j] = true;
    }
  }
  runs_step_.assign(plan.steps.size(), false);
  std::vector<int> work;
  auto keep = [&](int s) {
    if (s >= 0 && !runs_step_[s]) {
      runs_step_[s] = true;
      work.push_back(s);
    }
  };
  for (int i = 0; i < merges; ++i) {
    if (!applies_merge_[i]) continue;
    keep(plan.merges[i].from.step);
    if (plan.merges[i].expr != nullptr) {
      for (int s : plan.merges[i].expr->steps) keep(s);
    }
  }
  while (!work.empty()) {
    const int s = work.back();
    work.pop_back();
    for (int dep : plan.steps[s].deps) keep(dep);
  }
  if (!plan.error_field.empty()) Add(plan.error_field);
}

void FieldSelection::TrimNode(const Node& node, Message* m) {
  if (node.whole) return;
  const Reflection& r = *m->GetReflection();
  std::vector<const FieldDescriptor*> set;
  r.ListFields(*m, &set);
  for (const FieldDescriptor* f : set) {
    auto it = node.children.find(f);
    if (it == node.children.end()) {
      r.ClearField(m, f);
      continue;
    }
    if (it->second->whole || f->message_type() == nullptr || f->is_map())
      continue;
    if (!f->is_repeated()) {
      TrimNode(*it->second, r.MutableMessage(m, f));
      continue;
    }
    for (int i = 0; i < r.FieldSize(*m, f); ++i) {
      TrimNode(*it->second, r.MutableRepeatedMessage(m, f, i));
    }
  }
}

void FieldSelection::Trim(Message* response) const {
  TrimNode(root_, response);
}

std::string FieldSelection::ExplainJson(const CompiledPlan& plan) const {
  std::vector<std::string> fields, runs, skips;
  for (const std::string& p : paths_)
    fields.push_back(absl::StrCat("\"", p, "\""));
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    (runs_step_[s] ? runs : skips)
        .push_back(absl::StrCat("\"", plan.steps[s].id, "\""));
  }
  return absl::StrCat("{\"fields\":[", absl::StrJoin(fields, ","),
                      "],\"runs\":[", absl::StrJoin(runs, ","), "],\"skips\":[",
                      absl::StrJoin(skips, ","), "]}");
}

}  // namespace protogate::aggregator
