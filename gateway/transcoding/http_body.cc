#include "gateway/transcoding/http_body.h"

#include "gateway/transcoding/wire_format.h"

namespace protogate::transcoding {
namespace {

constexpr uint32_t kContentTypeTag = (1 << 3) | kLengthDelimited;
constexpr uint32_t kDataTag = (2 << 3) | kLengthDelimited;

absl::Status Malformed() {
  return absl::InvalidArgumentError("malformed google.api.HttpBody");
}

// Concatenates the bytes of every occurrence of field `number` (message
// fields merge, so the concatenation is the field's value).
absl::StatusOr<std::string> FieldBytes(std::string_view wire, uint32_t number) {
  std::string merged;
  WireReader r(wire);
  while (!r.done()) {
    uint32_t n, wire_type;
    if (!r.ReadTag(&n, &wire_type)) return Malformed();
    if (n == number && wire_type == kLengthDelimited) {
      std::string_view bytes;
      if (!r.ReadLengthDelimited(&bytes)) return Malformed();
      merged.append(bytes);
    } else if (!r.Skip(n, wire_type)) {
      return Malformed();
    }
  }
  return merged;
}

}  // namespace

bool IsHttpBody(const google::protobuf::Descriptor* type) {
  return type != nullptr && type->full_name() == "google.api.HttpBody";
}

void AppendHttpBody(std::string_view content_type, std::string_view data,
                    std::string* wire) {
  if (!content_type.empty()) {
    AppendLengthDelimited(kContentTypeTag, content_type, wire);
  }
  if (!data.empty()) AppendLengthDelimited(kDataTag, data, wire);
}

absl::StatusOr<HttpBodyView> ReadHttpBody(
    std::string_view wire, const google::protobuf::FieldDescriptor* field) {
  std::string field_bytes;
  if (field != nullptr) {
    absl::StatusOr<std::string> bytes =
        FieldBytes(wire, static_cast<uint32_t>(field->number()));
    if (!bytes.ok()) return bytes.status();
    field_bytes = *std::move(bytes);
    wire = field_bytes;
  }
  HttpBodyView view;
  WireReader r(wire);
  while (!r.done()) {
    uint32_t n, wire_type;
    if (!r.ReadTag(&n, &wire_type)) return Malformed();
    std::string_view bytes;
    if ((n == 1 || n == 2) && wire_type == kLengthDelimited) {
      if (!r.ReadLengthDelimited(&bytes)) return Malformed();
      (n == 1 ? view.content_type : view.data).assign(bytes);  // Last wins.
    } else if (!r.Skip(n, wire_type)) {
      return Malformed();
    }
  }
  return view;
}

}  // namespace protogate::transcoding
