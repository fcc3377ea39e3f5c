// nghttp2's callbacks of H2ServerSession, and its session setup.
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include "gateway/base/logging.h"
#include "gateway/http/h2_server_fields.h"
#include "gateway/http/h2_server_session.h"

namespace protogate::http {
namespace {

// At most this many SETTINGS ACKs and PING ACKs queued (a client that
// floods SETTINGS or PING without reading is disconnected), entries per
// SETTINGS frame, and CONTINUATION frames per header block.
constexpr size_t kMaxOutboundAck = 1000;
constexpr size_t kMaxSettings = 32;
constexpr size_t kMaxContinuations = 8;
// nghttp2's own rapid reset limit is set above ours, so ours (with
// ENHANCE_YOUR_CALM) acts first.
constexpr uint64_t kLibraryResetFactor = 2;
// Room for a request's regular header fields without regrowing (browsers
// send about ten, API clients a few).
constexpr size_t kExpectedHeaderFields = 12;

std::string_view View(const uint8_t* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

}  // namespace

struct H2ServerSession::Callbacks {
  static H2ServerSession* Self(void* user_data) {
    return static_cast<H2ServerSession*>(user_data);
  }

  static StreamRef Find(H2ServerSession* self, int32_t stream_id) {
    auto it = self->streams_.find(stream_id);
    return it == self->streams_.end() ? nullptr : it->second;
  }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame,
                            void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS ||
        frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
      return 0;
    }
    H2ServerSession* self = Self(user_data);
    auto stream = std::make_shared<H2Stream>(frame->hd.stream_id);
    stream->opened = absl::Now();
    stream->headers.reserve(kExpectedHeaderFields);
    self->last_active_ = stream->opened;
    self->streams_.emplace(frame->hd.stream_id, std::move(stream));
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame,
                      const uint8_t* name_p, size_t name_len,
                      const uint8_t* value_p, size_t value_len, uint8_t,
                      void* user_data) {
    H2ServerSession* self = Self(user_data);
    StreamRef stream = Find(self, frame->hd.stream_id);
    if (stream == nullptr || stream->rejection != 0) return 0;
    stream->header_list_bytes += name_len + value_len + 32;  // RFC 9113 6.5.2
    if (stream->request_phase != H2RequestPhase::kHeaders) {
      // Request trailers: not passed on, but bounded all the same.
      return stream->header_list_bytes > MaxHeaderListBytes(*self->config_)
                 ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE
                 : 0;
    }
    if (stream->header_list_bytes > MaxHeaderListBytes(*self->config_) ||
        stream->headers.size() >= self->config_->limits.max_header_count) {
      stream->rejection = 431;
      return 0;
    }
    const std::string_view name = View(name_p, name_len);
    const std::string_view value = View(value_p, value_len);
    if (name == ":method") {
      stream->method = value;
    } else if (name == ":path") {
      stream->path = value;
    } else if (name == ":authority") {
      stream->authority = value;
    } else if (name == "cookie") {
      if (!stream->cookies.empty()) stream->cookies.append("; ");
      stream->cookies.append(value);
    } else if (name[0] != ':') {
      stream->headers.emplace_back(name, value);
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame,
                         void* user_data) {
    H2ServerSession* self = Self(user_data);
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        StreamRef stream = Find(self, frame->hd.stream_id);
        if (stream == nullptr) return 0;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
          stream->request_phase =
              end_stream ? H2RequestPhase::kComplete : H2RequestPhase::kBody;
          self->OnRequestHead(stream);
        } else if (end_stream) {
          self->OnRequestEnd(stream);
        }
        return 0;
      }
      case NGHTTP2_DATA: {
        StreamRef stream = Find(self, frame->hd.stream_id);
        if (stream != nullptr && end_stream) self->OnRequestEnd(stream);
        return 0;
      }
      case NGHTTP2_RST_STREAM:
        if (!self->TakeResetToken()) {
          PG_LOG(kWarning) << "http2: " << self->remote_address_
                           << " reset streams too fast; closing";
          nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
          self->phase_ = Phase::kClosing;
        }
        return 0;
      default:
        return 0;
    }
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                         const uint8_t* data, size_t len, void* user_data) {
    H2ServerSession* self = Self(user_data);
    StreamRef stream = Find(self, stream_id);
    if (stream == nullptr) {
      nghttp2_session_consume_connection(session, len);
      return 0;
    }
    self->OnRequestBody(stream, data, len);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t,
                           void* user_data) {
    Self(user_data)->OnStreamClosed(stream_id);
    return 0;
  }

  // A response that ended before its request did: RST_STREAM NO_ERROR tells
  // the client to stop sending (RFC 9113 8.1).
  static int OnFrameSend(nghttp2_session* session, const nghttp2_frame* frame,
                         void* user_data) {
    if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) {
      return 0;
    }
    StreamRef stream = Find(Self(user_data), frame->hd.stream_id);
    if (stream != nullptr &&
        stream->request_phase != H2RequestPhase::kComplete) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                NGHTTP2_NO_ERROR);
    }
    return 0;
  }

  // The response body: copies queued pieces; defers while none is queued
  // and the end is not known; ends with the trailers if there are any.
  static ssize_t ReadBody(nghttp2_session* session, int32_t stream_id,
                          uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void* user_data) {
    H2ServerSession* self = Self(user_data);
    auto* stream = static_cast<H2Stream*>(source->ptr);
    size_t n = 0;
    while (n < length && !stream->pieces.empty()) {
      H2Stream::Piece& piece = stream->pieces.front();
      const size_t k = std::min(length - n, piece.data.size() - piece.sent);
      std::memcpy(buf + n, piece.data.data() + piece.sent, k);
      n += k;
      piece.sent += k;
      if (piece.sent == piece.data.size()) {
        if (piece.done != nullptr) {
          self->copied_dones_.push_back(std::move(piece.done));
        }
        stream->pieces.pop_front();
      }
    }
    if (n > 0) stream->last_progress = absl::Now();
    if (stream->pieces.empty() && stream->end == StreamEnd::kComplete) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      stream->response_phase = H2ResponsePhase::kDone;
      if (!stream->trailers.empty()) {
        H2Fields fields;
        fields.AddTrailers(stream->trailers);
        if (!fields.empty() &&
            nghttp2_submit_trailer(session, stream_id, fields.data(),
                                   fields.size()) == 0) {
          *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
      }
      return static_cast<ssize_t>(n);
    }
    if (n == 0) {
      stream->data_deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(n);
  }
};

