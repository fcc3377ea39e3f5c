#include "aggregator/ref_resolver.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"

namespace protogate::aggregator {
namespace {

using base::ToAbsl;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

absl::Status Error(std::string_view message) {
  return absl::FailedPreconditionError(ToAbsl(message));
}

std::vector<std::string> SplitDots(std::string_view text) {
  if (text.empty()) return {};
  return absl::StrSplit(ToAbsl(text), '.');
}

// header["name"] -> name; nullopt-like empty string when malformed.
bool ParseHeader(std::string_view text, std::string* name) {
  constexpr std::string_view kOpen = "header[\"";
  constexpr std::string_view kClose = "\"]";
  if (text.size() <= kOpen.size() + kClose.size() ||
      text.substr(0, kOpen.size()) != kOpen ||
      text.substr(text.size() - kClose.size()) != kClose) {
    return false;
  }
  *name = std::string(
      text.substr(kOpen.size(), text.size() - kOpen.size() - kClose.size()));
  return true;
}

bool IsWidening(FieldDescriptor::CppType from, FieldDescriptor::CppType to) {
  using FD = FieldDescriptor;
  if (to == FD::CPPTYPE_INT64) {
    return from == FD::CPPTYPE_INT32 || from == FD::CPPTYPE_UINT32;
  }
  if (to == FD::CPPTYPE_UINT64) return from == FD::CPPTYPE_UINT32;
  if (to == FD::CPPTYPE_DOUBLE) {
    return from == FD::CPPTYPE_INT32 || from == FD::CPPTYPE_UINT32 ||
           from == FD::CPPTYPE_FLOAT;
  }
  return false;
}

}  // namespace

absl::StatusOr<FieldPath> RefResolver::ResolvePath(const Descriptor& root,
                                                   std::string_view path) {
  FieldPath out;
  const Descriptor* msg = &root;
  for (const std::string& name : SplitDots(path)) {
    if (msg == nullptr) {
      return Error(absl::StrCat("field \"", out.back()->name(),
                                "\" is not a message; cannot select \"", name,
                                "\""));
    }
    if (!out.empty() && out.back()->is_repeated()) {
      return Error(absl::StrCat("field \"", out.back()->name(),
                                "\" is repeated; paths may not cross lists"));
    }
    const FieldDescriptor* field = msg->FindFieldByName(name);
    if (field == nullptr) {
      return Error(
          absl::StrCat("no field \"", name, "\" in ", msg->full_name()));
    }
    out.push_back(field);
    msg = field->message_type();
  }
  return out;
}

absl::StatusOr<Ref> RefResolver::Resolve(std::string_view text,
                                         const RefScope& scope) const {
  Ref ref;
  ref.text = std::string(text);
  if (absl::StartsWith(ToAbsl(text), "header[")) {
    if (!scope.allow_header)
      return Error("header references are not allowed here");
    if (!ParseHeader(text, &ref.header)) {
      return Error("malformed header reference; want header[\"name\"]");
    }
    ref.kind = RefKind::kHeader;
    ref.type.cpp_type = FieldDescriptor::CPPTYPE_STRING;
    return ref;
  }
  std::vector<std::string> parts = SplitDots(text);
  if (parts.empty()) return Error("empty reference");
  const std::string root = parts.front();
  parts.erase(parts.begin());
  if (root == "steps") return ResolveStep(parts, scope, std::move(ref));
  const std::string rest = absl::StrJoin(parts, ".");
  if (root == "request") {
    ref.kind = RefKind::kRequest;
    PG_ASSIGN_OR_RETURN(ref.path, ResolvePath(input_, rest));
    ref.type = TypeOfPath(input_, ref.path);
    return ref;
  }
  if (root == "item") {
    if (scope.item == nullptr)
      return Error("`item` is only available in for_each bindings");
    ref.kind = RefKind::kItem;
    ref.type = *scope.item;
    if (rest.empty()) return ref;
    if (scope.item->message == nullptr) {
      return Error(absl::StrCat("item is a ", TypeName(*scope.item),
                                "; it has no fields"));
    }
    PG_ASSIGN_OR_RETURN(ref.path, ResolvePath(*scope.item->message, rest));
    ref.type = TypeOfPath(*scope.item->message, ref.path);
    return ref;
  }
  return Error(absl::StrCat("unknown reference root \"", root,
                            "\" (want request, steps, item or header)"));
}

absl::StatusOr<Ref> RefResolver::ResolveStep(std::vector<std::string>& parts,
                                             const RefScope& scope,
                                             Ref ref) const {
  if (parts.size() < 2) {
    return Error("want steps.<id>.response or steps.<id>.each");
  }
  auto it = step_index_.find(parts[0]);
  if (it == step_index_.end()) {
    return Error(absl::StrCat("unknown step \"", parts[0], "\""));
  }
  const CompiledStep& step = steps_[it->second];
  ref.step = it->second;
  const bool fan_out = step.for_each.has_value();
  if (parts[1] == "response") {
    if (fan_out) {
      return Error(absl::StrCat("step \"", step.id,
                                "\" has for_each; use steps.", step.id,
                                ".each in a merge"));
    }
    ref.kind = RefKind::kStepResponse;
  } else if (parts[1] == "each") {
    if (!fan_out) {
      return Error(absl::StrCat("step \"", step.id,
                                "\" has no for_each; use steps.", step.id,
                                ".response"));
    }
    if (!scope.allow_each) {
      return Error(
          "steps.<id>.each is only allowed in APPEND and JOIN merges and in "
          "for_each.over");
    }
    ref.kind = RefKind::kStepEach;
  } else {
    return Error("want steps.<id>.response or steps.<id>.each");
  }
  const std::string rest = absl::StrJoin(parts.begin() + 2, parts.end(), ".");
  PG_ASSIGN_OR_RETURN(ref.path, ResolvePath(*step.result_type, rest));
  ref.type = TypeOfPath(*step.result_type, ref.path);
  return ref;
}

ValueType TypeOfField(const FieldDescriptor& field) {
  ValueType t;
  t.cpp_type = field.cpp_type();
  t.message = field.message_type();
  t.enum_type = field.enum_type();
  t.repeated = field.is_repeated();
  return t;
}

ValueType TypeOfPath(const Descriptor& root, const FieldPath& path) {
  if (path.empty()) {
    ValueType t;
    t.message = &root;
    return t;
  }
  return TypeOfField(*path.back());
}

std::string TypeName(const ValueType& type) {
  std::string base;
  if (type.message != nullptr) {
    base = absl::StrCat("message ", type.message->full_name());
  } else if (type.enum_type != nullptr) {
    base = absl::StrCat("enum ", type.enum_type->full_name());
  } else {
    base = FieldDescriptor::CppTypeName(type.cpp_type);
  }
  return type.repeated ? absl::StrCat("list of ", base) : base;
}

absl::Status CheckAssignable(const ValueType& from, const ValueType& to,
                             bool single_into_list) {
  if (from.repeated && !to.repeated) {
    return Error(absl::StrCat("cannot write a ", TypeName(from),
                              " into a single ", TypeName(to),
                              "; use for_each"));
  }
  if (!from.repeated && to.repeated && !single_into_list) {
    return Error(absl::StrCat("cannot set a single ", TypeName(from),
                              " into a ", TypeName(to), "; use APPEND"));
  }
  ValueType a = from, b = to;
  a.repeated = b.repeated = false;
  const bool same_kind = a.cpp_type == b.cpp_type && a.message == b.message &&
                         a.enum_type == b.enum_type;
  if (same_kind || IsWidening(a.cpp_type, b.cpp_type)) return absl::OkStatus();
  return Error(absl::StrCat("type mismatch: cannot assign ", TypeName(a),
                            " to ", TypeName(b)));
}

absl::Status CheckKeyType(const ValueType& type) {
  using FD = FieldDescriptor;
  const auto t = type.cpp_type;
  if (type.repeated || t == FD::CPPTYPE_MESSAGE || t == FD::CPPTYPE_DOUBLE ||
      t == FD::CPPTYPE_FLOAT) {
    return Error(
        absl::StrCat("a key must be an integer, string, bool or enum, not ",
                     TypeName(type)));
  }
  return absl::OkStatus();
}

namespace {
int KeyKind(const ValueType& t) {
  if (t.cpp_type == FieldDescriptor::CPPTYPE_BOOL) return 0;
  if (t.cpp_type == FieldDescriptor::CPPTYPE_STRING) return 1;
  return 2;
}
}  // namespace

absl::Status CheckSameKeyKind(const ValueType& a, const ValueType& b,
                              std::string_view what) {
  if (KeyKind(a) == KeyKind(b)) return absl::OkStatus();
  return Error(absl::StrCat("key type ", TypeName(a), " does not match ",
                            ToAbsl(what), " ", TypeName(b)));
}

std::string PathText(const FieldPath& path) {
  return absl::StrJoin(path, ".",
                       [](std::string* out, const FieldDescriptor* f) {
                         out->append(f->name());
                       });
}

}  // namespace protogate::aggregator
