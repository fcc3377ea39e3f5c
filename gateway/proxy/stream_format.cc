#include "gateway/proxy/stream_format.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/base/strings.h"

namespace protogate::proxy {
namespace {

bool FormatOf(absl::string_view type, StreamFormat& format) {
  if (absl::EqualsIgnoreCase(type, "application/x-ndjson") ||
      absl::EqualsIgnoreCase(type, "application/ndjson") ||
      absl::EqualsIgnoreCase(type, "application/jsonl")) {
    format = StreamFormat::kNdjson;
  } else if (absl::EqualsIgnoreCase(type, "text/event-stream")) {
    format = StreamFormat::kSse;
  } else if (absl::EqualsIgnoreCase(type, "application/json") ||
             absl::EqualsIgnoreCase(type, "application/*") || type == "*/*") {
    format = StreamFormat::kJsonArray;
  } else {
    return false;
  }
  return true;
}

// The q-value of a media range's parameters; 1 when absent or malformed.
double QValue(absl::string_view params) {
  for (absl::string_view param : absl::StrSplit(params, ';')) {
    param = absl::StripAsciiWhitespace(param);
    if (param.size() > 2 && absl::StartsWithIgnoreCase(param, "q=")) {
      double q = 1;
      if (absl::SimpleAtod(param.substr(2), &q) && q >= 0 && q <= 1) return q;
    }
  }
  return 1;
}

// Each line of `json` as an SSE data field.
std::string SseData(std::string_view json) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(base::ToAbsl(json), '\n')) {
    absl::StrAppend(&out, "data: ", line, "\n");
  }
  out.push_back('\n');
  return out;
}

}  // namespace

StreamFormat NegotiateStreamFormat(std::string_view accept) {
  StreamFormat best = StreamFormat::kJsonArray;
  double best_q = 0;
  for (absl::string_view range : absl::StrSplit(base::ToAbsl(accept), ',')) {
    size_t semicolon = range.find(';');
    absl::string_view type =
        absl::StripAsciiWhitespace(range.substr(0, semicolon));
    StreamFormat format;
    if (!FormatOf(type, format)) continue;
    double q = semicolon == absl::string_view::npos
                   ? 1
                   : QValue(range.substr(semicolon + 1));
    if (q > best_q) {
      best = format;
      best_q = q;
    }
  }
  return best;
}

std::string_view StreamContentType(StreamFormat format) {
  switch (format) {
    case StreamFormat::kJsonArray:
      return "application/json";
    case StreamFormat::kNdjson:
      return "application/x-ndjson";
    case StreamFormat::kSse:
      return "text/event-stream";
    case StreamFormat::kRaw:
      break;
  }
  return "application/octet-stream";
}

std::string FrameMessage(StreamFormat format, std::string_view json,
                         bool first) {
  switch (format) {
    case StreamFormat::kJsonArray:
      return absl::StrCat(first ? "[" : ",", base::ToAbsl(json));
    case StreamFormat::kNdjson:
      return absl::StrCat(base::ToAbsl(json), "\n");
    case StreamFormat::kSse:
      return SseData(json);
    case StreamFormat::kRaw:
      break;
  }
  return std::string(json);
}

std::string FrameEnd(StreamFormat format, size_t count) {
  if (format != StreamFormat::kJsonArray) return std::string();
  return count == 0 ? "[]" : "]";
}

std::string FrameError(StreamFormat format, std::string_view status_json) {
  switch (format) {
    case StreamFormat::kJsonArray:
      return absl::StrCat(",", base::ToAbsl(status_json));
    case StreamFormat::kNdjson:
      return absl::StrCat(base::ToAbsl(status_json), "\n");
    case StreamFormat::kSse:
      return absl::StrCat("event: error\n", SseData(status_json));
    case StreamFormat::kRaw:
      break;
  }
  return std::string();
}

}  // namespace protogate::proxy
