// grpc_wire.h: grpc-timeout values, percent-decoding of grpc-message, "-bin"
// metadata base64, the judgement of a finished stream (ToCallResult) and the
// status of a reset stream; plus ParseH2Endpoint (h2_channel.h), which
// decides which targets go over the HTTP/2 client.
#include "gateway/upstream/grpc_wire.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "gateway/upstream/h2_channel.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr int64_t kLimit = 1024;

// One gRPC message frame: flags, 4-byte big-endian length, bytes.
std::string Framed(const std::string& message, uint8_t flags = 0) {
  std::string out(1, static_cast<char>(flags));
  const uint32_t n = static_cast<uint32_t>(message.size());
  for (int shift : {24, 16, 8, 0}) {
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  return out + message;
}

// A well-formed OK response carrying `message`.
GrpcResponseParts OkParts(const std::string& message) {
  GrpcResponseParts parts;
  parts.http_status = 200;
  parts.end_stream = true;
  parts.trailers = true;
  parts.grpc_status = "0";
  parts.body = Framed(message);
  return parts;
}

// --- GrpcTimeoutValue ---

TEST(GrpcTimeoutValueTest, MillisecondsRoundUp) {
  EXPECT_EQ(GrpcTimeoutValue(absl::Seconds(15)), "15000m");
  EXPECT_EQ(GrpcTimeoutValue(absl::Milliseconds(1)), "1m");
  EXPECT_EQ(GrpcTimeoutValue(absl::Microseconds(1500)), "2m");
  EXPECT_EQ(GrpcTimeoutValue(absl::Milliseconds(250) + absl::Nanoseconds(1)),
            "251m");
}

TEST(GrpcTimeoutValueTest, NeverZero) {
  EXPECT_EQ(GrpcTimeoutValue(absl::Nanoseconds(1)), "1m");
  EXPECT_EQ(GrpcTimeoutValue(absl::ZeroDuration()), "1m");
}

TEST(GrpcTimeoutValueTest, SwitchesToSecondsPastEightDigitsOfMilliseconds) {
  EXPECT_EQ(GrpcTimeoutValue(absl::Milliseconds(99999999)), "99999999m");
  // 100000 s: nine digits of milliseconds.
  EXPECT_EQ(GrpcTimeoutValue(absl::Milliseconds(100000000)), "100000S");
  // Rounded up to the next whole second, never down.
  EXPECT_EQ(
      GrpcTimeoutValue(absl::Milliseconds(99999999) + absl::Nanoseconds(1)),
      "100000S");
  EXPECT_EQ(GrpcTimeoutValue(absl::Milliseconds(100000001)), "100001S");
}

TEST(GrpcTimeoutValueTest, SwitchesToHoursAndCaps) {
  EXPECT_EQ(GrpcTimeoutValue(absl::Seconds(99999999)), "99999999S");
  // 100000000 s = 27777.8 h, rounded up.
  EXPECT_EQ(GrpcTimeoutValue(absl::Seconds(100000000)), "27778H");
  EXPECT_EQ(GrpcTimeoutValue(absl::Hours(200000000)), "99999999H");
  EXPECT_EQ(GrpcTimeoutValue(absl::InfiniteDuration()), "99999999H");
}

TEST(GrpcTimeoutValueTest, AtMostEightDigitsAndAUnit) {
  for (absl::Duration d : {absl::Nanoseconds(1), absl::Milliseconds(123456789),
                           absl::Seconds(123456789), absl::Hours(123456789),
                           absl::InfiniteDuration()}) {
    const std::string v = GrpcTimeoutValue(d);
    ASSERT_GE(v.size(), 2u) << d;
    EXPECT_LE(v.size(), 9u) << d << " -> " << v;
    EXPECT_THAT(std::string(1, v.back()), ::testing::AnyOf("m", "S", "H"));
    EXPECT_NE(v[0], '0') << v;
  }
}

// --- PercentDecode ---

TEST(PercentDecodeTest, DecodesValidEscapes) {
  EXPECT_EQ(PercentDecode("a%20b"), "a b");
  EXPECT_EQ(PercentDecode("%E2%82%AC 5"), "\xE2\x82\xAC 5");  // "€ 5"
  EXPECT_EQ(PercentDecode("caf%c3%a9"), "caf\xC3\xA9");       // lower case
  EXPECT_EQ(PercentDecode("%25"), "%");
  EXPECT_EQ(PercentDecode("%41"), "A");  // An escape at the very end.
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("plain text"), "plain text");
}

