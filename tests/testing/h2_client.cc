#include "tests/testing/h2_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/http_client.h"

namespace protogate::testing {
namespace {

std::string Str(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

nghttp2_nv Field(const std::string& name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
          name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

std::string H2Response::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

struct H2Client::Callbacks {
  static H2Client* Self(void* user_data) {
    return static_cast<H2Client*>(user_data);
  }
  static Stream* Find(void* user_data, int32_t id) {
    auto& streams = Self(user_data)->streams_;
    auto it = streams.find(id);
    return it == streams.end() ? nullptr : &it->second;
  }

  static ssize_t Send(nghttp2_session*, const uint8_t* data, size_t length, int,
                      void* user_data) {
    ssize_t n = Self(user_data)->SendBytes(data, length);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return NGHTTP2_ERR_WOULDBLOCK;
    }
    return n < 0 ? static_cast<ssize_t>(NGHTTP2_ERR_CALLBACK_FAILURE) : n;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame,
                      const uint8_t* name, size_t namelen, const uint8_t* value,
                      size_t valuelen, uint8_t, void* user_data) {
    Stream* stream = Find(user_data, frame->hd.stream_id);
    if (stream == nullptr || frame->hd.type != NGHTTP2_HEADERS) return 0;
    std::string n = Str(name, namelen);
    std::string v = Str(value, valuelen);
    if (n == ":status") {
      stream->response.status = std::stoi(v);
    } else if (frame->headers.cat == NGHTTP2_HCAT_HEADERS &&
               stream->response.status >= 200) {
      stream->response.trailers.emplace_back(std::move(n), std::move(v));
    } else {
      stream->response.headers.emplace_back(std::move(n), std::move(v));
    }
    return 0;
  }

  static int OnData(nghttp2_session*, uint8_t, int32_t stream_id,
                    const uint8_t* data, size_t len, void* user_data) {
    Stream* stream = Find(user_data, stream_id);
    if (stream != nullptr) {
      stream->response.body.append(reinterpret_cast<const char*>(data), len);
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame,
                         void* user_data) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      Self(user_data)->goaway_ = true;
      Self(user_data)->goaway_code_ = frame->goaway.error_code;
    }
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      if (Stream* stream = Find(user_data, frame->hd.stream_id)) {
        stream->response.reset = true;
        stream->response.reset_code = frame->rst_stream.error_code;
      }
    }
    return 0;
  }

  static int OnClose(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                     void* user_data) {
    if (Stream* stream = Find(user_data, stream_id)) {
      stream->done = true;
      if (error_code != NGHTTP2_NO_ERROR && !stream->response.reset) {
        stream->response.reset = true;
        stream->response.reset_code = error_code;
      }
    }
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buf,
                          size_t length, uint32_t* flags, nghttp2_data_source*,
                          void* user_data) {
    Stream* stream = Find(user_data, stream_id);
    if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const size_t n =
        std::min(length, stream->request_body.size() - stream->sent);
    std::memcpy(buf, stream->request_body.data() + stream->sent, n);
    stream->sent += n;
    if (stream->sent == stream->request_body.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }
};

absl::StatusOr<std::unique_ptr<H2Client>> H2Client::Connect(
    uint16_t port, absl::Duration timeout) {
  return ConnectTls(port, "", timeout);
}

absl::StatusOr<std::unique_ptr<H2Client>> H2Client::ConnectTls(
    uint16_t port, const std::string& ca_file, absl::Duration timeout) {
  absl::StatusOr<int> fd = ConnectLoopback(port, timeout);
  if (!fd.ok()) return fd.status();
  int one = 1;
  ::setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  auto client = std::unique_ptr<H2Client>(new H2Client(*fd));
  if (!ca_file.empty()) {
    if (absl::Status s = client->Handshake(ca_file); !s.ok()) return s;
  }
  absl::Status status = client->Init();
  if (!status.ok()) return status;
  return client;
}

H2Client::~H2Client() {
  if (session_ != nullptr) nghttp2_session_del(session_);
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  ::close(fd_);
}

absl::Status H2Client::Handshake(const std::string& ca_file) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr ||
      SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1) {
    return absl::FailedPreconditionError("cannot load the CA file");
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  static constexpr unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx_, kAlpn, sizeof(kAlpn));
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
  if (SSL_connect(ssl_) != 1) {
    return absl::FailedPreconditionError("TLS handshake failed");
  }
  const unsigned char* chosen = nullptr;
  unsigned int chosen_size = 0;
  SSL_get0_alpn_selected(ssl_, &chosen, &chosen_size);
  if (std::string_view(reinterpret_cast<const char*>(chosen), chosen_size) !=
      "h2") {
    return absl::FailedPreconditionError("ALPN did not choose h2");
  }
  return absl::OkStatus();
}

