// http_request: the bytes of one client connection through RequestReader,
// the parser and checks of http::Session, as the session drives it (head,
// then body, then the next pipelined request), without a socket.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/request_checks.h"
#include "gateway/http/request_reader.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

using http::RequestReader;

constexpr http::RequestLimits kLimits{
    .max_header_bytes = 512, .max_header_count = 16, .max_body_bytes = 2048};
// What a reader waiting for more input may hold: a chunk line, the CRLF
// before it, and a trailer section, plus the piece that crossed the limit.
constexpr size_t kMaxHeld =
    http::kMaxChunkLineBytes + kLimits.max_header_bytes + 8 + 64;

// Feeds `input` in pieces of `piece` bytes; each accepted request as
// "METHOD TARGET BODY", a rejection as its status, then stops.
class Connection {
 public:
  Connection(std::string_view input, size_t piece)
      : input_(input), piece_(piece), reader_(kLimits) {}

  absl::StatusOr<std::vector<std::string>> Run() {
    std::vector<std::string> outcomes;
    while (buffer_.size() > 0 || at_ < input_.size()) {
      reader_.Begin();
      RequestReader::Progress p = Step(&RequestReader::ParseHead);
      if (p == RequestReader::Progress::kHead && !reader_.parser().is_done()) {
        p = Step(&RequestReader::ParseBody);
      }
      if (p == RequestReader::Progress::kNeedMore) {  // Cut off.
        cut_off_ = true;
        held_ = buffer_.size();
        break;
      }
      if (p == RequestReader::Progress::kRejected) {
        const int status = reader_.rejection().status;
        if (status < 400 || status > 505) {
          return absl::InternalError(absl::StrCat("status ", status));
        }
        outcomes.push_back(absl::StrCat(status));
        break;
      }
      const auto& message = reader_.parser().get();
      if (message.body().size() > kLimits.max_body_bytes) {
        return absl::InternalError("a body over the limit was accepted");
      }
      std::string outcome(message.method_string());
      outcome.append(" ").append(message.target()).append(" ");
      outcomes.push_back(outcome.append(message.body()));
      reader_.Reset();
    }
    return outcomes;
  }

  // The input ended mid-request; held(): what was buffered then.
  bool cut_off() const { return cut_off_; }
  size_t held() const { return held_; }

 private:
  // Runs `parse` until it needs input that is not there.
  RequestReader::Progress Step(RequestReader::Progress (RequestReader::*parse)(
      boost::beast::flat_buffer&)) {
    for (;;) {
      RequestReader::Progress p = (reader_.*parse)(buffer_);
      if (p != RequestReader::Progress::kNeedMore || at_ >= input_.size()) {
        return p;
      }
      std::string_view next = input_.substr(at_, piece_);
      at_ += next.size();
      auto space = buffer_.prepare(next.size());
      std::copy(next.begin(), next.end(), static_cast<char*>(space.data()));
      buffer_.commit(next.size());
    }
  }

  std::string_view input_;
  size_t piece_;
  size_t at_ = 0;
  bool cut_off_ = false;
  size_t held_ = 0;
  boost::beast::flat_buffer buffer_;
  RequestReader reader_;
};

// Beast finds some errors of an incomplete head (a bad line ending) only
// when the bytes after them have arrived: a run cut off mid-request may
// lack the rejection the other run gave for the same, incomplete request.
bool EarlierRejection(const std::vector<std::string>& cut, bool was_cut_off,
                      const std::vector<std::string>& rejected) {
  return was_cut_off && rejected.size() == cut.size() + 1 &&
         std::equal(cut.begin(), cut.end(), rejected.begin()) &&
         rejected.back().size() == 3;  // A status, not a request.
}

// A request can break two rules (a head both too long and malformed);
// which one Beast reports first may depend on what it had buffered, so
// both runs rejecting the same request is consistent whatever the status.
bool BothRejectTheSameRequest(const std::vector<std::string>& a,
                              const std::vector<std::string>& b) {
  return !a.empty() && a.size() == b.size() &&
         std::equal(a.begin(), a.end() - 1, b.begin()) &&
         a.back().size() == 3 && b.back().size() == 3;
}

}  // namespace

absl::Status CheckHttpRequest(std::string_view input) {
  if (input.empty()) return absl::OkStatus();
  const size_t piece = 1 + static_cast<unsigned char>(input[0]) % 64;
  input.remove_prefix(1);
  Connection at_once(input, input.size() + 1);
  absl::StatusOr<std::vector<std::string>> whole = at_once.Run();
  if (!whole.ok()) return whole.status();
  Connection in_pieces(input, piece);
  absl::StatusOr<std::vector<std::string>> pieces = in_pieces.Run();
  if (!pieces.ok()) return pieces.status();
  if (in_pieces.held() > kMaxHeld) {
    return absl::InternalError("held more input than the limits allow");
  }
  if (*whole != *pieces && !BothRejectTheSameRequest(*whole, *pieces) &&
      !EarlierRejection(*whole, at_once.cut_off(), *pieces) &&
      !EarlierRejection(*pieces, in_pieces.cut_off(), *whole)) {
    return absl::InternalError("the outcome depends on how the bytes arrived");
  }
  return absl::OkStatus();
}

}  // namespace protogate::fuzz
