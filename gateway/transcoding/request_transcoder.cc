#include "gateway/transcoding/request_transcoder.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/http_body.h"
#include "gateway/transcoding/json_scalar.h"
#include "gateway/transcoding/json_to_wire.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/query_params.h"
#include "gateway/transcoding/update_mask.h"
#include "gateway/transcoding/wire_format.h"

namespace protogate::transcoding {

using google::protobuf::FieldDescriptor;

namespace {

// Field codecs from the request message down; inline up to 4 levels (no
// allocation for the path variables of a typical route).
using CodecPath = absl::InlinedVector<const FieldCodec*, 4>;

// A query parameter resolved against the request message.
struct ResolvedParam {
  CodecPath path;
  bool has_map_key = false;
  std::string map_key;
};

std::string PathName(const CodecPath& path) {
  std::string name;
  for (const FieldCodec* f : path) {
    absl::StrAppend(&name, name.empty() ? "" : ".", f->json_name);
  }
  return name;
}

// Encodes the leaf value (tag + value) of `leaf` from its text form.
absl::Status EncodeLeaf(const FieldCodec& leaf, std::string_view text,
                        std::string* out) {
  const JsonScalar v{JsonScalar::Kind::kText, false, text};
  if (leaf.type != FieldDescriptor::TYPE_MESSAGE) {
    return EncodeScalar(leaf, v, ParseOptions(), ScalarWrite::kTagged, out);
  }
  if (!IsScalarWkt(*leaf.message) || leaf.message->wkt() == WktKind::kValue) {
    return absl::InvalidArgumentError(
        "a message field cannot be set from a text value");
  }
  std::string content;
  absl::Status s = EncodeWktScalar(*leaf.message, v, ParseOptions(), &content);
  if (!s.ok()) return s;
  AppendLengthDelimited(leaf.tag, content, out);
  return absl::OkStatus();
}

// Wraps `inner` (fields of the message at path[depth]) in the messages of
// path[0..depth) and appends it to `out`.
void AppendWrapped(const CodecPath& path, size_t depth, std::string inner,
                   std::string* out) {
  for (size_t i = depth; i > 0; --i) {
    std::string outer;
    AppendLengthDelimited(path[i - 1]->tag, inner, &outer);
    inner = std::move(outer);
  }
  out->append(inner);
}

absl::Status AppendResolved(const ResolvedParam& p, std::string_view text,
                            std::string* out) {
  const FieldCodec& leaf = *p.path.back();
  std::string inner;
  absl::Status s;
  if (p.has_map_key) {
    const MessageCodec& entry = *leaf.message;
    std::string kv;
    s = EncodeLeaf(entry.fields()[0], p.map_key, &kv);
    if (s.ok()) s = EncodeLeaf(entry.fields()[1], text, &kv);
    if (s.ok()) AppendLengthDelimited(leaf.tag, kv, &inner);
  } else {
    s = EncodeLeaf(leaf, text, &inner);
  }
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field \"", PathName(p.path), "\": ", s.message()));
  }
  AppendWrapped(p.path, p.path.size() - 1, std::move(inner), out);
  return absl::OkStatus();
}

absl::Status UnknownParam(std::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat("unknown query parameter \"", base::ToAbsl(name), "\""));
}

// Resolves a dotted parameter name ("book.author_name", "labels[k]").
absl::StatusOr<ResolvedParam> Resolve(const MessageCodec& root,
                                      std::string_view name) {
  ResolvedParam p;
  const MessageCodec* codec = &root;
  std::vector<absl::string_view> parts =
      absl::StrSplit(base::ToAbsl(name), '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = base::ToStd(parts[i]);
    const size_t bracket = part.find('[');
    if (bracket != std::string_view::npos) {
      if (i + 1 != parts.size() || part.back() != ']')
        return UnknownParam(name);
      p.has_map_key = true;
      p.map_key =
          std::string(part.substr(bracket + 1, part.size() - bracket - 2));
      part = part.substr(0, bracket);
    }
    if (codec == nullptr) return UnknownParam(name);
    const FieldCodec* f = codec->FindByJsonOrProtoName(part);
    if (f == nullptr || (p.has_map_key && !f->is_map)) {
      return UnknownParam(name);
    }
    p.path.push_back(f);
    const bool last = i + 1 == parts.size();
    if (!last && (f->repeated || f->type != FieldDescriptor::TYPE_MESSAGE ||
                  IsScalarWkt(*f->message))) {
      return UnknownParam(name);
    }
    codec = f->message;
  }
  const FieldCodec& leaf = *p.path.back();
  const bool message_leaf = leaf.type == FieldDescriptor::TYPE_MESSAGE &&
                            !leaf.is_map && !IsScalarWkt(*leaf.message);
  if ((leaf.is_map && !p.has_map_key) || message_leaf ||
      leaf.type == FieldDescriptor::TYPE_GROUP) {
    return absl::InvalidArgumentError(
        absl::StrCat("query parameter \"", base::ToAbsl(name),
                     "\" names a field that cannot be set ", "from the query"));
  }
  return p;
}

