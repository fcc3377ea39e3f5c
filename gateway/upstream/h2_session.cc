#include "gateway/upstream/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/base/logging.h"
#include "gateway/base/status_macros.h"
#include "gateway/upstream/call_deadlines.h"
#include "gateway/upstream/h2_stream.h"

namespace protogate::upstream {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr size_t kReadBytes = 64 * 1024;
// Stop collecting frames for one write beyond this.
constexpr size_t kMaxWriteBytes = 256 * 1024;
// The initial receive window of every stream: what a streaming call buffers
// at most while its reader does not read (h2_stream.h). A unary call whose
// response message is larger gets a window of up to kUnaryWindow as soon as
// its frame header arrives, so a backend sending a response up to the usual
// 16 MiB limit rarely waits for a WINDOW_UPDATE. Received bytes are
// acknowledged explicitly (nghttp2_session_consume): a unary call's at once,
// a stream's as it is read.
constexpr int32_t kStreamWindow = 256 * 1024;
constexpr int32_t kUnaryWindow = 8 * 1024 * 1024;
constexpr int32_t kConnectionWindow = 32 * 1024 * 1024;
// Concurrent streams per connection before the backend's SETTINGS arrive
// (or when they set no limit); above it nghttp2 queues new requests.
constexpr uint32_t kPeerMaxStreams = 10000;
// Keepalive pings in a row without HEADERS or DATA from us (as gRPC's
// GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA default).
constexpr int kMaxPingsWithoutData = 2;

absl::string_view View(const uint8_t* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

enum class Indexing { kIndexed, kNeverIndexed };

nghttp2_nv Header(absl::string_view name, absl::string_view value,
                  Indexing indexing = Indexing::kIndexed) {
  return {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
          const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())),
          name.size(), value.size(),
          static_cast<uint8_t>(
              NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE |
              (indexing == Indexing::kNeverIndexed ? NGHTTP2_NV_FLAG_NO_INDEX
                                                   : 0))};
}

// Headers whose value changes with every request (bits of
// H2Session::per_call_named_): entering each value in the connection's
// HPACK dynamic table would cost an insertion (and the eviction of a useful
// entry) per call for nothing, as no later request repeats the value.
enum PerCallHeader : uint8_t {
  kGrpcTimeout = 1,
  kRequestId = 2,
  kTraceparent = 4,
  kTracestate = 8,
};

// The first value of a per-call header on a connection (`named`: the
// headers sent on it so far) is entered in the dynamic table, the later
// ones are sent never indexed: they then refer to that entry's name by its
// index instead of spelling (and Huffman-coding) the name in every HEADERS
// frame. Should the entry be evicted, the name is spelled again.
Indexing PerCallIndexing(uint8_t& named, uint8_t header) {
  if ((named & header) != 0) return Indexing::kNeverIndexed;
  named |= header;
  return Indexing::kIndexed;
}

uint8_t PerCallHeaderOf(absl::string_view name) {
  if (name == "x-request-id") return kRequestId;
  if (name == "traceparent") return kTraceparent;
  if (name == "tracestate") return kTracestate;
  return 0;
}

// Headers gRPC's own client never shows the application as metadata.
bool IsTransportHeader(absl::string_view name) {
  return name == "content-type" || name == "grpc-encoding" ||
         name == "grpc-accept-encoding" || name == "te" ||
         name == "content-length";
}

H2Call* CallOf(nghttp2_session* session, int32_t stream_id) {
  return static_cast<H2Call*>(
      nghttp2_session_get_stream_user_data(session, stream_id));
}

}  // namespace

void FinishCall(H2Call& call, CallResult result) {
  if (call.ended()) return;
  call.phase = H2CallPhase::kEnded;
  result.endpoint = call.endpoint;
  if (call.stream != nullptr) {  // Its timer still bounds the drain.
    FinishStream(call, std::move(result));
    return;
  }
  if (call.deadlines != nullptr) call.deadlines->Remove(call);
  CallCallback done = std::move(call.done);
  std::move(done)(std::move(result));
}

