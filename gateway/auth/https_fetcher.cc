#include "gateway/auth/https_fetcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::auth {
namespace {

using ::protogate::base::ToAbsl;

struct Url {
  std::string host;  // Without brackets.
  std::string port = "443";
  std::string authority;
  std::string path = "/";
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// A socket closed when it goes out of scope.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

absl::StatusOr<Url> ParseUrl(std::string_view url) {
  if (!absl::StartsWith(ToAbsl(url), "https://")) {
    return absl::InvalidArgumentError("not an https:// URL");
  }
  std::string_view rest = url.substr(8);
  Url out;
  const size_t slash = rest.find('/');
  out.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos)
    out.path = std::string(rest.substr(slash));
  std::string_view authority = out.authority;
  size_t colon = std::string_view::npos;
  if (absl::StartsWith(ToAbsl(authority), "[")) {
    const size_t close_bracket = authority.find(']');
    if (close_bracket == std::string_view::npos) {
      return absl::InvalidArgumentError("bad IPv6 host");
    }
    out.host = std::string(authority.substr(1, close_bracket - 1));
    if (close_bracket + 1 < authority.size()) {
      if (authority[close_bracket + 1] != ':') {
        return absl::InvalidArgumentError("bad host:port");
      }
      colon = close_bracket + 1;
    }
  } else {
    colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
  }
  if (colon != std::string_view::npos) {
    out.port = std::string(authority.substr(colon + 1));
    int port = 0;
    if (!absl::SimpleAtoi(out.port, &port) || port <= 0 || port > 65535) {
      return absl::InvalidArgumentError("bad port");
    }
  }
  if (out.host.empty() || out.authority.find('@') != std::string::npos) {
    return absl::InvalidArgumentError("bad host");
  }
  return out;
}

std::string TlsError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "TLS failure";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

void SetTimeouts(int fd, absl::Duration timeout) {
  const timeval tv = absl::ToTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Connects a non-blocking socket and waits up to `timeout` for it.
bool ConnectWithTimeout(int fd, const addrinfo& ai, absl::Duration timeout) {
  if (connect(fd, ai.ai_addr, ai.ai_addrlen) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p = {fd, POLLOUT, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) != 1) {
    return false;
  }
  int error = 0;
  socklen_t length = sizeof(error);
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
         error == 0;
}

absl::StatusOr<std::unique_ptr<Socket>> Connect(const Url& url,
                                                absl::Duration timeout) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found) != 0) {
    return absl::UnavailableError("cannot resolve host");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    auto socket = std::make_unique<Socket>(::socket(
        ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket->fd() < 0) continue;
    if (!ConnectWithTimeout(socket->fd(), *ai, timeout)) continue;
    const int flags = fcntl(socket->fd(), F_GETFL);
    fcntl(socket->fd(), F_SETFL, flags & ~O_NONBLOCK);
    SetTimeouts(socket->fd(), timeout);
    return socket;
  }
  return absl::UnavailableError("cannot connect");
}

absl::StatusOr<std::unique_ptr<SSL_CTX, SslCtxFree>> MakeContext(
    const HttpsGetOptions& options) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) return absl::UnavailableError(TlsError());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const int loaded = options.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(ctx.get())
                         : SSL_CTX_load_verify_locations(
                               ctx.get(), options.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    return absl::UnavailableError(
        absl::StrCat("cannot load CA certificates: ", TlsError()));
  }
  return ctx;
}

// Expects the server's certificate to name `host` (a DNS name or an IP).
bool ExpectHost(SSL* ssl, const std::string& host) {
  in6_addr address;
  const bool is_ip = inet_pton(AF_INET, host.c_str(), &address) == 1 ||
                     inet_pton(AF_INET6, host.c_str(), &address) == 1;
  if (is_ip) {
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) ==
           1;
  }
  return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
         SSL_set1_host(ssl, host.c_str()) == 1;
}

absl::StatusOr<std::string> ReadAll(SSL* ssl, size_t limit) {
  std::string response;
  char buffer[16384];
  while (true) {
    const int n = SSL_read(ssl, buffer, sizeof(buffer));
    if (n > 0) {
      response.append(buffer, n);
      if (response.size() > limit) {
        return absl::UnavailableError("response too large");
      }
      continue;
    }
    // With SSL_OP_IGNORE_UNEXPECTED_EOF a close without close_notify ends
    // like one with it; ResponseBody checks Content-Length against
    // truncation.
    if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) return response;
    return absl::UnavailableError(absl::StrCat("receive failed: ", TlsError()));
  }
}

absl::StatusOr<std::string> ResponseBody(std::string_view response) {
  const size_t end = response.find("\r\n\r\n");
  if (end == std::string_view::npos ||
      !absl::StartsWith(ToAbsl(response), "HTTP/1.")) {
    return absl::UnavailableError("malformed HTTP response");
  }
  const std::string_view head = response.substr(0, end);
  const size_t space = head.find(' ');
  if (space == std::string_view::npos || head.substr(space + 1, 3) != "200") {
    return absl::UnavailableError(absl::StrCat(
        "HTTP status ", ToAbsl(head.substr(0, head.find("\r\n")))));
  }
  const std::string lower = absl::AsciiStrToLower(ToAbsl(head));
  if (absl::StrContains(lower, "chunked")) {
    return absl::UnavailableError("chunked responses are not supported");
  }
  const std::string_view body = response.substr(end + 4);
  const size_t length_at = lower.find("\r\ncontent-length:");
  if (length_at != std::string::npos) {
    const size_t value = length_at + 17;
    uint64_t length = 0;
    if (!absl::SimpleAtoi(
            absl::StripAsciiWhitespace(absl::string_view(lower).substr(
                value, lower.find("\r\n", value) - value)),
            &length) ||
        length != body.size()) {
      return absl::UnavailableError("response body shorter than its length");
    }
  }
  return std::string(body);
}

}  // namespace

absl::StatusOr<std::string> HttpsGet(std::string_view url_text,
                                     const HttpsGetOptions& options) {
  absl::StatusOr<Url> url = ParseUrl(url_text);
  if (!url.ok()) return url.status();
  absl::StatusOr<std::unique_ptr<SSL_CTX, SslCtxFree>> ctx =
      MakeContext(options);
  if (!ctx.ok()) return ctx.status();
  absl::StatusOr<std::unique_ptr<Socket>> socket =
      Connect(*url, options.timeout);
  if (!socket.ok()) return socket.status();
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx->get()));
  if (ssl == nullptr || !ExpectHost(ssl.get(), url->host) ||
      SSL_set_fd(ssl.get(), (*socket)->fd()) != 1) {
    return absl::UnavailableError(TlsError());
  }
  if (SSL_connect(ssl.get()) != 1) {
    const long verify = SSL_get_verify_result(ssl.get());
    return absl::UnavailableError(absl::StrCat(
        "TLS handshake failed: ", verify != X509_V_OK
                                      ? X509_verify_cert_error_string(verify)
                                      : TlsError()));
  }
  const std::string request =
      absl::StrCat("GET ", url->path, " HTTP/1.0\r\nHost: ", url->authority,
                   "\r\nAccept: application/json\r\nConnection: close\r\n\r\n");
  if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <=
      0) {
    return absl::UnavailableError(absl::StrCat("send failed: ", TlsError()));
  }
  absl::StatusOr<std::string> response =
      ReadAll(ssl.get(), options.max_body_bytes + 65536);
  if (!response.ok()) return response.status();
  return ResponseBody(*response);
}

}  // namespace protogate::auth
