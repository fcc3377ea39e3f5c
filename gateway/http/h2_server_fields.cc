#include "gateway/http/h2_server_fields.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "gateway/http/response_builder.h"

namespace protogate::http {
namespace {

// Connection-specific fields HTTP/2 forbids (RFC 9113 8.2.2), lower case.
bool IsConnectionSpecific(std::string_view name) {
  return name == "keep-alive" || name == "proxy-connection" ||
         name == "upgrade" || name == "te";
}

int WireStatus(int status) {
  return status < 100 || status > 999 ? 500 : status;
}

bool HasUpper(std::string_view text) {
  for (char c : text) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

}  // namespace

void H2Fields::Add(std::string_view name, std::string_view value) {
  // nghttp2 takes non-const pointers but only reads (and copies) them.
  nv_.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                 reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
                 name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
}

void H2Fields::AddHead(const Response& head,
                       std::optional<size_t> content_length,
                       std::string_view server_name) {
  const int status = WireStatus(head.status);
  char* end = std::to_chars(status_, status_ + sizeof(status_), status).ptr;
  Add(":status", std::string_view(status_, end - status_));
  AddHandlerFields(head.headers);
  if (content_length.has_value() && !StatusHasNoBody(status)) {
    end =
        std::to_chars(length_, length_ + sizeof(length_), *content_length).ptr;
    Add("content-length", std::string_view(length_, end - length_));
  }
  Add("date", HttpDate());
  if (!server_name.empty()) Add("server", server_name);
}

void H2Fields::AddTrailers(const Trailers& trailers) {
  AddHandlerFields(trailers);
}

void H2Fields::AddHandlerFields(const HeaderFields& fields) {
  size_t upper_bytes = 0;
  for (const auto& [name, value] : fields) {
    if (HasUpper(name)) upper_bytes += name.size();
  }
  lowered_.reserve(upper_bytes);  // No reallocation below: views stay valid.
  for (const HeaderField& field : fields) {
    if (!IsSendableField(field)) continue;
    const auto& [name, value] = field;
    std::string_view lower = name;
    if (HasUpper(name)) {
      const size_t at = lowered_.size();
      for (char c : name.view()) lowered_.push_back(absl::ascii_tolower(c));
      lower = std::string_view(lowered_).substr(at);
    }
    if (IsConnectionSpecific(lower)) continue;
    Add(lower, value);
  }
}

size_t MaxHeaderListBytes(const SessionConfig& config) {
  return config.http2.max_header_list_bytes > 0
             ? config.http2.max_header_list_bytes
             : config.limits.max_header_bytes;
}

}  // namespace protogate::http