void FinishCall(H2Call& call, absl::Status status) {
  CallResult result;
  result.status = std::move(status);
  FinishCall(call, std::move(result));
}

// nghttp2's callbacks, with the session as user data.
struct H2Session::Callbacks {
  static ssize_t ReadStream(nghttp2_session*, int32_t stream_id, uint8_t* buf,
                            size_t length, uint32_t* flags,
                            nghttp2_data_source* source, void* user_data) {
    auto* call = static_cast<H2Call*>(source->ptr);
    const int64_t n = ReadStreamBody(*call, buf, length, flags);
    if (call->stream->write_handed) {
      auto* self = static_cast<H2Session*>(user_data);
      if (auto it = self->streams_.find(stream_id);
          it != self->streams_.end()) {
        self->pumps_.push_back(it->second);
      }
    }
    return static_cast<ssize_t>(n);
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf,
                          size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void*) {
    auto* call = static_cast<H2Call*>(source->ptr);
    const size_t head = call->prefix.size();
    size_t n = 0;
    if (call->sent < head) {  // The frame header first, then the payload.
      n = std::min(length, head - call->sent);
      std::memcpy(buf, call->prefix.data() + call->sent, n);
      call->sent += n;
    }
    if (call->sent >= head && n < length) {
      const size_t offset = call->sent - head;
      const size_t k = std::min(length - n, call->payload.size() - offset);
      std::memcpy(buf + n, call->payload.data() + offset, k);
      n += k;
      call->sent += k;
    }
    if (call->sent == head + call->payload.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame,
                      const uint8_t* name_p, size_t name_len,
                      const uint8_t* value_p, size_t value_len, uint8_t,
                      void*) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2Call* call = CallOf(session, frame->hd.stream_id);
    if (call == nullptr) return 0;
    const absl::string_view name = View(name_p, name_len);
    const absl::string_view value = View(value_p, value_len);
    GrpcResponseParts& r = call->response;
    const bool first = frame->headers.cat == NGHTTP2_HCAT_RESPONSE;
    // Trailers, or a Trailers-Only response (one HEADERS with END_STREAM).
    const bool trailing =
        !first || (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (name == ":status") {
      int status = 0;
      for (char c : value) status = status * 10 + (c - '0');
      if (first) r.http_status = status;
      return 0;
    }
    if (trailing) r.trailers = true;
    if (name[0] == ':') return 0;
    if (name == "grpc-status") {
      r.grpc_status = std::string(value);
    } else if (name == "grpc-message") {
      r.grpc_message = std::string(value);
    } else if (name == "grpc-status-details-bin") {
      r.status_details = DecodeBinaryHeader(value).value_or(std::string());
    } else if (!IsTransportHeader(name)) {
      std::string v =
          absl::EndsWith(name, "-bin")
              ? DecodeBinaryHeader(value).value_or(std::string(value))
              : std::string(value);
      (trailing ? r.trailer_metadata : r.headers)
          .emplace_back(std::string(name), std::move(v));
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                         const uint8_t* data, size_t len, void* user_data) {
    H2Call* call = CallOf(session, stream_id);
    auto* self = static_cast<H2Session*>(user_data);
    if (call != nullptr && call->stream != nullptr && !call->settled()) {
      if (auto it = self->streams_.find(stream_id);
          it != self->streams_.end()) {
        call->stream->inbox.append(reinterpret_cast<const char*>(data), len);
        self->pumps_.push_back(it->second);
        return 0;
      }
    }
    // A unary call's bytes (or anyone's after the call ended) are taken at
    // once.
    nghttp2_session_consume(session, stream_id, len);
    if (call == nullptr || call->settled()) return 0;
    std::string& body = call->response.body;
    body.append(reinterpret_cast<const char*>(data), len);
    if (!call->length_checked && body.size() >= 5) {
      call->length_checked = true;
      const uint64_t length = MessageFrameLength(body);
      if (length > static_cast<uint64_t>(call->max_receive_message_bytes)) {
        // Judge it now, from the frame header, instead of buffering it.
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id,
                                  NGHTTP2_CANCEL);
        self->completed_.emplace_back(
            self->streams_[stream_id],
            OverReceiveLimit(length, call->max_receive_message_bytes));
        body.clear();
        call->phase = H2CallPhase::kJudged;
      } else if (length + 5 > static_cast<uint64_t>(kStreamWindow)) {
        nghttp2_session_set_local_window_size(
            session, NGHTTP2_FLAG_NONE, stream_id,
            static_cast<int32_t>(
                std::min<uint64_t>(length + 5, uint64_t{kUnaryWindow})));
      }
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame,
                         void* user_data) {
    auto* self = static_cast<H2Session*>(user_data);
    switch (frame->hd.type) {
      case NGHTTP2_DATA:
      case NGHTTP2_HEADERS:
        if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
          if (H2Call* call = CallOf(session, frame->hd.stream_id)) {
            call->response.end_stream = true;
          }
        }
        break;
      case NGHTTP2_GOAWAY:
        if (self->phase_ == H2SessionPhase::kOpen) {
          self->phase_ = H2SessionPhase::kGoaway;
        }
        if (frame->goaway.error_code == NGHTTP2_ENHANCE_YOUR_CALM &&
            View(frame->goaway.opaque_data, frame->goaway.opaque_data_len) ==
                "too_many_pings") {
          self->too_many_pings_ = true;
        }
        break;
      case NGHTTP2_PING:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) != 0 &&
            self->ping_outstanding_) {
          self->ping_outstanding_ = false;
          self->StartKeepalive();
        }
        break;
      default:
        break;
    }
    return 0;
  }

  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame,
                         void* user_data) {
    if (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) {
      static_cast<H2Session*>(user_data)->pings_without_data_ = 0;
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id,
                           uint32_t error_code, void* user_data) {
    auto* self = static_cast<H2Session*>(user_data);
    auto it = self->streams_.find(stream_id);
    if (it == self->streams_.end()) return 0;
    std::shared_ptr<H2Call> call = std::move(it->second);
    self->streams_.erase(it);
    call->session = nullptr;
    if (call->stream != nullptr) {  // Its unread bytes return to the window.
      H2StreamState& s = *call->stream;
      self->released_bytes_ += s.inbox.size() - s.read_pos - s.acked;
      s.acked = s.inbox.size() - s.read_pos;
    }
    if (call->settled()) return 0;
    if (!call->response.end_stream && error_code == NGHTTP2_REFUSED_STREAM &&
        call->response.http_status == 0 && self->Retries(*call)) {
      self->refused_.push_back(std::move(call));
      return 0;
    }
    CallResult result;
    if (call->response.end_stream && call->stream != nullptr) {
      result = ToStreamResult(call->response);
    } else if (call->response.end_stream) {
      result = ToCallResult(std::move(call->response),
                            call->max_receive_message_bytes);
    } else {
      result.status = ResetStreamStatus(error_code);
    }
    self->completed_.emplace_back(std::move(call), std::move(result));
    return 0;
  }

  static int OnFrameNotSend(nghttp2_session* session,
                            const nghttp2_frame* frame, int lib_error,
                            void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto* self = static_cast<H2Session*>(user_data);
    // STREAM_CLOSING: a request cancelled while queued. Anything else (a
    // GOAWAY, a closing session): no new stream can start here.
    if (lib_error != NGHTTP2_ERR_STREAM_CLOSING &&
        self->phase_ == H2SessionPhase::kOpen) {
      self->phase_ = H2SessionPhase::kGoaway;
    }
    auto it = self->streams_.find(frame->hd.stream_id);
    if (it == self->streams_.end()) return 0;
    std::shared_ptr<H2Call> call = std::move(it->second);
    self->streams_.erase(it);
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, nullptr);
    call->session = nullptr;
    if (call->settled()) return 0;
    if (lib_error != NGHTTP2_ERR_STREAM_CLOSING && self->Retries(*call)) {
      self->refused_.push_back(std::move(call));  // Its HEADERS never left.
      return 0;
    }
    CallResult result;
    result.status = absl::UnavailableError(
        absl::StrCat("upstream connection cannot start a stream: ",
                     nghttp2_strerror(lib_error)));
    self->completed_.emplace_back(std::move(call), std::move(result));
    return 0;
  }
};

