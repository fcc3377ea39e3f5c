// Turns a protobuf response (wire bytes) into the HTTP response body.
//
// Thread safety: stateless function over immutable inputs.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/options.h"

namespace protogate::transcoding {

// Writes the JSON body for a response of `codec`'s type: the whole message,
// or only `response_body_field`'s value when it is non-null. Returns
// InvalidArgument when `wire` is not a valid encoding (the gateway answers
// 502).
absl::Status BuildResponse(
    const CodecSet& codecs, const MessageCodec& codec,
    const google::protobuf::FieldDescriptor* response_body_field,
    std::string_view wire, const PrintOptions& options, std::string* json);

}  // namespace protogate::transcoding
