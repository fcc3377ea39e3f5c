#include "gateway/http/request.h"

#include <cctype>

namespace protogate::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Request::Request(std::string method, std::string target,
                 std::vector<Header> headers, std::string body,
                 std::string remote_address)
    : method_(std::move(method)),
      target_(std::move(target)),
      headers_(std::move(headers)),
      body_(std::move(body)),
      remote_address_(std::move(remote_address)) {}

std::string_view Request::path() const {
  std::string_view target = target_;
  return target.substr(0, target.find('?'));
}

std::string_view Request::query() const {
  std::string_view target = target_;
  size_t pos = target.find('?');
  if (pos == std::string_view::npos) return {};
  return target.substr(pos + 1);
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const Header& h : headers_) {
    if (EqualsIgnoreCase(h.first, name)) return h.second;
  }
  return std::nullopt;
}

}  // namespace protogate::http