absl::StatusOr<std::shared_ptr<H2Session>> H2Session::Start(
    H2Socket socket, H2SessionOptions options) {
  std::shared_ptr<H2Session> self(
      new H2Session(std::move(socket), nullptr, std::move(options)));
  PG_RETURN_IF_ERROR(self->Begin());
  return self;
}

absl::StatusOr<std::shared_ptr<H2Session>> H2Session::Start(
    std::unique_ptr<H2TlsStream> tls, H2SessionOptions options) {
  std::shared_ptr<H2Session> self(
      new H2Session(std::nullopt, std::move(tls), std::move(options)));
  PG_RETURN_IF_ERROR(self->Begin());
  return self;
}

absl::Status H2Session::Begin() {
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) {
    return absl::InternalError("nghttp2: out of memory");
  }
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      cbs, &Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
                                                       &Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs,
                                                       &Callbacks::OnFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(
      cbs, &Callbacks::OnStreamClose);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(
      cbs, &Callbacks::OnFrameNotSend);
  // Until the backend's SETTINGS say otherwise, nghttp2 allows 100 streams;
  // gRPC servers usually set no limit at all, so do not hold calls back.
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(cbs);
    return absl::InternalError("nghttp2: out of memory");
  }
  nghttp2_option_set_peer_max_concurrent_streams(option, kPeerMaxStreams);
  nghttp2_option_set_no_auto_window_update(option, 1);
  const int rv = nghttp2_session_client_new2(&session_, cbs, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) return absl::InternalError("nghttp2: cannot create a session");
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings,
                          sizeof(settings) / sizeof(settings[0]));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        kConnectionWindow);
  error_code ignored;
  socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  Read();
  ScheduleFlush();
  StartKeepalive();
  if (options_.open_connections != nullptr) {
    options_.open_connections->fetch_add(1, std::memory_order_relaxed);
    counted_ = true;
  }
  return absl::OkStatus();
}

