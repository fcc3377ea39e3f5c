#include "gateway/http/error_response.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace protogate::http {
namespace {

std::string JsonEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 2);
  for (char c : in) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u >= 0x7f) {
      out += absl::StrFormat("\\u%04x", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

int RpcCodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return 3;  // INVALID_ARGUMENT
    case 408:
      return 4;  // DEADLINE_EXCEEDED
    case 413:
    case 414:
    case 431:
      return 8;  // RESOURCE_EXHAUSTED
    case 501:
    case 505:
      return 12;  // UNIMPLEMENTED
    case 503:
      return 14;  // UNAVAILABLE
    default:
      return 13;  // INTERNAL
  }
}

Response MakeErrorResponse(int http_status, std::string_view message) {
  Response response;
  response.status = http_status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = absl::StrCat("{\"code\":", RpcCodeForHttpStatus(http_status),
                               ",\"message\":\"", JsonEscape(message),
                               "\",\"details\":[]}");
  return response;
}

}  // namespace protogate::http