bool SameDescriptors(const CodecPath& a, const FieldPath& b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i]->descriptor != b[i]) return false;
  }
  return true;  // One is a prefix of the other: they overlap.
}

// True when `wire` (a message) sets the field at path[depth..].
bool WireHasPath(std::string_view wire, const FieldPath& path, size_t depth) {
  WireReader r(wire);
  const uint32_t want = static_cast<uint32_t>(path[depth]->number());
  while (!r.done()) {
    uint32_t number, wire_type;
    if (!r.ReadTag(&number, &wire_type)) return false;
    if (number == want && depth + 1 == path.size()) return true;
    if (number == want && wire_type == kLengthDelimited) {
      std::string_view bytes;
      if (!r.ReadLengthDelimited(&bytes)) return false;
      if (WireHasPath(bytes, path, depth + 1)) return true;
    } else if (!r.Skip(number, wire_type)) {
      return false;
    }
  }
  return false;
}

std::string FieldPathName(const FieldPath& path) {
  std::string name;
  for (const FieldDescriptor* f : path) {
    absl::StrAppend(&name, name.empty() ? "" : ".", f->json_name());
  }
  return name;
}

using DescriptorPath = absl::InlinedVector<const FieldDescriptor*, 4>;

// The oneof members the path and the query set, so that no oneof gets two
// of them from any mix of path, query and body (the proto3 JSON mapping
// refuses two within a body; json_wire_handler.cc). Costs nothing for paths
// that cross no oneof.
class OneofMembers {
 public:
  // Records the oneof members on `path`. InvalidArgument naming the oneof
  // when one of them is a second member of a oneof already set.
  absl::Status Add(absl::Span<const FieldDescriptor* const> path) {
    for (size_t depth = 0; depth < path.size(); ++depth) {
      const auto* oneof = path[depth]->real_containing_oneof();
      if (oneof == nullptr) continue;
      for (const Member& m : members_) {
        if (m.depth == depth && m.path[depth] != path[depth] &&
            m.path[depth]->real_containing_oneof() == oneof &&
            std::equal(path.begin(), path.begin() + depth, m.path.begin())) {
          return TwoMembers(m, path[depth]);
        }
      }
      members_.push_back(
          {.path = DescriptorPath(path.begin(), path.end()), .depth = depth});
    }
    return absl::OkStatus();
  }

