#include "gateway/proxy/body_pump.h"

#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/proxy/error_response.h"
#include "gateway/transcoding/request_transcoder.h"

namespace protogate::proxy {
namespace {

class WholeBodyStream final : public http::BodyStream {
 public:
  explicit WholeBodyStream(std::string body) : body_(std::move(body)) {}
  void Read(http::BodyReadDone done) override {
    std::move(done)(
        http::BodyPiece{.data = std::exchange(body_, {}), .last = true});
  }

 private:
  std::string body_;
};

class BodyPump : public std::enable_shared_from_this<BodyPump> {
 public:
  BodyPump(std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
           BodyPumpInput input, std::shared_ptr<upstream::StreamCall> call,
           std::shared_ptr<StreamFailure> failure)
      : snapshot_(std::move(snapshot)),
        rt_(rt),
        input_(std::move(input)),
        splitter_(input_.format, kMaxClientStreamMessages),
        call_(std::move(call)),
        failure_(std::move(failure)) {}

  void ReadMore() {
    input_.body->Read(
        [self = shared_from_this()](absl::StatusOr<http::BodyPiece> piece) {
          self->OnPiece(std::move(piece));
        });
  }

 private:
  void OnPiece(absl::StatusOr<http::BodyPiece> piece) {
    if (!piece.ok()) {
      Fail(piece.status());
      return;
    }
    empty_ &= piece->data.empty();
    splitter_.Feed(piece->data);
    if (piece->last) {
      body_done_ = true;
      if (empty_) {  // No body at all: an empty stream.
        call_->WritesDone();
        return;
      }
      splitter_.Finish();
    }
    WriteNext();
  }

  void WriteNext() {
    absl::StatusOr<std::optional<std::string>> item = splitter_.Next();
    if (!item.ok()) {
      Fail(item.status());
      return;
    }
    if (!item->has_value()) {
      if (body_done_) {
        call_->WritesDone();
      } else {
        ReadMore();
      }
      return;
    }
    std::string wire;
    if (absl::Status s = Transcode(**item, wire); !s.ok()) {
      Fail(absl::Status(s.code(),
                        absl::StrCat("message ", index_, ": ", s.message())));
      return;
    }
    ++index_;
    call_->Write(std::move(wire), [self = shared_from_this()](bool written) {
      if (written) {
        self->WriteNext();
      } else {
        self->call_->WritesDone();  // The call is ending; OnDone says why.
      }
    });
  }

  absl::Status Transcode(const std::string& json, std::string& wire) const {
    absl::InlinedVector<transcoding::PathBinding, 4> bindings;
    for (size_t i = 0; i < input_.path_values.size(); ++i) {
      bindings.push_back({.field_path = &rt_.route->variable_fields[i],
                          .value = input_.path_values[i]});
    }
    return transcoding::BuildRequest(
        snapshot_->codecs(), rt_.request_spec, bindings, input_.query,
        transcoding::RequestBody{.bytes = json,
                                 .content_type = "application/json"},
        input_.parse, &wire);
  }

  // Malformed or oversized input is the client's error, answered instead
  // of the cancelled call's; otherwise (the client went away, the response
  // was already sent) the call is just cancelled.
  void Fail(const absl::Status& status) {
    if (status.code() == absl::StatusCode::kInvalidArgument) {
      failure_->Set(
          ErrorResponse(status.code(), base::ToStd(status.message())));
    } else if (status.code() == absl::StatusCode::kResourceExhausted) {
      http::Response response =
          ErrorResponse(status.code(), base::ToStd(status.message()));
      response.status = 413;
      failure_->Set(std::move(response));
    }
    call_->Cancel();
  }

  const std::shared_ptr<const Snapshot> snapshot_;
  const RouteRuntime& rt_;
  const BodyPumpInput input_;
  transcoding::JsonSequenceSplitter splitter_;
  const std::shared_ptr<upstream::StreamCall> call_;
  const std::shared_ptr<StreamFailure> failure_;
  bool body_done_ = false;
  bool empty_ = true;  // No body byte so far.
  size_t index_ = 0;   // Messages written.
};

}  // namespace

bool IsNdjsonContentType(std::string_view content_type) {
  absl::string_view type = absl::StripAsciiWhitespace(
      base::ToAbsl(content_type.substr(0, content_type.find(';'))));
  return absl::EqualsIgnoreCase(type, "application/x-ndjson") ||
         absl::EqualsIgnoreCase(type, "application/ndjson") ||
         absl::EqualsIgnoreCase(type, "application/jsonl");
}

std::shared_ptr<http::BodyStream> WholeBody(std::string body) {
  return std::make_shared<WholeBodyStream>(std::move(body));
}

void StartBodyPump(std::shared_ptr<const Snapshot> snapshot,
                   const RouteRuntime& rt, BodyPumpInput input,
                   std::shared_ptr<upstream::StreamCall> call,
                   std::shared_ptr<StreamFailure> failure) {
  std::make_shared<BodyPump>(std::move(snapshot), rt, std::move(input),
                             std::move(call), std::move(failure))
      ->ReadMore();
}

}  // namespace protogate::proxy
