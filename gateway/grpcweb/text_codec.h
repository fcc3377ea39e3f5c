// The gRPC-Web text mode (application/grpc-web-text): bodies are base64.
// A request body may be several base64 chunks, each padded, concatenated
// (a client that encodes each frame by itself sends that);
// TextDecoder decodes such a body as it arrives. Responses are encoded one
// piece at a time with EncodeText, each piece padded on its own.
//
// Thread safety: a TextDecoder belongs to one body, one thread at a time.
//
// Example:
//   TextDecoder decoder;
//   std::string bytes;
//   PG_RETURN_IF_ERROR(decoder.Append(piece, bytes));  // Then frames.
//   PG_RETURN_IF_ERROR(decoder.Finish());
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace protogate::grpcweb {

class TextDecoder {
 public:
  // Decodes `text` (continuing the body so far) and appends the bytes to
  // `out`. INVALID_ARGUMENT naming the offset for a byte that is not base64
  // (whitespace is skipped) or padding inside a quantum; the decoder then
  // stays failed.
  absl::Status Append(std::string_view text, std::string& out);
  // At the end of the body: INVALID_ARGUMENT when it ended inside a
  // 4-character quantum.
  absl::Status Finish() const;

 private:
  std::string quantum_;  // Base64 characters not decoded yet (< 4 between
                         // calls).
  size_t offset_ = 0;    // Characters of the body read so far.
  absl::Status failed_;
};

// `bytes` as padded base64.
std::string EncodeText(std::string_view bytes);

}  // namespace protogate::grpcweb