  // InvalidArgument naming the oneof when `body_wire` (a request message)
  // sets another member of a oneof recorded here.
  absl::Status CheckBody(std::string_view body_wire) const {
    for (const Member& m : members_) {
      const auto* oneof = m.path[m.depth]->real_containing_oneof();
      FieldPath probe(m.path.begin(), m.path.begin() + m.depth + 1);
      for (int i = 0; i < oneof->field_count(); ++i) {
        if (oneof->field(i) == m.path[m.depth]) continue;
        probe.back() = oneof->field(i);
        if (WireHasPath(body_wire, probe, 0)) {
          return TwoMembers(m, oneof->field(i));
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  struct Member {
    DescriptorPath path;
    size_t depth;  // path[depth] is the oneof member.
  };

  static absl::Status TwoMembers(const Member& m,
                                 const FieldDescriptor* other) {
    std::string prefix;
    for (size_t i = 0; i < m.depth; ++i) {
      absl::StrAppend(&prefix, m.path[i]->json_name(), ".");
    }
    const FieldDescriptor* set = m.path[m.depth];
    return absl::InvalidArgumentError(
        absl::StrCat("oneof \"", prefix, set->real_containing_oneof()->name(),
                     "\" is set twice: by field \"", prefix, set->json_name(),
                     "\" and by field \"", prefix, other->json_name(), "\""));
  }

  std::vector<Member> members_;
};

absl::Status AddQuery(const RequestSpec& spec,
                      absl::Span<const PathBinding> bindings,
                      const std::vector<QueryParam>& params,
                      const ParseOptions& options, OneofMembers& oneofs,
                      std::string* wire) {
  std::vector<const FieldDescriptor*> singular_seen;
  const bool ignore_unknown =
      options.ignore_unknown_fields || spec.ignore_unknown_query_params;
  for (const QueryParam& param : params) {
    absl::StatusOr<ResolvedParam> p = Resolve(*spec.codec, param.name);
    if (!p.ok()) {
      if (ignore_unknown && absl::StartsWith(p.status().message(), "unknown")) {
        continue;
      }
      return p.status();
    }
    for (const PathBinding& b : bindings) {
      if (SameDescriptors(p->path, *b.field_path)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "query parameter \"", param.name, "\" sets field \"",
            FieldPathName(*b.field_path), "\", which the path binds"));
      }
    }
    if (spec.body == BodyMode::kField &&
        p->path[0]->descriptor == spec.body_field) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query parameter \"", param.name, "\" sets a field of the body"));
    }
    const FieldCodec& leaf = *p->path.back();
    if (!leaf.repeated) {
      if (std::find(singular_seen.begin(), singular_seen.end(),
                    leaf.descriptor) != singular_seen.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("query parameter \"", param.name,
                         "\" repeated for a non-repeated field"));
      }
      singular_seen.push_back(leaf.descriptor);
    }
    DescriptorPath descriptors;
    for (const FieldCodec* f : p->path) descriptors.push_back(f->descriptor);
    if (absl::Status s = oneofs.Add(descriptors); !s.ok()) return s;
    if (absl::Status s = AppendResolved(*p, param.value, wire); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Fills spec.update_mask_field from the body's JSON keys unless the client
// set it.
absl::Status FillUpdateMask(const RequestSpec& spec, std::string_view body,
                            std::string* wire) {
  if (spec.update_mask_field == nullptr || body.empty()) {
    return absl::OkStatus();
  }
  const FieldCodec* mask = spec.codec->Find(spec.update_mask_field);
  if (mask == nullptr || mask->message == nullptr ||
      mask->message->wkt() != WktKind::kFieldMask) {
    return absl::FailedPreconditionError(
        "update_mask_field is not a FieldMask field of the request");
  }
  const FieldPath mask_path = {spec.update_mask_field};
  if (WireHasPath(*wire, mask_path, 0)) return absl::OkStatus();
  if (spec.body == BodyMode::kWholeMessage) {
    AppendUpdateMask(*spec.codec, body, *mask, mask, wire);
    return absl::OkStatus();
  }
  const FieldCodec* field = spec.codec->Find(spec.body_field);
  if (field == nullptr) return absl::FailedPreconditionError("bad body field");
  if (field->message == nullptr || field->repeated ||
      field->message->wkt() != WktKind::kNone) {
    return absl::OkStatus();  // Nothing to describe below a scalar body.
  }
  AppendUpdateMask(*field->message, body, *mask, nullptr, wire);
  return absl::OkStatus();
}

// The raw body and its Content-Type as the request's google.api.HttpBody.
absl::Status AddHttpBody(const RequestSpec& spec, RequestBody body,
                         std::string* wire) {
  if (spec.body == BodyMode::kWholeMessage) {
    AppendHttpBody(body.content_type, body.bytes, wire);
    return absl::OkStatus();
  }
  if (spec.body_field == nullptr) {
    return absl::FailedPreconditionError("body field is not set");
  }
  std::string message;
  AppendHttpBody(body.content_type, body.bytes, &message);
  AppendLengthDelimited(
      (static_cast<uint32_t>(spec.body_field->number()) << 3) |
          kLengthDelimited,
      message, wire);
  return absl::OkStatus();
}

absl::Status AddBody(const CodecSet& codecs, const RequestSpec& spec,
                     absl::Span<const PathBinding> bindings,
                     std::string_view body, const ParseOptions& options,
                     const OneofMembers& oneofs, std::string* wire) {
  std::string body_wire;
  absl::Status s;
  if (spec.body == BodyMode::kWholeMessage) {
    s = JsonToWire(codecs, *spec.codec, body, options, &body_wire);
  } else {
    if (spec.body_field == nullptr) {
      return absl::FailedPreconditionError("body field is not set");
    }
    s = JsonFieldToWire(codecs, *spec.codec, *spec.body_field, body, options,
                        &body_wire);
  }
  if (!s.ok()) return s;
  for (const PathBinding& b : bindings) {
    if (WireHasPath(body_wire, *b.field_path, 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field \"", FieldPathName(*b.field_path),
          "\" is bound by the path and cannot be set in the body"));
    }
  }
  if (absl::Status oneof = oneofs.CheckBody(body_wire); !oneof.ok()) {
    return oneof;
  }
  wire->append(body_wire);
  return FillUpdateMask(spec, body, wire);
}

}  // namespace

