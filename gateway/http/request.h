// Request: one parsed HTTP request (HTTP/1.x or HTTP/2) as the handler sees
// it.
//
// Thread safety: read-only after the session hands it to the handler; safe
// to read from any thread.
// Ownership: owned by its connection; valid until the Responder it came with
// has sent the response (or is destroyed).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/body_stream.h"
#include "gateway/http/client_cancellation.h"

namespace protogate::http {

// The protocol a request arrived over.
enum class HttpVersion {
  kHttp10,
  kHttp11,
  kHttp2,  // h2 (TLS, ALPN) or h2c.
};

class Request {
 public:
  using Header = std::pair<std::string, std::string>;

  Request(std::string method, std::string target, std::vector<Header> headers,
          std::string body, std::string remote_address);

  const std::string& method() const { return method_; }  // "GET", ...
  const std::string& target() const { return target_; }  // Raw request-target.
  std::string_view path() const;   // target() before '?', still %-encoded.
  std::string_view query() const;  // target() after '?' (without it), or "".
  // The first header with this name (ASCII case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  const std::vector<Header>& headers() const { return headers_; }
  const std::string& body() const { return body_; }
  std::string& mutable_body() { return body_; }
  const std::string& remote_address() const { return remote_address_; }
  // Set by the connection (HTTP/1.1 by default).
  HttpVersion http_version() const { return http_version_; }
  void set_http_version(HttpVersion version) { http_version_ = version; }
  // The body still to be read, for a request dispatched before its body
  // (ServerOptions::stream_body); body() is then empty. Null otherwise.
  const std::shared_ptr<BodyStream>& body_stream() const {
    return body_stream_;
  }
  void set_body_stream(std::shared_ptr<BodyStream> stream) {
    body_stream_ = std::move(stream);
  }
  // The subject (RFC 2253, e.g. "CN=alice,O=Example") of the client
  // certificate the TLS handshake verified (ServerOptions::tls with client
  // CAs); "" over plain TCP or without a client certificate.
  std::string_view peer_certificate_subject() const {
    return peer_subject_ != nullptr ? std::string_view(*peer_subject_)
                                    : std::string_view();
  }
  // Shared by the requests of one connection.
  void set_peer_certificate_subject(
      std::shared_ptr<const std::string> subject) {
    peer_subject_ = std::move(subject);
  }
  // Raised when the client abandons the request before its response is
  // complete (client_cancellation.h); null when the connection cannot tell
  // (HTTP/1.1). Owned by the connection, valid as long as this Request.
  ClientCancellation* cancellation() const { return cancellation_; }
  void set_cancellation(ClientCancellation* cancellation) {
    cancellation_ = cancellation;
  }

 private:
  std::string method_;
  std::string target_;
  std::vector<Header> headers_;
  std::string body_;
  std::string remote_address_;
  std::shared_ptr<BodyStream> body_stream_;
  std::shared_ptr<const std::string> peer_subject_;
  ClientCancellation* cancellation_ = nullptr;
  HttpVersion http_version_ = HttpVersion::kHttp11;
};

}  // namespace protogate::http