TEST(PercentDecodeTest, KeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%4"), "%4");
  EXPECT_EQ(PercentDecode("%zz%41"), "%zzA");
  EXPECT_EQ(PercentDecode("%%41"), "%A");
  EXPECT_EQ(PercentDecode("%4g"), "%4g");
  EXPECT_EQ(PercentDecode("a%"), "a%");
}

TEST(PercentDecodeTest, DecodesNulAndHighBytes) {
  EXPECT_EQ(PercentDecode("%00%FF"), std::string("\0\xFF", 2));
}

// --- Binary headers ---

TEST(BinaryHeaderTest, EncodesWithoutPadding) {
  EXPECT_EQ(EncodeBinaryHeader("a"), "YQ");
  EXPECT_EQ(EncodeBinaryHeader("ab"), "YWI");
  EXPECT_EQ(EncodeBinaryHeader("abc"), "YWJj");
  EXPECT_EQ(EncodeBinaryHeader(""), "");
}

TEST(BinaryHeaderTest, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n : {0u, 1u, 2u, 3u, 4u, 255u, 256u}) {
    const std::string raw = all.substr(0, n);
    const std::string encoded = EncodeBinaryHeader(raw);
    EXPECT_EQ(encoded.find('='), std::string::npos) << encoded;
    EXPECT_EQ(DecodeBinaryHeader(encoded), raw) << n;
  }
}

TEST(BinaryHeaderTest, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(DecodeBinaryHeader("YQ=="), "a");
  EXPECT_EQ(DecodeBinaryHeader("YQ"), "a");
  EXPECT_EQ(DecodeBinaryHeader("YWI="), "ab");
  EXPECT_EQ(DecodeBinaryHeader("YWI"), "ab");
  EXPECT_EQ(DecodeBinaryHeader(std::string("AP8")), std::string("\0\xFF", 2));
}

TEST(BinaryHeaderTest, RejectsWhatIsNotBase64) {
  EXPECT_EQ(DecodeBinaryHeader("!!!!"), std::nullopt);
  EXPECT_EQ(DecodeBinaryHeader("a"), std::nullopt);  // No whole byte.
  EXPECT_EQ(DecodeBinaryHeader("YQ==YQ"), std::nullopt);
}

// --- ToCallResult ---

TEST(ToCallResultTest, OkWithOneMessage) {
  GrpcResponseParts parts = OkParts("hello");
  parts.headers = {{"x-h", "1"}};
  parts.trailer_metadata = {{"x-t", "2"}};
  CallResult r = ToCallResult(std::move(parts), kLimit);
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_FALSE(r.malformed_response);
  EXPECT_EQ(r.payload, "hello");
  EXPECT_THAT(r.headers, ElementsAre(Pair("x-h", "1")));
  EXPECT_THAT(r.trailers, ElementsAre(Pair("x-t", "2")));
}

TEST(ToCallResultTest, OkWithAnEmptyMessage) {
  CallResult r = ToCallResult(OkParts(""), kLimit);
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_FALSE(r.malformed_response);
  EXPECT_EQ(r.payload, "");
}

TEST(ToCallResultTest, MessageExactlyAtTheLimitIsAccepted) {
  CallResult r = ToCallResult(OkParts(std::string(kLimit, 'x')), kLimit);
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.payload.size(), static_cast<size_t>(kLimit));
}

void ExpectMalformed(const CallResult& r, const std::string& what) {
  EXPECT_TRUE(r.malformed_response) << r.status;
  EXPECT_FALSE(r.over_receive_limit) << r.status;
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInternal) << r.status;
  EXPECT_EQ(std::string(r.status.message()),
            "malformed upstream response: " + what);
  EXPECT_THAT(r.payload, IsEmpty());
}

TEST(ToCallResultTest, NonOkHttpStatusIsMalformed) {
  GrpcResponseParts parts = OkParts("x");
  parts.http_status = 503;
  parts.headers = {{"x-h", "kept"}};
  CallResult r = ToCallResult(std::move(parts), kLimit);
  ExpectMalformed(r, "HTTP status 503");
  EXPECT_THAT(r.headers, ElementsAre(Pair("x-h", "kept")));
}

