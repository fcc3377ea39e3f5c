#include "gateway/transcoding/response_transcoder.h"

#include "gateway/transcoding/wire_to_json.h"

namespace protogate::transcoding {

absl::Status BuildResponse(
    const CodecSet& codecs, const MessageCodec& codec,
    const google::protobuf::FieldDescriptor* response_body_field,
    std::string_view wire, const PrintOptions& options, std::string* json) {
  if (response_body_field != nullptr) {
    return WireFieldToJson(codecs, codec, *response_body_field, wire, options,
                           json);
  }
  return WireToJson(codecs, codec, wire, options, json);
}

}  // namespace protogate::transcoding
