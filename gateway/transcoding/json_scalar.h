// Encoding of one JSON scalar (or URL text) as a protobuf field value.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/options.h"

namespace protogate::transcoding {

// One scalar token from a JSON document, or text from a URL.
struct JsonScalar {
  enum class Kind { kNull, kBool, kNumber, kString, kText };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string_view text;  // Number text, string value, or URL text.
};

// How the value is written.
enum class ScalarWrite {
  kTagged,       // Tag + value, always.
  kSkipDefault,  // Tag + value unless the value is the type's default.
  kUntagged,     // Value only (packed element).
};

// "got" part of error messages: `"x"`, `12`, `true`, `null`.
std::string DescribeScalar(const JsonScalar& v);

// Encodes `v` as a value of the scalar or enum field `field`. Errors are
// InvalidArgument with a message without path, e.g. `expected int32, got
// "x"`; an unknown enum name is NotFound (callers may skip it).
absl::Status EncodeScalar(const FieldCodec& field, const JsonScalar& v,
                          const ParseOptions& options, ScalarWrite mode,
                          std::string* out);

// Encodes the content (no tag, no length) of a scalar-form well-known type:
// Timestamp, Duration, FieldMask, wrappers; and for Value, a scalar Value.
// Errors as for EncodeScalar.
absl::Status EncodeWktScalar(const MessageCodec& codec, const JsonScalar& v,
                             const ParseOptions& options, std::string* out);

// True when `codec`'s JSON form can be a scalar.
bool IsScalarWkt(const MessageCodec& codec);

}  // namespace protogate::transcoding