TEST(ToCallResultTest, NoResponseHeadersIsMalformed) {
  GrpcResponseParts parts = OkParts("x");
  parts.http_status = 0;
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "stream ended without response headers");
}

TEST(ToCallResultTest, NoTrailersIsMalformed) {
  GrpcResponseParts parts = OkParts("x");
  parts.trailers = false;
  parts.grpc_status.reset();
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "stream ended without trailers");
}

TEST(ToCallResultTest, MissingGrpcStatusIsMalformed) {
  GrpcResponseParts parts = OkParts("x");
  parts.grpc_status.reset();
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "trailers without grpc-status");
}

TEST(ToCallResultTest, InvalidGrpcStatusIsMalformed) {
  for (const char* raw :
       {"99", "17", "-1", "ok", "007", "", " 1", "+1", "1 ", "0x1", "100"}) {
    GrpcResponseParts parts = OkParts("x");
    parts.grpc_status = raw;
    ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                    std::string("invalid grpc-status \"") + raw + "\"");
  }
}

TEST(ToCallResultTest, InvalidGrpcStatusIsEscapedAndShortened) {
  GrpcResponseParts parts = OkParts("x");
  parts.grpc_status = std::string("\x01\n") + std::string(100, 'a');
  CallResult r = ToCallResult(std::move(parts), kLimit);
  ExpectMalformed(
      r, "invalid grpc-status \"\\x01\\n" + std::string(30, 'a') + "\"");
}

TEST(ToCallResultTest, EveryValidCodeIsTheBackendsStatus) {
  for (int code = 1; code <= 16; ++code) {
    GrpcResponseParts parts = OkParts("ignored");
    parts.grpc_status = std::to_string(code);
    parts.grpc_message = "m";
    CallResult r = ToCallResult(std::move(parts), kLimit);
    EXPECT_EQ(static_cast<int>(r.status.code()), code);
    EXPECT_EQ(r.status.message(), "m");
    EXPECT_FALSE(r.malformed_response) << code;
    EXPECT_THAT(r.payload, IsEmpty());
  }
}

TEST(ToCallResultTest, TwoDigitZeroIsOk) {
  GrpcResponseParts parts = OkParts("x");
  parts.grpc_status = "00";
  CallResult r = ToCallResult(std::move(parts), kLimit);
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.payload, "x");
}

TEST(ToCallResultTest, ErrorStatusWithEncodedMessageAndDetails) {
  GrpcResponseParts parts;
  parts.http_status = 200;
  parts.end_stream = true;
  parts.trailers = true;  // Trailers-Only.
  parts.grpc_status = "5";
  parts.grpc_message = "shelf %22x%22 not found %E2%9C%93 100%";
  parts.status_details = std::string("\x08\x05\x12\x01x", 5);
  parts.trailer_metadata = {{"x-t", "v"}};
  CallResult r = ToCallResult(std::move(parts), kLimit);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status.message(), "shelf \"x\" not found \xE2\x9C\x93 100%");
  EXPECT_EQ(r.status_details, std::string("\x08\x05\x12\x01x", 5));
  EXPECT_FALSE(r.malformed_response);
  EXPECT_THAT(r.trailers, ElementsAre(Pair("x-t", "v")));
}

TEST(ToCallResultTest, UnknownWithoutMessageIsTheBackendsStatus) {
  GrpcResponseParts parts = OkParts("");
  parts.body.clear();
  parts.grpc_status = "2";
  CallResult r = ToCallResult(std::move(parts), kLimit);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(r.status.message(), "");
  EXPECT_FALSE(r.malformed_response);
}

TEST(ToCallResultTest, OkWithoutAMessageIsMalformed) {
  GrpcResponseParts parts = OkParts("");
  parts.body.clear();
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "status OK without a response message");
}

TEST(ToCallResultTest, CompressedOrBadFlagsAreMalformed) {
  GrpcResponseParts parts = OkParts("");
  parts.body = Framed("zz", 1);
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "compressed message (none was accepted)");
  parts = OkParts("");
  parts.body = Framed("zz", 2);
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "bad message frame flags");
}

