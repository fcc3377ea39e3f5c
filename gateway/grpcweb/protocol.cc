#include "gateway/grpcweb/protocol.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::grpcweb {
namespace {

using base::ToAbsl;

absl::string_view MediaType(std::string_view content_type) {
  return absl::StripAsciiWhitespace(
      ToAbsl(content_type.substr(0, content_type.find(';'))));
}

// "" or "+proto" after `base`, case-insensitive.
bool IsProtoSubtype(absl::string_view type, absl::string_view base) {
  if (!absl::StartsWithIgnoreCase(type, base)) return false;
  const absl::string_view rest = type.substr(base.size());
  return rest.empty() || absl::EqualsIgnoreCase(rest, "+proto");
}

void AppendFrameHeader(uint8_t flags, size_t length, std::string& out) {
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
}

}  // namespace

Protocol ProtocolOf(std::string_view content_type) {
  const absl::string_view type = MediaType(content_type);
  if (!absl::StartsWithIgnoreCase(type, "application/grpc")) {
    return Protocol::kNone;
  }
  if (IsProtoSubtype(type, "application/grpc-web-text")) {
    return Protocol::kGrpcWebText;
  }
  if (IsProtoSubtype(type, "application/grpc-web")) return Protocol::kGrpcWeb;
  if (IsProtoSubtype(type, "application/grpc")) return Protocol::kGrpc;
  return Protocol::kNone;
}

std::string ResponseContentType(std::string_view request_content_type) {
  return absl::AsciiStrToLower(MediaType(request_content_type));
}

std::string MessageFrame(std::string_view message) {
  std::string frame;
  frame.reserve(5 + message.size());
  AppendFrameHeader(0, message.size(), frame);
  frame.append(message);
  return frame;
}

std::string PercentEncode(std::string_view message) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte <= 0x7e && byte != '%') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

bool ReservedHeader(std::string_view name) {
  static constexpr std::string_view kReserved[] = {"connection",
                                                   "keep-alive",
                                                   "proxy-connection",
                                                   "transfer-encoding",
                                                   "upgrade",
                                                   "te",
                                                   "trailer",
                                                   "host",
                                                   "content-type",
                                                   "content-length",
                                                   "user-agent",
                                                   "grpc-timeout",
                                                   "grpc-encoding",
                                                   "grpc-accept-encoding",
                                                   "grpc-status",
                                                   "grpc-message",
                                                   "grpc-status-details-bin",
                                                   "x-grpc-web",
                                                   "x-user-agent",
                                                   "accept-encoding",
                                                   "http2-settings"};
  if (!name.empty() && name.front() == ':') return true;
  for (std::string_view reserved : kReserved) {
    if (name == reserved) return true;
  }
  return false;
}

Metadata HeadersOf(const Metadata& metadata) {
  Metadata headers;
  headers.reserve(metadata.size());
  for (const auto& [key, value] : metadata) {
    if (ReservedHeader(key)) continue;
    if (absl::EndsWith(key, "-bin")) {
      std::string encoded = absl::Base64Escape(value);
      while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
      headers.emplace_back(key, std::move(encoded));
    } else {
      headers.emplace_back(key, value);
    }
  }
  return headers;
}

Metadata MetadataOf(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  Metadata metadata;
  metadata.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    std::string key = absl::AsciiStrToLower(name);
    if (ReservedHeader(key)) continue;
    if (absl::EndsWith(key, "-bin")) {
      std::string raw;
      if (!absl::Base64Unescape(value, &raw)) continue;
      metadata.emplace_back(std::move(key), std::move(raw));
    } else {
      metadata.emplace_back(std::move(key), value);
    }
  }
  return metadata;
}

Metadata TrailerHeaders(const Trailer& trailer) {
  Metadata fields;
  fields.reserve(3 + trailer.metadata.size());
  fields.emplace_back("grpc-status", absl::StrCat(trailer.code));
  if (!trailer.message.empty()) {
    fields.emplace_back("grpc-message", PercentEncode(trailer.message));
  }
  if (!trailer.details.empty()) {
    std::string encoded = absl::Base64Escape(trailer.details);
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    fields.emplace_back("grpc-status-details-bin", std::move(encoded));
  }
  for (auto& field : HeadersOf(trailer.metadata)) {
    fields.push_back(std::move(field));
  }
  return fields;
}

std::string TrailerFrame(const Trailer& trailer) {
  std::string block;
  for (const auto& [name, value] : TrailerHeaders(trailer)) {
    absl::StrAppend(&block, name, ":", value, "\r\n");
  }
  std::string frame;
  frame.reserve(5 + block.size());
  AppendFrameHeader(0x80, block.size(), frame);
  frame.append(block);
  return frame;
}

absl::StatusCode CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInternal;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kUnknown;
  }
}

}  // namespace protogate::grpcweb
