// Helpers shared by the files of Session. Private to protogate::http.
//
// Thread safety: stateless functions.
#pragma once

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/fields.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/base/strings.h"
#include "gateway/http/request.h"
#include "gateway/http/request_checks.h"

namespace protogate::http {

// The first `count` fields (Beast appends trailer fields after the head's).
inline std::vector<Request::Header> CopyHeaders(
    const boost::beast::http::fields& fields, size_t count) {
  std::vector<Request::Header> headers;
  headers.reserve(8);
  for (const auto& field : fields) {
    if (headers.size() == count) break;
    headers.emplace_back(std::string(field.name_string()),
                         std::string(field.value()));
  }
  return headers;
}

// The Host of an absolute-form request is its target's authority (RFC 9112
// 3.2.2): replaces the Host header's value (CheckRequestHead allows one).
inline void SetHost(std::vector<Request::Header>& headers,
                    std::string_view authority) {
  for (Request::Header& header : headers) {
    if (base::EqualsIgnoreCase(header.first, "host")) {
      header.second = std::string(authority);
      return;
    }
  }
  headers.emplace_back("Host", std::string(authority));
}

// The target the handler sees and the headers that go with it.
inline std::string RoutedRequestTarget(std::string_view target,
                                       std::vector<Request::Header>& headers) {
  RoutedTarget routed = RouteTarget(target);
  if (routed.form == TargetForm::kAbsolute) SetHost(headers, routed.authority);
  return routed.OriginForm();
}

}  // namespace protogate::http