ssize_t H2Client::SendBytes(const uint8_t* data, size_t length) {
  if (ssl_ == nullptr) return ::send(fd_, data, length, MSG_NOSIGNAL);
  const int n = SSL_write(ssl_, data, static_cast<int>(length));
  return n > 0 ? n : -1;
}

ssize_t H2Client::ReceiveBytes(uint8_t* data, size_t length) {
  if (ssl_ == nullptr) return ::recv(fd_, data, length, 0);
  const int n = SSL_read(ssl_, data, static_cast<int>(length));
  if (n > 0) return n;
  const int error = SSL_get_error(ssl_, n);
  if (error == SSL_ERROR_ZERO_RETURN) return 0;
  // A receive timeout shows as SSL_ERROR_SYSCALL or WANT_READ with errno
  // EAGAIN, which the caller reads; anything else is a closed connection.
  if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
  return 0;
}

absl::Status H2Client::Init() {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_send_callback(cbs, &Callbacks::Send);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
                                                            &Callbacks::OnData);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
                                                       &Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
                                                         &Callbacks::OnClose);
  const int rv = nghttp2_session_client_new(&session_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) return absl::InternalError("nghttp2_session_client_new failed");
  nghttp2_settings_entry window{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
                                16 * 1024 * 1024};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, &window, 1);
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        64 * 1024 * 1024);
  return absl::OkStatus();
}

absl::StatusOr<int32_t> H2Client::Start(absl::string_view method,
                                        absl::string_view target,
                                        const H2Fields& headers,
                                        std::string body,
                                        absl::string_view authority) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {":method", std::string(method)},
      {":scheme", ssl_ != nullptr ? "https" : "http"},
      {":authority", std::string(authority)},
      {":path", std::string(target)}};
  for (const auto& field : headers) fields.push_back(field);
  const bool has_body = !body.empty();
  if (has_body)
    fields.emplace_back("content-length", absl::StrCat(body.size()));
  std::vector<nghttp2_nv> nv;
  for (const auto& [name, value] : fields) nv.push_back(Field(name, value));
  nghttp2_data_provider provider;
  provider.source.ptr = nullptr;
  provider.read_callback = &Callbacks::ReadBody;
  const int32_t id =
      nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(),
                             has_body ? &provider : nullptr, nullptr);
  if (id < 0) return absl::InternalError(nghttp2_strerror(id));
  streams_[id].request_body = std::move(body);
  if (nghttp2_session_send(session_) != 0) {
    return absl::UnavailableError("send failed");
  }
  return id;
}

absl::Status H2Client::Pump() {
  if (nghttp2_session_send(session_) != 0) {
    return absl::UnavailableError("send failed");
  }
  if (eof_) return absl::UnavailableError("the server closed the connection");
  uint8_t buf[16384];
  errno = 0;
  ssize_t n = ReceiveBytes(buf, sizeof(buf));
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    return absl::DeadlineExceededError("read timed out");
  }
  if (n <= 0) {
    eof_ = true;
    return absl::UnavailableError("the server closed the connection");
  }
  if (nghttp2_session_mem_recv(session_, buf, static_cast<size_t>(n)) < 0) {
    return absl::InternalError("bad HTTP/2 from the server");
  }
  return absl::OkStatus();
}

absl::StatusOr<H2Response> H2Client::Wait(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return absl::NotFoundError("no such stream");
  while (!it->second.done) {
    absl::Status status = Pump();
    if (!status.ok() && !it->second.done) return status;
  }
  H2Response response = std::move(it->second.response);
  streams_.erase(it);
  // Window updates and acknowledgements owed.
  if (nghttp2_session_send(session_) != 0) {
    return absl::UnavailableError("send failed");
  }
  return response;
}

absl::Status H2Client::WaitForGoaway() {
  while (!goaway_) {
    absl::Status status = Pump();
    if (!status.ok() && !goaway_) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<H2Response> H2Client::RoundTrip(absl::string_view method,
                                               absl::string_view target,
                                               const H2Fields& headers,
                                               std::string body,
                                               absl::string_view authority) {
  absl::StatusOr<int32_t> id =
      Start(method, target, headers, std::move(body), authority);
  if (!id.ok()) return id.status();
  return Wait(*id);
}

}  // namespace protogate::testing
