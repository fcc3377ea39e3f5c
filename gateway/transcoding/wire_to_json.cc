#include "gateway/transcoding/wire_to_json.h"

#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/wire_printer.h"

namespace protogate::transcoding {

absl::Status WireToJson(const CodecSet& codecs, const MessageCodec& codec,
                        std::string_view wire, const PrintOptions& options,
                        std::string* json) {
  return PrintWireJson(codecs, codec, nullptr, wire, options, PrintFlags(),
                       json);
}

absl::Status WireFieldToJson(const CodecSet& codecs, const MessageCodec& codec,
                             const google::protobuf::FieldDescriptor& field,
                             std::string_view wire, const PrintOptions& options,
                             std::string* json) {
  const FieldCodec* fc = codec.Find(&field);
  if (fc == nullptr || fc->descriptor != &field) {
    return absl::InvalidArgumentError("field is not part of the message");
  }
  return PrintWireJson(codecs, codec, fc, wire, options, PrintFlags(), json);
}

}  // namespace protogate::transcoding
