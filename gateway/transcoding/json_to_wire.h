// JSON -> protobuf wire format, streaming through a RapidJSON SAX reader
// straight into a wire writer (no DOM, no DynamicMessage).
//
// Thread safety: stateless functions over immutable codecs.
//
// Errors are InvalidArgument with the JSON path and the problem, e.g.
//   field "book.authors[2].born": expected int32, got "x"
//   field "book.titel": unknown field
// Input is strict RFC 8259 JSON: comments, trailing commas, single quotes,
// bare NaN/Infinity, invalid UTF-8 and lone surrogates are errors, as are
// duplicate keys (also a field given by JSON and proto name), two members
// of one oneof, input over ParseOptions::max_input_bytes and nesting over
// ParseOptions::max_depth (checked before any recursion).
//
// Example:
//   std::string wire;
//   PG_RETURN_IF_ERROR(JsonToWire(codecs, *codec, body, ParseOptions(),
//                                 &wire));
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/options.h"

namespace protogate::transcoding {

// Parses `json` (one JSON object) as a message of `codec`'s type and APPENDS
// its wire encoding to `*wire`. On error `*wire` holds unspecified bytes.
// Error paths start at the message's top-level fields.
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
