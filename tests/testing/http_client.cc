#include "tests/testing/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/status_macros.h"
#include "tests/testing/h2_client.h"

namespace protogate::testing {

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

absl::StatusOr<int> ConnectLoopback(uint16_t port, absl::Duration timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  timeval tv = absl::ToTimeval(timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("connect to port ", port, ": ", std::strerror(err)));
  }
  return fd;
}

absl::StatusOr<std::unique_ptr<HttpConnection>> HttpConnection::Connect(
    uint16_t port, absl::Duration timeout) {
  absl::StatusOr<int> fd = ConnectLoopback(port, timeout);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<HttpConnection> connection(new HttpConnection(*fd));
  if (HttpModeFromEnvironment() == TestHttpMode::kHttp11Tls) {
    PG_RETURN_IF_ERROR(connection->StartTls());
  }
  return connection;
}

HttpConnection::~HttpConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (tls_ctx_ != nullptr) SSL_CTX_free(tls_ctx_);
  ::close(fd_);
}

absl::Status HttpConnection::StartTls() {
  tls_ctx_ = SSL_CTX_new(TLS_client_method());
  if (tls_ctx_ == nullptr ||
      SSL_CTX_load_verify_locations(tls_ctx_, kTestTlsCaFile, nullptr) != 1) {
    return absl::InternalError("TLS client context");
  }
  SSL_CTX_set_verify(tls_ctx_, SSL_VERIFY_PEER, nullptr);
  static constexpr unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(tls_ctx_, kAlpn, sizeof(kAlpn) - 1);
  ssl_ = SSL_new(tls_ctx_);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    return absl::UnavailableError("TLS handshake failed");
  }
  return absl::OkStatus();
}

absl::Status HttpConnection::Write(absl::string_view bytes) {
  if (ssl_ != nullptr) {
    if (!bytes.empty() &&
        SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
      return absl::UnavailableError("send failed");
    }
    return absl::OkStatus();
  }
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return absl::UnavailableError("send failed");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status HttpConnection::Fill() {
  char chunk[16384];
  if (ssl_ != nullptr) {
    const int n = SSL_read(ssl_, chunk, sizeof(chunk));
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return absl::OkStatus();
    }
    const int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_READ) {  // SO_RCVTIMEO passed.
      return absl::DeadlineExceededError("recv timed out or failed");
    }
    eof_ = true;  // close_notify, a TCP close or a reset.
    return absl::OutOfRangeError("connection closed");
  }
  ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n == 0) {
    eof_ = true;
    return absl::OutOfRangeError("connection closed");
  }
  if (n < 0 && errno == ECONNRESET) {
    eof_ = true;  // Reset by the peer: closed, as far as reading goes.
    return absl::UnavailableError("connection reset");
  }
  if (n < 0) return absl::DeadlineExceededError("recv timed out or failed");
  buffer_.append(chunk, static_cast<size_t>(n));
  return absl::OkStatus();
}

bool HttpConnection::PeerClosed() {
  if (!buffer_.empty()) return false;
  if (eof_) return true;
  absl::Status s = Fill();
  return eof_;
}

absl::Status HttpConnection::WaitFor(absl::string_view marker) {
  while (!absl::StrContains(buffer_, marker)) PG_RETURN_IF_ERROR(Fill());
  return absl::OkStatus();
}