TEST(ToCallResultTest, TruncatedFrameOrMessageIsMalformed) {
  GrpcResponseParts parts = OkParts("");
  parts.body = std::string("\0\0\0", 3);
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "truncated message frame");
  parts = OkParts("");
  parts.body = Framed("0123456789").substr(0, 5 + 4);
  ExpectMalformed(ToCallResult(std::move(parts), kLimit), "truncated message");
}

TEST(ToCallResultTest, TwoMessagesAreMalformed) {
  GrpcResponseParts parts = OkParts("");
  parts.body = Framed("one") + Framed("two");
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "more than one message for a unary call");
  parts = OkParts("");
  parts.body = Framed("one") + "x";  // A stray byte after the message.
  ExpectMalformed(ToCallResult(std::move(parts), kLimit),
                  "more than one message for a unary call");
}

TEST(ToCallResultTest, MessageOverTheReceiveLimitNamesBoth) {
  GrpcResponseParts parts = OkParts(std::string(kLimit + 1, 'x'));
  CallResult r = ToCallResult(std::move(parts), kLimit);
  EXPECT_TRUE(r.malformed_response);
  EXPECT_TRUE(r.over_receive_limit);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(r.status.message(),
            "upstream response of 1025 bytes exceeds the receive limit of "
            "1024 bytes");
  EXPECT_THAT(r.payload, IsEmpty());
}

TEST(ToCallResultTest, OverTheLimitIsJudgedFromTheFrameHeaderAlone) {
  // The client stops buffering after the header: only 5 bytes arrive here.
  GrpcResponseParts parts = OkParts("");
  parts.body = Framed(std::string(20 * 1024 * 1024, 'x')).substr(0, 5);
  CallResult r = ToCallResult(std::move(parts), kLimit);
  EXPECT_TRUE(r.malformed_response);
  EXPECT_EQ(r.status.message(),
            "upstream response of 20971520 bytes exceeds the receive limit "
            "of 1024 bytes");
}

// --- ResetStreamStatus ---

TEST(ResetStreamStatusTest, MapsAsGrpcDoes) {
  EXPECT_EQ(ResetStreamStatus(0x7).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ResetStreamStatus(0x8).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ResetStreamStatus(0xb).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ResetStreamStatus(0xc).code(), absl::StatusCode::kPermissionDenied);
  for (uint32_t code : {0x0u, 0x1u, 0x2u, 0x3u, 0x5u, 0x6u, 0x9u, 0xdu}) {
    absl::Status s = ResetStreamStatus(code);
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << code;
    EXPECT_EQ(s.message(), "upstream reset the stream (HTTP/2 error " +
                               std::to_string(code) + ")");
  }
}

// --- ParseH2Endpoint ---

TEST(ParseH2EndpointTest, AcceptsHostPort) {
  std::optional<H2Endpoint> e = ParseH2Endpoint("127.0.0.1:80");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 80);
  EXPECT_EQ(e->authority, "127.0.0.1:80");

  e = ParseH2Endpoint("localhost:1");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->host, "localhost");
  EXPECT_EQ(e->port, 1);
  EXPECT_EQ(e->authority, "localhost:1");

  e = ParseH2Endpoint("backend.example:65535");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->port, 65535);
}

TEST(ParseH2EndpointTest, AcceptsBracketedV6) {
  std::optional<H2Endpoint> e = ParseH2Endpoint("[::1]:50051");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 50051);
  EXPECT_EQ(e->authority, "[::1]:50051");
}

TEST(ParseH2EndpointTest, RejectsSchemesAndBadPorts) {
  for (const char* bad :
       {"dns:///x:1", "unix:///p", "unix:/p:80", "ipv4:1.2.3.4:80", "::1:80",
        "h:0", "h:70000", "h:65536", ":80", "h:", "h", "", "[]:80", "[::1:80",
        "::1]:80", "h:-1", "h:8o", "a/b:80", "[::1]x:80"}) {
    EXPECT_EQ(ParseH2Endpoint(bad), std::nullopt) << bad;
  }
}

// absl::SimpleAtoi alone would skip whitespace and take a '+' sign, and
// "h:+80" would be sent on as :authority: the port must be digits only.
TEST(ParseH2EndpointTest, RejectsSignsAndSpacesInThePort) {
  for (const char* bad : {"h:+80", "h: 80", "h:80 ", "h:\t80"}) {
    EXPECT_FALSE(ParseH2Endpoint(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace protogate::upstream
