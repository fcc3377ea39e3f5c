#include "gateway/http/h2_server_fields.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
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

}  // namespace

void H2Fields::AddHead(const Response& head,
                       std::optional<size_t> content_length,
                       std::string_view server_name) {
  const int status = WireStatus(head.status);
  fields_.emplace_back(":status", absl::StrCat(status));
  AddHandlerFields(head.headers);
  if (content_length.has_value() && !StatusHasNoBody(status)) {
    fields_.emplace_back("content-length", absl::StrCat(*content_length));
  }
  fields_.emplace_back("date", HttpDate());
  if (!server_name.empty()) {
    fields_.emplace_back("server", std::string(server_name));
  }
}

void H2Fields::AddTrailers(const Trailers& trailers) {
  AddHandlerFields(trailers);
}

void H2Fields::AddHandlerFields(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  for (const auto& [name, value] : fields) {
    if (!IsSendableField(name, value)) continue;
    std::string lower = absl::AsciiStrToLower(base::ToAbsl(name));
    if (IsConnectionSpecific(lower)) continue;
    fields_.emplace_back(std::move(lower), value);
  }
}

const nghttp2_nv* H2Fields::data() {
  nv_.clear();
  nv_.reserve(fields_.size());
  for (auto& [name, value] : fields_) {
    nv_.push_back({reinterpret_cast<uint8_t*>(name.data()),
                   reinterpret_cast<uint8_t*>(value.data()), name.size(),
                   value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return nv_.data();
}

size_t MaxHeaderListBytes(const SessionConfig& config) {
  return config.http2.max_header_list_bytes > 0
             ? config.http2.max_header_list_bytes
             : config.limits.max_header_bytes;
}

}  // namespace protogate::http
