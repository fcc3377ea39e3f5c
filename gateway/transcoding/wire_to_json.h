// Protobuf wire format -> JSON, reading the wire format against a compiled
// codec into a RapidJSON writer.
//
// Thread safety: stateless functions over immutable codecs.
//
// Output is deterministic: map entries print in key order (numeric for
// integer keys), whatever order the backend serialized them in.
//
// Errors: InvalidArgument when the bytes are not a valid encoding of the
// type (truncated, bad wire type for a known field, invalid UTF-8 in a
// string). Unknown fields are skipped.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/options.h"

namespace protogate::transcoding {

// Writes the JSON form of the message of `codec`'s type encoded in `wire`
// to `*json` (replacing its contents).
absl::Status WireToJson(const CodecSet& codecs, const MessageCodec& codec,
                        std::string_view wire, const PrintOptions& options,
                        std::string* json);

// Writes only the JSON value of `field` (for `response_body: "field"`):
// an object, array, or scalar; the field's default value when absent.
absl::Status WireFieldToJson(const CodecSet& codecs, const MessageCodec& codec,
                             const google::protobuf::FieldDescriptor& field,
                             std::string_view wire, const PrintOptions& options,
                             std::string* json);

}  // namespace protogate::transcoding
