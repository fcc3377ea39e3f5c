// HttpsGet: one blocking HTTPS GET (HTTP/1.0, Connection: close) with
// certificate and host name verification, for the JWKS refresher thread.
// TLS is OpenSSL's (SSL over a socket connected with a timeout); the
// response must be 200 with a body of at most `max_body_bytes` and no
// chunked encoding.
//
// Thread safety: stateless; each call has its own SSL_CTX and socket.
// Never called on an I/O thread: it blocks up to `timeout` per phase.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::string body,
//       HttpsGet("https://127.0.0.1:8443/jwks.json", {.ca_file = "ca.pem"}));
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace protogate::auth {

struct HttpsGetOptions {
  // PEM CA certificates to trust; empty: the system store.
  std::string ca_file;
  // Bounds connecting, and each send and receive.
  absl::Duration timeout = absl::Seconds(10);
  size_t max_body_bytes = 1 << 20;
};

// The response body. InvalidArgument for a URL that is not
// https://host[:port][/path]; Unavailable (with the reason, for logs) for
// connection, TLS, verification and HTTP failures.
absl::StatusOr<std::string> HttpsGet(std::string_view url,
                                     const HttpsGetOptions& options);

}  // namespace protogate::auth