bool H2ServerSession::SubmitHead(const StreamRef& stream, const Response& head,
                                 bool with_body,
                                 std::optional<size_t> content_length) {
  H2Fields fields;
  fields.AddHead(head, content_length, config_->server_name);
  nghttp2_data_provider provider;
  provider.source.ptr = stream.get();
  provider.read_callback = &Callbacks::ReadBody;
  stream->last_progress = absl::Now();
  stream->response_phase =
      with_body ? H2ResponsePhase::kSending : H2ResponsePhase::kDone;
  return nghttp2_submit_response(session_, stream->id, fields.data(),
                                 fields.size(),
                                 with_body ? &provider : nullptr) == 0;
}

bool H2ServerSession::InitNghttp2() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(
      callbacks, &Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks,
                                                   &Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks,
                                                       &Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      callbacks, &Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(
      callbacks, &Callbacks::OnStreamClose);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks,
                                                       &Callbacks::OnFrameSend);
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    return false;
  }
  const Http2Options& h2 = config_->http2;
  nghttp2_option_set_no_auto_window_update(option, 1);
  nghttp2_option_set_max_outbound_ack(option, kMaxOutboundAck);
  nghttp2_option_set_max_settings(option, kMaxSettings);
  nghttp2_option_set_max_continuations(option, kMaxContinuations);
  // Response headers are encoded from HPACK's static table and literals:
  // keeping a dynamic table (hashing, inserting and evicting every field)
  // costs more per response than the few bytes it saves.
  nghttp2_option_set_max_deflate_dynamic_table_size(option, 0);
  nghttp2_option_set_stream_reset_rate_limit(
      option, uint64_t{h2.reset_burst} * kLibraryResetFactor,
      uint64_t{h2.resets_per_second} * kLibraryResetFactor);
  const int rv =
      nghttp2_session_server_new2(&session_, callbacks, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }
  const std::array<nghttp2_settings_entry, 3> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, h2.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, h2.initial_stream_window_bytes},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<uint32_t>(MaxHeaderListBytes(*config_))},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(),
                              settings.size()) != 0) {
    return false;
  }
  nghttp2_session_set_local_window_size(
      session_, NGHTTP2_FLAG_NONE, 0,
      static_cast<int32_t>(std::min<uint32_t>(
          h2.initial_connection_window_bytes, (1u << 31) - 1)));
  reset_tokens_ = h2.reset_burst;
  reset_refilled_ = absl::Now();
  return true;
}

}  // namespace protogate::http
