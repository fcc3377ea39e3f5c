// A small blocking HTTP/1.1 client over a real loopback socket, for tests.
//
// Thread safety: an HttpConnection is used by one thread at a time.
// Every read is bounded by the timeout given at Connect().
//
// Example:
//   auto conn = HttpConnection::Connect(port);
//   auto resp = conn->RoundTrip("GET /v1/shelves HTTP/1.1\r\nHost: x\r\n\r\n");
//   EXPECT_EQ(resp->status, 200);
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace protogate::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // False when a chunked body was cut short: the connection closed before
  // the last chunk (`body` holds what arrived).
  bool complete = true;
  // The first header with this name (case-insensitive), or "".
  std::string Header(absl::string_view name) const;
};

// A TCP socket (fd) connected to 127.0.0.1:`port` whose receives and sends
// time out after `timeout`, or UNAVAILABLE naming the port and the errno.
absl::StatusOr<int> ConnectLoopback(uint16_t port,
                                    absl::Duration timeout = absl::Seconds(10));

class HttpConnection {
 public:
  static absl::StatusOr<std::unique_ptr<HttpConnection>> Connect(
      uint16_t port, absl::Duration timeout = absl::Seconds(20));
  ~HttpConnection();

  absl::Status Write(absl::string_view bytes);
  // Reads one response (Content-Length, chunked, or until close).
  absl::StatusOr<HttpResponse> ReadResponse();
  absl::StatusOr<HttpResponse> RoundTrip(absl::string_view request);
  // True when the peer closed (or reset) the connection with no unread bytes
  // left (reads EOF within the timeout).
  bool PeerClosed();
  // Reads until the bytes received so far contain `marker` (they stay
  // buffered for ReadResponse()); an error if the connection ends or times
  // out first.
  absl::Status WaitFor(absl::string_view marker);

 private:
  explicit HttpConnection(int fd) : fd_(fd) {}
  // The kHttp11Tls mode: a TLS handshake (ALPN http/1.1, the test CA).
  absl::Status StartTls();
  absl::Status Fill();  // Reads more bytes into buffer_.
  int fd_;
  SSL_CTX* tls_ctx_ = nullptr;  // Set in the kHttp11Tls mode.
  SSL* ssl_ = nullptr;
  std::string buffer_;
  bool eof_ = false;
};

// How Fetch() talks to the server: HTTP/1.1, HTTP/2 by prior knowledge
// (h2c) when the environment has PROTOGATE_TEST_HTTP=h2c, or HTTP/2 over TLS
// (ALPN h2, the test PKI below) with PROTOGATE_TEST_HTTP=h2, or HTTP/1.1
// over TLS (ALPN http/1.1) with PROTOGATE_TEST_HTTP=h1tls, so the same
// end-to-end suites run over all four (tests/server/CMakeLists.txt
// registers them four times; the test server serves TLS in the h2 and
// h1tls modes). HttpConnection speaks HTTP/1.1, over TLS in the h1tls
// mode.
enum class TestHttpMode { kHttp11, kH2c, kH2, kHttp11Tls };
TestHttpMode HttpModeFromEnvironment();

// The checked-in test PKI (tests/testdata/tls; paths relative to the source
// tree, the tests' working directory): the kH2 mode's server certificate
// (SAN 127.0.0.1) and key, and the CA the client verifies it with.
inline constexpr char kTestTlsCaFile[] = "tests/testdata/tls/ca.pem";
inline constexpr char kTestTlsCertFile[] = "tests/testdata/tls/server.pem";
inline constexpr char kTestTlsKeyFile[] = "tests/testdata/tls/server.key";

// One request on a fresh connection. `headers` are extra header lines
// ("Name: value"); Host and Content-Length are added. Over HTTP/2, `Host`
// becomes :authority, connection-specific headers are left out, and a
// stream reset shows as `complete == false`.
absl::StatusOr<HttpResponse> Fetch(uint16_t port, absl::string_view method,
                                   absl::string_view target,
                                   absl::string_view body = "",
                                   std::vector<std::string> headers = {});

}  // namespace protogate::testing
