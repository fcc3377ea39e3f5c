// Streaming methods through the real gateway and a real demo backend
// (docs/HTTP_RULES.md, Streams): server streams in the three formats, errors
// before and after the first message, backpressure, cancellation, client
// streams and bidirectional streams.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/proxy/stream_format.h"
#include "gtest/gtest.h"
#include "tests/server/gateway_fixture.h"

namespace protogate::server {

using proxy::Snapshot;
using proxy::SnapshotOptions;
namespace {

using testing::HttpConnection;
using testing::HttpResponse;

constexpr absl::string_view kStream = "/v1/shelves/1/books:stream";

std::vector<std::string> Lines(const std::string& body) {
  std::vector<std::string> lines = absl::StrSplit(body, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Polls `condition` every millisecond for at most `limit`.
template <typename F>
bool Eventually(F condition, absl::Duration limit = absl::Seconds(10)) {
  const absl::Time until = absl::Now() + limit;
  while (!condition()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

class StreamTest : public GatewayFixture {
 protected:
  demo::BookstoreService& service() { return backend_->service(); }
};

TEST_F(StreamTest, JsonArrayByDefault) {
  HttpResponse r = Call("GET", kStream);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
  EXPECT_TRUE(r.complete);
  rapidjson::Document doc = Json(r);
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 3u);
  EXPECT_STREQ(doc[0]["title"].GetString(), "The Left Hand of Darkness");
  EXPECT_STREQ(doc[2]["id"].GetString(), "3");
}

TEST_F(StreamTest, NdjsonByAccept) {
  HttpResponse r = Call("GET", kStream, "", {"Accept: application/x-ndjson"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/x-ndjson");
  EXPECT_TRUE(r.complete);
  std::vector<std::string> lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    rapidjson::Document doc;
    doc.Parse(lines[i].data(), lines[i].size());
    ASSERT_FALSE(doc.HasParseError()) << lines[i];
    EXPECT_EQ(std::string(doc["id"].GetString()), std::to_string(i + 1));
  }
}

TEST_F(StreamTest, ServerSentEventsByAccept) {
  HttpResponse r = Call("GET", kStream, "", {"Accept: text/event-stream"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/event-stream");
  EXPECT_EQ(r.Header("cache-control"), "no-cache");
  std::vector<std::string> events = absl::StrSplit(r.body, "\n\n");
  ASSERT_EQ(events.size(), 4u) << r.body;  // Three events and "".
  EXPECT_TRUE(absl::StartsWith(events[0], "data: {\"id\":\"1\""));
  EXPECT_TRUE(absl::StartsWith(events[2], "data: {\"id\":\"3\""));
  EXPECT_EQ(events[3], "");
}

TEST_F(StreamTest, HighestQualityFormatWins) {
  HttpResponse r =
      Call("GET", kStream, "",
           {"Accept: application/x-ndjson;q=0.5, text/event-stream;q=0.9"});
  EXPECT_EQ(r.Header("content-type"), "text/event-stream");
}

TEST_F(StreamTest, ErrorBeforeTheFirstMessageIsAnOrdinaryResponse) {
  HttpResponse r = Call("GET", "/v1/shelves/9/books:stream");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["code"].GetInt(), 5);
  EXPECT_STREQ(doc["message"].GetString(), "shelf 9 not found");
}

TEST_F(StreamTest, EmptyStream) {
  HttpResponse array =
      Call("GET", "/v1/shelves/1/books:stream?genre=GENRE_POETRY");
  EXPECT_EQ(array.status, 200);
  EXPECT_EQ(array.body, "[]");
  HttpResponse ndjson =
      Call("GET", "/v1/shelves/1/books:stream?genre=GENRE_POETRY", "",
           {"Accept: application/x-ndjson"});
  EXPECT_EQ(ndjson.status, 200);
  EXPECT_EQ(ndjson.body, "");
}

constexpr absl::string_view kStatusAfterTwo =
    R"({"code":10,"message":"demo stream failure after 2 books","details":[]})";

TEST_F(StreamTest, ErrorAfterTheFirstMessageInJsonArray) {
  HttpResponse r = Call("GET", absl::StrCat(kStream, "?fail_after=2"));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete) << "a failed stream must not end cleanly";
  EXPECT_TRUE(absl::StartsWith(r.body, "[{\"id\":\"1\""));
  EXPECT_TRUE(absl::EndsWith(r.body, absl::StrCat(",", kStatusAfterTwo)))
      << r.body;
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  EXPECT_TRUE(doc.HasParseError()) << "no closing bracket after an error";
}

TEST_F(StreamTest, ErrorAfterTheFirstMessageInNdjson) {
  HttpResponse r = Call("GET", absl::StrCat(kStream, "?fail_after=2"), "",
                        {"Accept: application/x-ndjson"});
  EXPECT_FALSE(r.complete);
  std::vector<std::string> lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 3u) << r.body;
  EXPECT_EQ(lines[2], kStatusAfterTwo);
}

TEST_F(StreamTest, ErrorAfterTheFirstMessageInServerSentEvents) {
  HttpResponse r = Call("GET", absl::StrCat(kStream, "?fail_after=1"), "",
                        {"Accept: text/event-stream"});
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(absl::EndsWith(
      r.body,
      "\n\nevent: error\ndata: {\"code\":10,\"message\":\"demo stream failure "
      "after 1 books\",\"details\":[]}\n\n"))
      << r.body;
}

TEST_F(StreamTest, DeadlineMidStreamIsInBand) {
  HttpResponse r =
      Call("GET", absl::StrCat(kStream, "?delay_ms=200&repeat=100"), "",
           {"Accept: application/x-ndjson", "X-Server-Timeout: 0.5"});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);
  std::vector<std::string> lines = Lines(r.body);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(
      lines.back(),
      R"({"code":4,"message":"upstream deadline exceeded","details":[]})");
}

TEST_F(StreamTest, ConnectionIsReusedAfterACompleteStream) {
  auto conn = HttpConnection::Connect(server_->port());
  ASSERT_TRUE(conn.ok());
  for (int i = 0; i < 3; ++i) {
    auto r = (*conn)->RoundTrip(
        absl::StrCat("GET ", kStream, " HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->complete);
    EXPECT_EQ(Json(*r).Size(), 3u);
  }
}

TEST_F(StreamTest, ConnectionClosesAfterAFailedStream) {
  auto conn = HttpConnection::Connect(server_->port());
  ASSERT_TRUE(conn.ok());
  auto r = (*conn)->RoundTrip(absl::StrCat(
      "GET ", kStream, "?fail_after=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->complete);
  EXPECT_TRUE((*conn)->PeerClosed());
}

TEST_F(StreamTest, Http10GetsTheBodyUntilClose) {
  auto conn = HttpConnection::Connect(server_->port());
  ASSERT_TRUE(conn.ok());
  auto r =
      (*conn)->RoundTrip(absl::StrCat("GET ", kStream, " HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("transfer-encoding"), "");
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(Json(*r).Size(), 3u);
}

// 3 books x 40000 = 120000 messages, about 40 MiB of JSON. While the client
// reads nothing, the backend must stall far short of the end (the gateway
// holds one message, the sockets and HTTP/2 windows some more); once the
// client reads, every message arrives.
TEST_F(StreamTest, SlowReaderHoldsBackTheBackend) {
  constexpr int64_t kTotal = 120000;
  server_->Shutdown(absl::Seconds(1));  // Again, with a long deadline.
  StartGateway(backend_->address(), absl::Seconds(60));
  auto conn = HttpConnection::Connect(server_->port(), absl::Seconds(30));
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)
                  ->Write(absl::StrCat("GET ", kStream,
                                       "?repeat=40000 HTTP/1.1\r\nHost: x\r\n"
                                       "Accept: application/x-ndjson\r\n\r\n"))
                  .ok());
  // Wait until the backend stops making progress.
  int64_t last = -1;
  ASSERT_TRUE(Eventually(
      [&] {
        int64_t now = service().streamed_books();
        if (now == last && now > 0) return true;
        last = now;
        absl::SleepFor(absl::Milliseconds(100));
        return false;
      },
      absl::Seconds(20)));
  EXPECT_LT(last, kTotal / 2) << "the gateway drained the backend";
  auto r = (*conn)->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->complete);
  EXPECT_EQ(static_cast<int64_t>(Lines(r->body).size()), kTotal);
  EXPECT_EQ(service().streamed_books(), kTotal);
}

TEST_F(StreamTest, ClientDisconnectCancelsTheUpstreamStream) {
  {
    auto conn = HttpConnection::Connect(server_->port());
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Write(absl::StrCat("GET ", kStream,
                                         "?repeat=100000 HTTP/1.1\r\nHost: "
                                         "x\r\n\r\n"))
                    .ok());
    ASSERT_TRUE(Eventually([&] { return service().streamed_books() > 1000; }));
    EXPECT_EQ(service().active_streams(), 1);
  }  // Closes the connection without reading the rest.
  EXPECT_TRUE(Eventually([&] { return service().active_streams() == 0; }))
      << "the backend's stream was not cancelled";
  EXPECT_LT(service().streamed_books(), 300000);
}

TEST_F(StreamTest, ClientStreamFromJsonArray) {
  HttpResponse r = Call("POST", "/v1/shelves/2/books:batchCreate",
                        R"([{"title":"A"}, {"title":"B","pageCount":7}])",
                        {"Content-Type: application/json"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"books":[{"id":"7","shelfId":"2","title":"A"},)"
                    R"({"id":"8","shelfId":"2","title":"B","pageCount":7}]})");
}

TEST_F(StreamTest, ClientStreamFromNdjson) {
  HttpResponse r = Call("POST", "/v1/shelves/2/books:batchCreate",
                        "{\"title\":\"A\"}\n\n{\"title\":\"B\"}\n",
                        {"Content-Type: application/x-ndjson"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["books"].Size(), 2u);
}

TEST_F(StreamTest, EmptyClientStream) {
  HttpResponse r = Call("POST", "/v1/shelves/2/books:batchCreate", "[]",
                        {"Content-Type: application/json"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
}

TEST_F(StreamTest, NoBodyIsAnEmptyClientStream) {
  HttpResponse r = Call("POST", "/v1/shelves/2/books:batchCreate", "",
                        {"Content-Type: application/json"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
}

TEST_F(StreamTest, BadClientStreams) {
  struct Case {
    std::string body;
    std::string content_type;
    int status;
    std::string message;
  } cases[] = {
      {R"([{"title":"A"},])", "application/json", 400,
       "request body: empty element at byte 15 (a client stream is a JSON "
       "array of messages or NDJSON, one message a line)"},
      {R"({"title":"A"})", "application/json", 400,
       "request body: expected '[' at byte 0 (a client stream is a JSON "
       "array of messages or NDJSON, one message a line)"},
      {R"([{"title":"A"}, {"titel":"B"}])", "application/json", 400,
       "message 1: field \"book.titel\": unknown field"},
      {"[]", "text/plain", 415,
       "Content-Type must be application/json (a JSON array of messages) or "
       "application/x-ndjson"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Call("POST", "/v1/shelves/2/books:batchCreate", c.body,
                          {"Content-Type: " + c.content_type});
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_EQ(Json(r)["message"].GetString(), c.message) << c.body;
  }
  EXPECT_EQ(service().streamed_books(), 0);
}

TEST_F(StreamTest, BidirectionalStream) {
  HttpResponse r = Call(
      "POST", "/v1/books:lookupStream",
      "{\"name\":\"shelves/1/books/2\"}\n{\"name\":\"shelves/2/books/4\"}\n",
      {"Content-Type: application/x-ndjson", "Accept: application/x-ndjson"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.complete);
  std::vector<std::string> lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(lines[0], R"({"id":"2","shelfId":"1")"));
  EXPECT_TRUE(absl::StartsWith(lines[1], R"({"id":"4","shelfId":"2")"));
}

TEST_F(StreamTest, BidirectionalStreamFailingMidway) {
  HttpResponse r =
      Call("POST", "/v1/books:lookupStream",
           R"([{"name":"shelves/1/books/2"}, {"name":"shelves/1/books/99"}])",
           {"Content-Type: application/json"});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(absl::StartsWith(r.body, R"([{"id":"2")"));
  EXPECT_TRUE(absl::StrContains(
      r.body, R"(,{"code":5,"message":"book 99 not found on shelf 1")"));
}

std::string Chunk(absl::string_view data) {
  return absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n");
}

// The body is pumped into the call as it arrives: the answer to the first
// lookup comes back before the client has sent the second.
TEST_F(StreamTest, BidirectionalStreamIsInteractive) {
  auto conn = HttpConnection::Connect(server_->port());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)
                  ->Write(absl::StrCat(
                      "POST /v1/books:lookupStream HTTP/1.1\r\nHost: x\r\n"
                      "Content-Type: application/x-ndjson\r\n"
                      "Accept: application/x-ndjson\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n",
                      Chunk("{\"name\":\"shelves/1/books/2\"}\n")))
                  .ok());
  ASSERT_TRUE((*conn)->WaitFor("\"title\":\"Beloved\"").ok())
      << "no answer before the rest of the body";
  ASSERT_TRUE((*conn)
                  ->Write(absl::StrCat(Chunk("{\"name\":\"shelves/2/"),
                                       Chunk("books/4\"}\n"), "0\r\n\r\n"))
                  .ok());
  auto r = (*conn)->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->complete);
  std::vector<std::string> lines = Lines(r->body);
  ASSERT_EQ(lines.size(), 2u) << r->body;
  EXPECT_TRUE(absl::StartsWith(lines[1], R"({"id":"4","shelfId":"2")"));
  // The whole body was read: the connection serves the next request.
  auto next = (*conn)->RoundTrip("GET /v1/shelves HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->status, 200);
}

// A chunked body has no declared length: the limit is found while the body
// is pumped into the call.
TEST_F(StreamTest, StreamedBodyOverTheLimitIs413) {
  // 41 books of 100 KiB each: just over the server's 4 MiB body limit (so
  // the client's writes complete before the connection closes).
  const std::string line =
      absl::StrCat(R"({"title":")", std::string(100 * 1024, 't'), "\"}\n");
  auto conn = HttpConnection::Connect(server_->port());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)
                  ->Write("POST /v1/shelves/2/books:batchCreate HTTP/1.1\r\n"
                          "Host: x\r\nContent-Type: application/x-ndjson\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n")
                  .ok());
  for (int i = 0; i < 41; ++i) {
    if (!(*conn)->Write(Chunk(line)).ok()) break;  // Closed: read the answer.
  }
  (void)(*conn)->Write("0\r\n\r\n");
  auto r = (*conn)->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(Json(*r)["code"].GetInt(), 8);
}

TEST_F(StreamTest, MalformedStreamedBodyMidwayIs400AndCancelsTheCall) {
  auto conn = HttpConnection::Connect(server_->port());
  ASSERT_TRUE(conn.ok());
  auto r = (*conn)->RoundTrip(absl::StrCat(
      "POST /v1/shelves/2/books:batchCreate HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
      Chunk(R"([{"title":"A"},)"), Chunk(R"({"title":"B"} {)"), "0\r\n\r\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Json(*r)["message"].GetString(),
            std::string("request body: unterminated value at byte 30 (a "
                        "client stream is a JSON array of messages or NDJSON, "
                        "one message a line)"));
  // "B" was never complete, so never sent; "A" may have been.
  HttpResponse stats = Call("POST", "/demo.bookstore.v1.Bookstore/Stats", "{}",
                            {"Content-Type: application/json"});
  EXPECT_LE(Json(stats)["books"].GetInt(), 7);
}

}  // namespace
}  // namespace protogate::server