absl::StatusOr<HttpResponse> HttpConnection::ReadResponse() {
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    PG_RETURN_IF_ERROR(Fill());
  }
  std::string head = buffer_.substr(0, head_end);
  buffer_.erase(0, head_end + 4);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  HttpResponse resp;
  std::vector<std::string> status_parts =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_parts.size() < 2 ||
      !absl::SimpleAtoi(status_parts[1], &resp.status)) {
    return absl::InternalError(absl::StrCat("bad status line: ", lines[0]));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    resp.headers.emplace_back(
        lines[i].substr(0, colon),
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  std::string length = resp.Header("content-length");
  if (absl::EqualsIgnoreCase(resp.Header("transfer-encoding"), "chunked")) {
    // A close before the last chunk leaves the response incomplete: what
    // arrived (framing included) is returned with complete = false.
    auto fill = [&]() -> absl::Status {
      absl::Status s = Fill();
      if (eof_) resp.complete = false;
      return eof_ ? absl::OkStatus() : s;
    };
    while (true) {
      size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos &&
             resp.complete) {
        PG_RETURN_IF_ERROR(fill());
      }
      size_t size = 0;
      if (resp.complete) {
        size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
        while (buffer_.size() < eol + 2 + size + 2 && resp.complete) {
          PG_RETURN_IF_ERROR(fill());
        }
      }
      if (!resp.complete) {
        resp.body.append(buffer_);
        buffer_.clear();
        break;
      }
      resp.body.append(buffer_, eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else if (!length.empty()) {
    size_t n = std::stoul(length);
    while (buffer_.size() < n) PG_RETURN_IF_ERROR(Fill());
    resp.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
  } else if (resp.status >= 200 && resp.status != 204 && resp.status != 304) {
    while (Fill().ok()) {
    }
    resp.body = std::move(buffer_);
    buffer_.clear();
  }
  return resp;
}

absl::StatusOr<HttpResponse> HttpConnection::RoundTrip(
    absl::string_view request) {
  PG_RETURN_IF_ERROR(Write(request));
  return ReadResponse();
}

namespace {

// Header lines ("Name: value") as HTTP/2 fields: lower-case names, no
// connection-specific ones; Host becomes the authority.
H2Fields ToH2Fields(const std::vector<std::string>& lines, bool has_body,
                    std::string& authority) {
  H2Fields fields;
  bool has_type = false;
  for (const std::string& line : lines) {
    std::pair<std::string, std::string> field =
        absl::StrSplit(line, absl::MaxSplits(':', 1));
    std::string name = absl::AsciiStrToLower(field.first);
    std::string value(absl::StripAsciiWhitespace(field.second));
    if (name == "host") {
      authority = value;
      continue;
    }
    if (name == "connection" || name == "keep-alive" ||
        name == "transfer-encoding" || name == "upgrade" ||
        name == "content-length") {
      continue;
    }
    if (name == "content-type") has_type = true;
    fields.emplace_back(std::move(name), std::move(value));
  }
  if (has_body && !has_type) {
    fields.emplace_back("content-type", "application/json");
  }
  return fields;
}

absl::StatusOr<HttpResponse> FetchH2(uint16_t port, absl::string_view method,
                                     absl::string_view target,
                                     absl::string_view body,
                                     const std::vector<std::string>& headers) {
  PG_ASSIGN_OR_RETURN(std::unique_ptr<H2Client> client,
                      HttpModeFromEnvironment() == TestHttpMode::kH2
                          ? H2Client::ConnectTls(port, kTestTlsCaFile)
                          : H2Client::Connect(port));
  std::string authority = "127.0.0.1";
  H2Fields fields = ToH2Fields(headers, !body.empty(), authority);
  PG_ASSIGN_OR_RETURN(
      H2Response h2,
      client->RoundTrip(method, target, fields, std::string(body), authority));
  HttpResponse response;
  response.status = h2.status;
  response.headers = std::move(h2.headers);
  response.body = std::move(h2.body);
  response.complete = !h2.reset;
  return response;
}

}  // namespace

TestHttpMode HttpModeFromEnvironment() {
  const char* mode = std::getenv("PROTOGATE_TEST_HTTP");
  if (mode != nullptr && absl::string_view(mode) == "h2c") {
    return TestHttpMode::kH2c;
  }
  if (mode != nullptr && absl::string_view(mode) == "h2") {
    return TestHttpMode::kH2;
  }
  if (mode != nullptr && absl::string_view(mode) == "h1tls") {
    return TestHttpMode::kHttp11Tls;
  }
  return TestHttpMode::kHttp11;
}

absl::StatusOr<HttpResponse> Fetch(uint16_t port, absl::string_view method,
                                   absl::string_view target,
                                   absl::string_view body,
                                   std::vector<std::string> headers) {
  const TestHttpMode mode = HttpModeFromEnvironment();
  if (mode == TestHttpMode::kH2c || mode == TestHttpMode::kH2) {
    return FetchH2(port, method, target, body, headers);
  }
  PG_ASSIGN_OR_RETURN(std::unique_ptr<HttpConnection> conn,
                      HttpConnection::Connect(port));
  std::string req =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool has_type = false;
  for (const std::string& h : headers) {
    absl::StrAppend(&req, h, "\r\n");
    if (absl::StartsWithIgnoreCase(h, "content-type:")) has_type = true;
  }
  if (!body.empty()) {
    if (!has_type) absl::StrAppend(&req, "Content-Type: application/json\r\n");
    absl::StrAppend(&req, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&req, "\r\n", body);
  return conn->RoundTrip(req);
}

}  // namespace protogate::testing