void H2Session::Uncount() {
  if (!counted_) return;
  counted_ = false;
  options_.open_connections->fetch_sub(1, std::memory_order_relaxed);
}

H2Session::H2Session(std::optional<H2Socket> plain,
                     std::unique_ptr<H2TlsStream> tls, H2SessionOptions options)
    : plain_(std::move(plain)),
      tls_(std::move(tls)),
      options_(std::move(options)),
      in_(new uint8_t[kReadBytes]),
      keepalive_(socket().get_executor()) {}

H2Session::~H2Session() {
  Uncount();
  if (session_ != nullptr) nghttp2_session_del(session_);
}

bool H2Session::accepting() const {
  return phase_ == H2SessionPhase::kOpen &&
         nghttp2_session_get_next_stream_id(session_) < (1u << 30);
}

void H2Session::Submit(std::shared_ptr<H2Call> call) {
  // Computed now, not when the call was made: it may have waited for a
  // connection, or be a retry.
  call->timeout = GrpcTimeoutValue(
      absl::FromChrono(call->deadline - std::chrono::steady_clock::now()));
  absl::InlinedVector<nghttp2_nv, 16> nva;  // nghttp2 copies the array.
  nva.reserve(8 + call->metadata.size());
  nva.push_back(Header(":method", "POST"));
  nva.push_back(Header(":scheme", tls_ != nullptr ? "https" : "http"));
  nva.push_back(Header(":path", call->path));
  nva.push_back(Header(":authority", options_.authority));
  nva.push_back(Header("content-type", "application/grpc"));
  nva.push_back(Header("te", "trailers"));
  // The time left differs from call to call.
  nva.push_back(Header("grpc-timeout", call->timeout,
                       PerCallIndexing(per_call_named_, kGrpcTimeout)));
  for (const auto& [key, value] : call->metadata) {
    const uint8_t per_call = PerCallHeaderOf(key);
    nva.push_back(Header(key, value,
                         per_call != 0
                             ? PerCallIndexing(per_call_named_, per_call)
                             : Indexing::kIndexed));
  }
  if (!call->traceparent.empty()) {
    nva.push_back(Header(
        "traceparent",
        absl::string_view(call->traceparent.text.data(), Traceparent::kSize),
        PerCallIndexing(per_call_named_, kTraceparent)));
  }
  nghttp2_data_provider body;
  body.source.ptr = call.get();
  body.read_callback =
      call->stream != nullptr ? &Callbacks::ReadStream : &Callbacks::ReadBody;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(),
                                            nva.size(), &body, call.get());
  if (id < 0) {
    FinishCall(*call, absl::UnavailableError(absl::StrCat(
                          "upstream connection cannot start a stream: ",
                          nghttp2_strerror(id))));
    return;
  }
  call->phase = H2CallPhase::kOpen;
  call->session = this;
  call->stream_id = id;
  streams_.emplace(id, std::move(call));
  ScheduleFlush();
}

