// RequestReader's head limit counts the same bytes however the head
// arrives: in one read or in pieces, a head of max_header_bytes is accepted
// and one byte more is refused 431. Chunk lines are held to their line.
#include "gateway/http/request_reader.h"

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace protogate::http {
namespace {

constexpr RequestLimits kLimits{
    .max_header_bytes = 256, .max_header_count = 16, .max_body_bytes = 1024};

// A GET whose head (request line to the empty line included) is `size`
// bytes, padded in one header value.
std::string HeadOfSize(size_t size) {
  const std::string start = "GET /a HTTP/1.1\r\nHost: h\r\nX-Pad: ";
  const std::string end = "\r\n\r\n";
  return start + std::string(size - start.size() - end.size(), 'p') + end;
}

void Append(boost::beast::flat_buffer& buffer, std::string_view bytes) {
  auto space = buffer.prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), static_cast<char*>(space.data()));
  buffer.commit(bytes.size());
}

// The status the head gets (0: accepted), fed `piece` bytes at a time.
int Outcome(const std::string& head, size_t piece) {
  RequestReader reader(kLimits);
  boost::beast::flat_buffer buffer;
  reader.Begin();
  for (size_t at = 0;;) {
    const size_t n = std::min(piece, head.size() - at);
    Append(buffer, std::string_view(head).substr(at, n));
    at += n;
    switch (reader.ParseHead(buffer)) {
      case RequestReader::Progress::kHead:
      case RequestReader::Progress::kComplete:
        return 0;
      case RequestReader::Progress::kRejected:
        return reader.rejection().status;
      case RequestReader::Progress::kNeedMore:
        if (at == head.size()) return -1;  // Never complete.
        break;
    }
  }
}

TEST(RequestReaderTest, HeadLimitIsTheSameInOneReadAndInPieces) {
  for (size_t size = kLimits.max_header_bytes - 4;
       size <= kLimits.max_header_bytes + 4; ++size) {
    SCOPED_TRACE(size);
    const std::string head = HeadOfSize(size);
    ASSERT_EQ(head.size(), size);
    const int expected = size <= kLimits.max_header_bytes ? 0 : 431;
    EXPECT_EQ(Outcome(head, head.size()), expected) << "one read";
    for (size_t piece : {1, 2, 7, 64}) {
      EXPECT_EQ(Outcome(head, piece), expected) << "pieces of " << piece;
    }
  }
}

TEST(RequestReaderTest, SkipsOneEmptyLineBeforeARequest) {
  RequestReader reader(kLimits);
  boost::beast::flat_buffer buffer;
  Append(buffer, "\r\n\r\nGET / HTTP/1.1\r\n");
  EXPECT_TRUE(reader.SkipEmptyLine(buffer));
  EXPECT_FALSE(reader.SkipEmptyLine(buffer));  // Only one per request.
  EXPECT_EQ(buffer.size(), 18u);
  reader.Reset();
  EXPECT_TRUE(reader.SkipEmptyLine(buffer));
}

// The body's outcome once `body` has arrived in one read after a chunked
// head: the status of a rejection, 0 when complete, -1 when still waiting,
// and in `held` what the buffer then holds.
int ChunkedBodyOutcome(const std::string& body, size_t* held) {
  RequestReader reader(kLimits);
  boost::beast::flat_buffer buffer;
  reader.Begin();
  Append(buffer,
         "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(reader.ParseHead(buffer), RequestReader::Progress::kHead);
  Append(buffer, body);
  const RequestReader::Progress p = reader.ParseBody(buffer);
  *held = buffer.size();
  if (p == RequestReader::Progress::kRejected) return reader.rejection().status;
  return p == RequestReader::Progress::kComplete ? 0 : -1;
}

// Beast looks for a chunk extension's closing quote past the end of the
// line: an unclosed quote followed by a stream of bytes must be refused on
// the line, not held while Beast waits for the quote.
TEST(RequestReaderTest, ChunkExtensionQuoteMustCloseOnItsLine) {
  size_t held = 0;
  const std::string tail(8192, 'x');
  EXPECT_EQ(ChunkedBodyOutcome("3;a=\"d\r\nabc\r\n" + tail, &held), 400);
  EXPECT_EQ(ChunkedBodyOutcome("3;a=\"d\\\"\r\nabc\r\n" + tail, &held), 400)
      << "an escaped quote does not close the string";
  EXPECT_EQ(
      ChunkedBodyOutcome("3;a=\"d;\\\"e\";b=c\r\nabc\r\n0\r\n\r\n", &held), 0);
  EXPECT_EQ(held, 0u);
  EXPECT_EQ(ChunkedBodyOutcome("3;a=\"d\r\nab", &held), 400)
      << "refused as soon as the line has ended";
}

// A size of zeros followed by anything but an extension or the line's end
// is refused on the line (Beast would take it for the last chunk and hold
// the bytes after it as a trailer section until an empty line came), as
// is a line ending in a bare LF.
TEST(RequestReaderTest, ChunkSizeLineIsHexDigitsThenExtensionsOrItsEnd) {
  size_t held = 0;
  const std::string tail = "X-T: " + std::string(8192, '0') + "\r\n";
  EXPECT_EQ(ChunkedBodyOutcome("000MPOST /up HTTP/1.1\r\n" + tail, &held), 400);
  EXPECT_EQ(ChunkedBodyOutcome("3x\r\nabc\r\n", &held), 400);
  EXPECT_EQ(ChunkedBodyOutcome("1;e\ne=" + std::string(8192, 'e'), &held), 400)
      << "a bare LF does not end the line for Beast";
  EXPECT_EQ(ChunkedBodyOutcome("3;a=b\r\nabc\r\n00;c\r\n\r\n", &held), 0);
  EXPECT_EQ(held, 0u);
}

}  // namespace
}  // namespace protogate::http
