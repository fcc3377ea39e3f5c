#include "gateway/transcoding/json_to_wire.h"

#include "gateway/transcoding/json_wire_handler.h"

namespace protogate::transcoding {

absl::Status JsonToWire(const CodecSet& codecs, const MessageCodec& codec,
                        std::string_view json, const ParseOptions& options,
                        std::string* wire) {
  JsonWireHandler handler(codecs, options, wire);
  return handler.ParseMessage(codec, json);
}

absl::Status JsonFieldToWire(const CodecSet& codecs, const MessageCodec& codec,
                             const google::protobuf::FieldDescriptor& field,
                             std::string_view json, const ParseOptions& options,
                             std::string* wire) {
  const FieldCodec* fc = codec.Find(&field);
  if (fc == nullptr || fc->descriptor != &field) {
    return absl::InvalidArgumentError("field is not part of the message");
  }
  JsonWireHandler handler(codecs, options, wire);
  return handler.ParseField(*fc, json);
}

}  // namespace protogate::transcoding
