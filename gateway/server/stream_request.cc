#include "gateway/server/stream_request.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/json_sequence.h"

namespace protogate::server {

bool IsNdjsonContentType(std::string_view content_type) {
  absl::string_view type = absl::StripAsciiWhitespace(
      base::ToAbsl(content_type.substr(0, content_type.find(';'))));
  return absl::EqualsIgnoreCase(type, "application/x-ndjson") ||
         absl::EqualsIgnoreCase(type, "application/ndjson") ||
         absl::EqualsIgnoreCase(type, "application/jsonl");
}

absl::StatusOr<std::vector<std::string>> BuildStreamMessages(
    const transcoding::CodecSet& codecs, const transcoding::RequestSpec& spec,
    absl::Span<const transcoding::PathBinding> bindings,
    std::string_view raw_query, const StreamBody& body,
    const transcoding::ParseOptions& parse) {
  std::vector<std::string> messages;
  if (!body.client_streaming) {
    std::string& wire = messages.emplace_back();
    absl::Status s = transcoding::BuildRequest(
        codecs, spec, bindings, raw_query,
        transcoding::RequestBody{.bytes = body.bytes,
                                 .content_type = body.content_type},
        parse, &wire);
    if (!s.ok()) return s;
    return messages;
  }
  if (body.bytes.empty()) return messages;  // No body: an empty stream.
  absl::StatusOr<std::vector<std::string>> items =
      transcoding::SplitJsonSequence(
          body.bytes,
          IsNdjsonContentType(body.content_type)
              ? transcoding::SequenceFormat::kNdjson
              : transcoding::SequenceFormat::kJsonArray,
          kMaxClientStreamMessages);
  if (!items.ok()) return items.status();
  messages.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    std::string& wire = messages.emplace_back();
    absl::Status s = transcoding::BuildRequest(
        codecs, spec, bindings, raw_query,
        transcoding::RequestBody{.bytes = (*items)[i],
                                 .content_type = "application/json"},
        parse, &wire);
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("message ", i, ": ", s.message()));
    }
  }
  return messages;
}

}  // namespace protogate::server
