// RoutedRequest: an http::Request matched against a route table and the
// policy::Exchange over it, as the proxy builds them, for stage tests.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "demo/bookstore.pb.h"
#include "gateway/policy/exchange.h"
#include "gateway/routing/route_table.h"

namespace protogate::testing {

inline const google::protobuf::ServiceDescriptor* BookstoreService() {
  return demo::bookstore::v1::Book::descriptor()->file()->FindServiceByName(
      "Bookstore");
}

inline std::unique_ptr<routing::RouteTable> BookstoreRoutes() {
  auto table = routing::RouteTable::Build({BookstoreService()});
  return table.ok() ? *std::move(table) : nullptr;
}

class RoutedRequest {
 public:
  RoutedRequest(const routing::RouteTable& table, std::string method,
                std::string target,
                std::vector<http::Request::Header> headers = {},
                std::string peer = "10.0.0.1:1000")
      : request_(std::move(method), std::move(target), std::move(headers), "",
                 std::move(peer)),
        match_(table.Match(request_.method(), request_.path())) {
    policy::Exchange::Match m;
    m.outcome = static_cast<policy::RouteOutcome>(match_.outcome);
    m.route = match_.route;
    if (match_.route != nullptr) {
      m.route_index = static_cast<size_t>(match_.route - table.routes().data());
    }
    m.allowed_methods = match_.allow;
    exchange_ = std::make_unique<policy::Exchange>(request_, "req-1", m);
  }

  policy::Exchange& exchange() { return *exchange_; }
  // The value of the first response header `name` added by stages, or "".
  std::string ResponseHeader(const std::string& name) const {
    for (const auto& [key, value] : exchange_->response_headers()) {
      if (key == name) return value;
    }
    return "";
  }

 private:
  http::Request request_;
  routing::RouteMatch match_;
  std::unique_ptr<policy::Exchange> exchange_;
};

inline std::string HeaderOf(const http::Response& response,
                            const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace protogate::testing
