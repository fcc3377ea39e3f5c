// http2_request: the bytes of one HTTP/2 client connection through
// http::H2ServerSession (nghttp2 with protogate's callbacks: header limits,
// method and Content-Length checks, body limits, streamed bodies, rapid
// reset), over an in-memory ByteStream instead of a socket.
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/byte_stream.h"
#include "gateway/http/h2_server_session.h"
#include "gateway/http/io_loop.h"
#include "gateway/http/responder.h"
#include "gateway/http/session.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// The client connection preface and an empty SETTINGS frame: every input
// continues a connection that nghttp2 has accepted.
constexpr std::string_view kPreface(
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0", 33);
constexpr size_t kMaxBodyBytes = 2048;
constexpr size_t kMaxHeaderCount = 16;

// Hands out the input `piece` bytes per read, then EOF; collects writes.
class MemoryByteStream final : public http::ByteStream {
 public:
  MemoryByteStream(asio::io_context& ioc, std::string input, size_t piece)
      : ioc_(ioc), input_(std::move(input)), piece_(piece) {}

  void ReadSome(asio::mutable_buffer buffer, http::IoDone done) override {
    size_t n = std::min({piece_, buffer.size(), input_.size() - at_});
    std::copy_n(input_.data() + at_, n, static_cast<char*>(buffer.data()));
    at_ += n;
    const error_code ec =
        closed_ ? asio::error::operation_aborted
                : (n == 0 ? error_code(asio::error::eof) : error_code());
    asio::post(ioc_, [done = std::move(done), ec, n]() mutable {
      std::move(done)(ec, n);
    });
  }
  void WriteAll(asio::const_buffer buffer, http::IoDone done) override {
    written_ += buffer.size();
    const error_code ec =
        closed_ ? asio::error::operation_aborted : error_code();
    asio::post(ioc_, [done = std::move(done), ec, n = buffer.size()]() mutable {
      std::move(done)(ec, n);
    });
  }
  void Close() override { closed_ = true; }
  std::string RemoteAddress() const override { return "fuzz"; }

 private:
  asio::io_context& ioc_;
  const std::string input_;
  const size_t piece_;
  size_t at_ = 0;
  size_t written_ = 0;
  bool closed_ = false;
};

bool IsUpperAlpha(std::string_view method) {
  if (method.empty()) return false;
  for (char c : method) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// What the handler saw that the session's checks should have refused.
struct Findings {
  std::string broken;
  void Note(std::string_view what) {
    if (broken.empty()) broken = std::string(what);
  }
};

// Reads a streamed body to its end (or error), then answers.
void ReadStreamed(std::shared_ptr<http::BodyStream> body,
                  std::shared_ptr<http::Responder> responder,
                  std::shared_ptr<Findings> findings, size_t total) {
  body->Read([body, responder, findings,
              total](absl::StatusOr<http::BodyPiece> piece) mutable {
    if (!piece.ok()) {
      responder->Send({.status = 400});
      return;
    }
    total += piece->data.size();
    if (total > kMaxBodyBytes) findings->Note("a streamed body over the limit");
    if (!piece->last) {
      ReadStreamed(std::move(body), std::move(responder), std::move(findings),
                   total);
      return;
    }
    responder->Send({.status = 200, .body = absl::StrCat(total)});
  });
}

std::shared_ptr<const http::SessionConfig> Config(
    std::shared_ptr<Findings> findings) {
  auto config = std::make_shared<http::SessionConfig>();
  config->limits = {.max_header_bytes = 1024,
                    .max_header_count = kMaxHeaderCount,
                    .max_body_bytes = kMaxBodyBytes};
  config->read_timeout = absl::Seconds(30);
  config->idle_timeout = absl::Seconds(30);
  config->server_name = "protogate";
  config->http2.max_concurrent_streams = 8;
  config->http2.initial_stream_window_bytes = 4096;
  config->http2.reset_burst = 4;
  config->http2.resets_per_second = 1;
  config->stream_body = [](std::string_view method, std::string_view target) {
    return method == "PUT" || target.starts_with("/stream");
  };
  config->handler = [findings](const http::Request& request,
                               http::Responder responder) {
    if (!IsUpperAlpha(request.method()) || request.method() == "CONNECT") {
      findings->Note("a method the session refuses reached the handler");
    }
    if (request.headers().size() > kMaxHeaderCount + 2) {  // + cookie, host
      findings->Note("more header fields than the limit");
    }
    if (request.body().size() > kMaxBodyBytes) {
      findings->Note("a body over the limit");
    }
    if (request.body_stream() != nullptr) {
      ReadStreamed(request.body_stream(),
                   std::make_shared<http::Responder>(std::move(responder)),
                   findings, 0);
      return;
    }
    responder.Send({.status = 200, .body = request.body()});
  };
  return config;
}

}  // namespace

absl::Status CheckHttp2Request(std::string_view input) {
  if (input.empty()) return absl::OkStatus();
  const size_t piece =
      1 + 4 * static_cast<size_t>(static_cast<unsigned char>(input[0]));
  input.remove_prefix(1);
  auto findings = std::make_shared<Findings>();
  auto loop = std::make_shared<http::IoLoop>();
  auto session = std::make_shared<http::H2ServerSession>(
      loop, Config(findings),
      std::make_unique<MemoryByteStream>(
          loop->ioc, std::string(kPreface).append(input), piece));
  session->Start();
  session.reset();
  // Every input ends in EOF: the session closes and its work ends.
  loop->ioc.run_for(std::chrono::seconds(5));
  if (!loop->ioc.stopped() || !loop->sessions.empty()) {
    return absl::InternalError(
        "http2_request: the session did not close at the end of the input");
  }
  if (!findings->broken.empty()) {
    return absl::InternalError(
        absl::StrCat("http2_request: ", findings->broken));
  }
  return absl::OkStatus();
}

}  // namespace protogate::fuzz
