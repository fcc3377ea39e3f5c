// JSON -> protobuf wire format, streaming through a RapidJSON SAX reader
// straight into a wire writer (no DOM, no DynamicMessage).
//
// Thread safety: stateless functions over immutable codecs.
//
// Errors are InvalidArgument with the JSON path and the problem, e.g.
//   field "book.authors[2].born": expected int32, got "x"
//   field "book.titel": unknown field
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/options.h"

namespace protogate::transcoding {

// Parses `json` (one JSON object) as a message of `codec`'s type and APPENDS
// its wire encoding to `*wire`. On error `*wire` holds unspecified bytes.
// `path_prefix` is prepended to field paths in error messages (may be empty).
absl::Status JsonToWire(const CodecSet& codecs, const MessageCodec& codec,
                        std::string_view json, const ParseOptions& options,
                        std::string* wire);

// Parses `json` as the value of `field` of `codec`'s message (an object for
// message fields, an array for repeated fields, a scalar otherwise) and
// APPENDS the field's wire encoding (tag + value) to `*wire`. Used for
// `body: "field"` rules. Error paths start with the field's JSON name.
absl::Status JsonFieldToWire(const CodecSet& codecs, const MessageCodec& codec,
                             const google::protobuf::FieldDescriptor& field,
                             std::string_view json, const ParseOptions& options,
                             std::string* wire);

}  // namespace protogate::transcoding
