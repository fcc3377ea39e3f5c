// Assembles the protobuf request of one HTTP call: path variables, then
// query parameters, then the body (see docs/HTTP_RULES.md).
//
// Thread safety: stateless functions over immutable inputs.
//
// Example:
//   RequestSpec spec{.codec = codec, .body = BodyMode::kField,
//                    .body_field = book_field};
//   PathBinding shelf{.field_path = shelf_path, .value = "1"};
//   std::string wire;
//   PG_RETURN_IF_ERROR(BuildRequest(codecs, spec, {&shelf, 1}, "page_size=2",
//                                   body, options, &wire));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/options.h"

namespace protogate::transcoding {

// A field path from the request message to a (possibly nested) field,
// resolved at load time.
using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

enum class BodyMode {
  kNone,          // No body allowed; a non-empty body is InvalidArgument.
  kWholeMessage,  // body: "*" — the body is the message; no query params.
  kField,         // body: "field" — the body is that field's JSON value.
};

// What '+' means in a query string.
enum class QueryPlus {
  kLiteral,  // RFC 3986: '+' is a plus sign (default).
  kSpace,    // HTML forms: '+' is a space.
};

struct RequestSpec {
  const MessageCodec* codec = nullptr;  // The request message type.
  BodyMode body = BodyMode::kNone;
  // The top-level field the body fills when body == kField.
  const google::protobuf::FieldDescriptor* body_field = nullptr;
  // Optional (PATCH routes): a top-level google.protobuf.FieldMask field,
  // e.g. `update_mask`. When the client set it neither in the query nor in
  // the body, it is filled with the leaf paths (proto names) of the fields
  // present in a non-empty body; paths are relative to `body_field` for
  // kField. A map, repeated field or well-known type is one path.
  const google::protobuf::FieldDescriptor* update_mask_field = nullptr;
  // The body target (the whole request for kWholeMessage, `body_field` for
  // kField) is a google.api.HttpBody: the raw body bytes and the request's
  // Content-Type fill it instead of JSON (see http_body.h).
  bool http_body = false;
  // Query handling (route or global config).
  QueryPlus query_plus = QueryPlus::kLiteral;
  // Unknown query parameters are skipped instead of being InvalidArgument
  // (ParseOptions::ignore_unknown_fields has the same effect).
  bool ignore_unknown_query_params = false;
  // Parameter names always skipped, e.g. ones consumed by auth ("api_key").
  std::vector<std::string> ignored_query_params;
};

struct PathBinding {
  // Path from the request message to a singular scalar field (or a scalar
  // well-known type such as Timestamp or a wrapper).
  const FieldPath* field_path = nullptr;
  // The percent-decoded value, in the field's JSON string form.
  std::string_view value;
};

// Encodes the request into `*wire` (replacing its contents).
// `raw_query` is the query string without '?', still percent-encoded;
// parameters name fields by dotted proto or JSON name; repeated fields repeat
// the key. Returns InvalidArgument naming the field or parameter at fault:
// unknown parameter, bad value, a field set twice (path/query and body), two
// members of one oneof from any mix of path, query and body (naming the
// oneof), a body on a no-body route, query parameters on a body:"*" route.
absl::Status BuildRequest(const CodecSet& codecs, const RequestSpec& spec,
                          absl::Span<const PathBinding> path_bindings,
                          std::string_view raw_query, std::string_view body,
                          const ParseOptions& options, std::string* wire);

// As above, for a body that comes with its Content-Type (used when
// spec.http_body is set; ignored otherwise).
struct RequestBody {
  std::string_view bytes;
  std::string_view content_type;
};
absl::Status BuildRequest(const CodecSet& codecs, const RequestSpec& spec,
                          absl::Span<const PathBinding> path_bindings,
                          std::string_view raw_query, RequestBody body,
                          const ParseOptions& options, std::string* wire);

// Encodes `text` (a JSON string form, e.g. "42", "GENRE_FICTION", "true",
// "2024-01-01T00:00:00Z") as the value of the field at the end of `path`,
// wrapped in the enclosing messages, and APPENDS it to `*wire`.
absl::Status AppendFieldFromText(const CodecSet& codecs, const FieldPath& path,
                                 std::string_view text, std::string* wire);

}  // namespace protogate::transcoding
