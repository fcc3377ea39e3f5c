// TlsClient: a small blocking HTTPS/1.1 client for tests, on OpenSSL over a
// loopback socket: one connection, verified against a CA file (and
// optionally presenting a client certificate), keep-alive requests with
// Content-Length responses, and the server certificate's serial. Every
// receive is bounded by SO_RCVTIMEO, so no test can hang.
//
// Thread safety: one thread per TlsClient.
//
// Example:
//   auto client = TlsClient::Connect(port, {.ca_file = pki->CaFile()});
//   auto body = (*client)->Get("/v1/shelves/1");  // "HTTP/1.1 200 OK..."
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tests/testing/http_client.h"

namespace protogate::testing {

class TlsClient {
 public:
  struct Options {
    std::string ca_file;
    std::string cert_file;  // Client certificate, or "".
    std::string key_file;
  };

  static absl::StatusOr<std::unique_ptr<TlsClient>> Connect(
      uint16_t port, const Options& options) {
    absl::StatusOr<int> fd = ConnectLoopback(port);
    if (!fd.ok()) return fd.status();
    std::unique_ptr<TlsClient> client(new TlsClient(*fd));
    SSL_CTX* ctx = client->ctx_;
    SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!options.cert_file.empty()) {
      SSL_CTX_use_certificate_file(ctx, options.cert_file.c_str(),
                                   SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(),
                                  SSL_FILETYPE_PEM);
    }
    client->ssl_ = SSL_new(ctx);
    SSL_set_fd(client->ssl_, *fd);
    if (SSL_connect(client->ssl_) != 1) {
      return absl::UnavailableError("TLS handshake failed");
    }
    return client;
  }
  ~TlsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }

  // The server certificate's serial number.
  long PeerSerial() const {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    return cert != nullptr ? ASN1_INTEGER_get(X509_get_serialNumber(cert)) : -1;
  }

  // What came until the server closed, and whether it closed with a TLS
  // close_notify alert (a clean end) rather than just a TCP close.
  struct UntilClose {
    std::string data;
    bool close_notify = false;
  };
  // Sends `request` as is and reads until the server closes.
  absl::StatusOr<UntilClose> SendAndReadToClose(const std::string& request) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <=
        0) {
      return absl::UnavailableError("write failed");
    }
    UntilClose result;
    char buf[4096];
    int n;
    while ((n = SSL_read(ssl_, buf, sizeof(buf))) > 0) {
      result.data.append(buf, static_cast<size_t>(n));
    }
    result.close_notify = SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN;
    return result;
  }

  // Sends a keep-alive GET and returns the whole response (head and a
  // Content-Length body).
  absl::StatusOr<std::string> Get(const std::string& path) {
    const std::string request =
        absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <=
        0) {
      return absl::UnavailableError("write failed");
    }
    std::string response;
    char buf[4096];
    while (true) {
      size_t head_end = response.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        size_t at = response.find("Content-Length: ");
        if (at != std::string::npos && at < head_end) {
          size_t eol = response.find("\r\n", at);
          (void)absl::SimpleAtoi(response.substr(at + 16, eol - at - 16),
                                 &length);
        }
        if (response.size() >= head_end + 4 + length) return response;
      }
      int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) return absl::UnavailableError("connection closed");
      response.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  explicit TlsClient(int fd)
      : fd_(fd), ctx_(SSL_CTX_new(TLS_client_method())) {}
  int fd_;
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
};

}  // namespace protogate::testing
