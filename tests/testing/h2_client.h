// H2Client: a small blocking HTTP/2 client over a real loopback socket, for
// tests: h2c by prior knowledge (Connect), or h2 over TLS with ALPN "h2"
// (ConnectTls; OpenSSL, the server verified against a CA file). nghttp2's
// client session does the framing. Streams may be started several at a time and
// awaited in any order.
//
// Thread safety: one thread at a time. Every read is bounded by the timeout
// given at Connect().
//
// Example:
//   auto client = H2Client::Connect(port);
//   auto response = (*client)->RoundTrip("GET", "/v1/shelves", {}, "");
//   EXPECT_EQ(response->status, 200);
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct nghttp2_session;
typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace protogate::testing {

using H2Fields = std::vector<std::pair<std::string, std::string>>;

struct H2Response {
  int status = 0;
  H2Fields headers;   // Without pseudo-headers.
  H2Fields trailers;  // A final HEADERS frame after the body.
  std::string body;
  bool reset = false;       // The server reset the stream ...
  uint32_t reset_code = 0;  // ... with this error code.
  std::string Header(absl::string_view name) const;  // "" if absent.
};

class H2Client {
 public:
  static absl::StatusOr<std::unique_ptr<H2Client>> Connect(
      uint16_t port, absl::Duration timeout = absl::Seconds(20));
  // The same over TLS: FailedPrecondition unless the handshake verifies the
  // server against `ca_file` and ALPN chooses "h2".
  static absl::StatusOr<std::unique_ptr<H2Client>> ConnectTls(
      uint16_t port, const std::string& ca_file,
      absl::Duration timeout = absl::Seconds(20));
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  // Starts a request (`headers` lower-case, without pseudo-headers; the
  // body is sent whole, with content-length). Returns its stream id.
  absl::StatusOr<int32_t> Start(absl::string_view method,
                                absl::string_view target,
                                const H2Fields& headers, std::string body,
                                absl::string_view authority = "127.0.0.1");
  // Waits for the stream to end (response complete or reset). Unavailable
  // if the connection ends first, DeadlineExceeded on timeout.
  absl::StatusOr<H2Response> Wait(int32_t stream_id);
  absl::StatusOr<H2Response> RoundTrip(
      absl::string_view method, absl::string_view target,
      const H2Fields& headers, std::string body,
      absl::string_view authority = "127.0.0.1");
  // Reads until the server sends GOAWAY; an error if the connection ends or
  // times out first.
  absl::Status WaitForGoaway();
  // Whether the server sent GOAWAY, and its error code.
  bool goaway() const { return goaway_; }
  uint32_t goaway_code() const { return goaway_code_; }

 private:
  struct Callbacks;
  struct Stream {
    H2Response response;
    std::string request_body;
    size_t sent = 0;
    bool done = false;
  };
  explicit H2Client(int fd) : fd_(fd) {}
  absl::Status Init();
  absl::Status Pump();  // Sends what is queued, then reads once.
  absl::Status Handshake(const std::string& ca_file);
  ssize_t SendBytes(const uint8_t* data, size_t length);  // -1: failed.
  ssize_t ReceiveBytes(uint8_t* data, size_t length);     // As recv().

  int fd_;
  SSL_CTX* ctx_ = nullptr;  // TLS only.
  SSL* ssl_ = nullptr;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, Stream> streams_;
  bool eof_ = false;
  bool goaway_ = false;
  uint32_t goaway_code_ = 0;
};

}  // namespace protogate::testing