void H2Session::Cancel(H2Call& call, absl::Status status) {
  CallResult result;
  result.status = std::move(status);
  Cancel(call, std::move(result));
}

void H2Session::Cancel(H2Call& call, CallResult result) {
  if (call.ended()) return;
  if (call.session == this && !closed()) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, call.stream_id,
                              NGHTTP2_CANCEL);
    ScheduleFlush();
  }
  FinishCall(call, std::move(result));
}

void H2Session::Consume(int32_t stream_id, size_t n) {
  if (closed()) return;
  nghttp2_session_consume(session_, stream_id, n);
  ScheduleFlush();
}

void H2Session::ResumeData(int32_t stream_id) {
  if (closed()) return;
  nghttp2_session_resume_data(session_, stream_id);
  ScheduleFlush();
}

void H2Session::Close() {
  Fail(absl::UnavailableError("upstream connection closed by the gateway"));
}

void H2Session::Retire() {
  if (closed()) return;
  phase_ = H2SessionPhase::kRetired;
  if (streams_.empty()) Close();
}

void H2Session::ScheduleFlush() {
  if (flush_posted_ || writing_ || closed()) return;
  flush_posted_ = true;
  asio::post(socket().get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->Flush();
  });
}

void H2Session::Flush() {
  if (writing_ || closed()) return;
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      Fail(absl::UnavailableError(
          absl::StrCat("upstream HTTP/2 error: ", nghttp2_strerror(n))));
      return;
    }
    if (n == 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (out_.size() >= kMaxWriteBytes) break;
  }
  RunCompletions();
  if (closed()) return;
  if (out_.empty()) {
    if ((phase_ == H2SessionPhase::kRetired && streams_.empty()) ||
        (nghttp2_session_want_read(session_) == 0 &&
         nghttp2_session_want_write(session_) == 0)) {
      Close();  // Retired, or GOAWAY exchanged, and every stream done.
    }
    return;
  }
  writing_ = true;
  auto written = [self = shared_from_this()](const error_code& ec, size_t) {
    self->writing_ = false;
    self->out_.clear();
    if (ec) {
      self->Fail(absl::UnavailableError(
          absl::StrCat("upstream connection failed: ", ec.message())));
      return;
    }
    self->Flush();
  };
  if (tls_ != nullptr) {
    asio::async_write(*tls_, asio::buffer(out_), std::move(written));
  } else {
    asio::async_write(*plain_, asio::buffer(out_), std::move(written));
  }
}