absl::Status AppendFieldFromText(const CodecSet& codecs, const FieldPath& path,
                                 std::string_view text, std::string* wire) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  const MessageCodec* codec = codecs.Find(path[0]->containing_type());
  ResolvedParam p;
  for (const FieldDescriptor* f : path) {
    const FieldCodec* fc = codec == nullptr ? nullptr : codec->Find(f);
    if (fc == nullptr || fc->descriptor != f) {
      return absl::FailedPreconditionError(absl::StrCat(
          "field path \"", FieldPathName(path), "\" is not compiled"));
    }
    p.path.push_back(fc);
    codec = fc->message;
  }
  return AppendResolved(p, text, wire);
}

absl::Status BuildRequest(const CodecSet& codecs, const RequestSpec& spec,
                          absl::Span<const PathBinding> path_bindings,
                          std::string_view raw_query, std::string_view body,
                          const ParseOptions& options, std::string* wire) {
  return BuildRequest(codecs, spec, path_bindings, raw_query,
                      RequestBody{.bytes = body}, options, wire);
}

absl::Status BuildRequest(const CodecSet& codecs, const RequestSpec& spec,
                          absl::Span<const PathBinding> path_bindings,
                          std::string_view raw_query, RequestBody request_body,
                          const ParseOptions& options, std::string* wire) {
  const std::string_view body = request_body.bytes;
  wire->clear();
  if (spec.codec == nullptr) {
    return absl::FailedPreconditionError("request codec is not set");
  }
  if (spec.body == BodyMode::kNone && !body.empty()) {
    return absl::InvalidArgumentError("this method does not accept a body");
  }
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(
      raw_query, spec.query_plus == QueryPlus::kSpace ? PlusMode::kSpace
                                                      : PlusMode::kLiteral);
  if (!params.ok()) return params.status();
  std::erase_if(*params, [&spec](const QueryParam& p) {
    return std::find(spec.ignored_query_params.begin(),
                     spec.ignored_query_params.end(),
                     p.name) != spec.ignored_query_params.end();
  });
  if (spec.body == BodyMode::kWholeMessage && !params->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("query parameter \"", (*params)[0].name,
                     "\" is not allowed: the body is the whole request"));
  }
  OneofMembers oneofs;
  for (const PathBinding& b : path_bindings) {
    if (b.field_path == nullptr) {
      return absl::FailedPreconditionError("path binding without field path");
    }
    absl::Status s = AppendFieldFromText(codecs, *b.field_path, b.value, wire);
    if (s.ok()) s = oneofs.Add(*b.field_path);
    if (!s.ok()) return s;
  }
  absl::Status s =
      AddQuery(spec, path_bindings, *params, options, oneofs, wire);
  if (!s.ok() || spec.body == BodyMode::kNone) return s;
  if (spec.http_body) return AddHttpBody(spec, request_body, wire);
  if (body.empty()) return s;
  return AddBody(codecs, spec, path_bindings, body, options, oneofs, wire);
}

}  // namespace protogate::transcoding