void H2Session::Read() {
  auto read = [self = shared_from_this()](const error_code& ec, size_t n) {
    if (self->closed()) return;
    if (ec) {
      self->Fail(absl::UnavailableError(
          ec == asio::error::eof
              ? std::string("upstream closed the connection")
              : absl::StrCat("upstream connection failed: ", ec.message())));
      return;
    }
    const ssize_t rv =
        nghttp2_session_mem_recv(self->session_, self->in_.get(), n);
    if (rv < 0) {
      self->Fail(absl::UnavailableError(absl::StrCat(
          "upstream HTTP/2 protocol error: ", nghttp2_strerror(rv))));
      return;
    }
    self->RunCompletions();
    self->Flush();
    if (!self->closed()) self->Read();
  };
  if (tls_ != nullptr) {
    tls_->async_read_some(asio::buffer(in_.get(), kReadBytes), std::move(read));
  } else {
    plain_->async_read_some(asio::buffer(in_.get(), kReadBytes),
                            std::move(read));
  }
}

void H2Session::RunCompletions() {
  // Finishing or resubmitting may drop the last other owner of this session.
  const std::shared_ptr<H2Session> keep = shared_from_this();
  while (!completed_.empty() || !refused_.empty() || !pumps_.empty()) {
    std::vector<std::pair<std::shared_ptr<H2Call>, CallResult>> batch;
    batch.swap(completed_);
    for (auto& [call, result] : batch) {
      FinishCall(*call, std::move(result));  // Unless it ended meanwhile.
    }
    // The storage goes back for the next completions (one allocation per
    // response otherwise), unless those finished meanwhile took new one.
    batch.clear();
    if (completed_.empty() && completed_.capacity() < batch.capacity()) {
      completed_.swap(batch);
    }
    auto refused = std::move(refused_);
    refused_.clear();
    for (auto& call : refused) {
      if (call->ended()) continue;  // Its deadline or canceller came first.
      if (call->deadline <= std::chrono::steady_clock::now()) {
        FinishCall(*call, absl::DeadlineExceededError("deadline exceeded"));
        continue;
      }
      call->retried = true;
      call->NewAttempt();
      options_.resubmit(std::move(call));  // May close this session.
    }
    auto pumps = std::move(pumps_);
    pumps_.clear();
    for (auto& call : pumps) PumpStream(*call);
  }
  if (released_bytes_ > 0 && !closed()) {
    nghttp2_session_consume_connection(session_, released_bytes_);
    released_bytes_ = 0;
    ScheduleFlush();
  }
}

bool H2Session::Retries(const H2Call& call) const {
  // Incremental writes are gone once handed over: no replay then.
  return !call.retried && options_.resubmit != nullptr &&
         (call.stream == nullptr || call.stream->replayable ||
          !call.stream->sent_any);
}

void H2Session::Fail(absl::Status status) {
  if (closed()) return;
  phase_ = H2SessionPhase::kClosed;
  Uncount();
  error_code ignored;
  socket().shutdown(asio::socket_base::shutdown_both, ignored);
  socket().close(ignored);
  keepalive_.cancel();
  auto streams = std::move(streams_);
  streams_.clear();
  RunCompletions();
  for (auto& [id, call] : streams) {
    call->session = nullptr;
    FinishCall(*call, status);
  }
}

void H2Session::StartKeepalive() {
  if (closed()) return;
  // At least 1 ms, as the gRPC channels clamp it.
  keepalive_.expires_after(absl::ToChronoNanoseconds(std::max(
      absl::Milliseconds(1), ping_outstanding_ ? options_.keepalive_timeout
                                               : options_.keepalive_time)));
  keepalive_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->OnKeepaliveTimer();
  });
}

void H2Session::OnKeepaliveTimer() {
  if (closed()) return;
  if (ping_outstanding_) {
    Fail(absl::UnavailableError("upstream did not answer a keepalive ping"));
    return;
  }
  // Like gRPC's own client, at most kMaxPingsWithoutData pings until we
  // send HEADERS or DATA again: stock gRPC servers count every ping sooner
  // than 5 minutes after the last as a strike, and close the connection
  // (GOAWAY too_many_pings) after two.
  if ((!streams_.empty() || options_.keepalive_permit_without_calls) &&
      pings_without_data_ < kMaxPingsWithoutData) {
    nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
    ping_outstanding_ = true;
    ++pings_without_data_;
    ScheduleFlush();
  }
  StartKeepalive();
}

}  // namespace protogate::upstream
