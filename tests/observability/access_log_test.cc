#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/observability/access_log_record.h"
#include "gateway/observability/access_log_writer.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace protogate::observability {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Waits (bounded) until `path` holds `lines` lines; returns its text.
std::string WaitForLines(const std::string& path, size_t lines) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  std::string text;
  while (absl::Now() < deadline) {
    text = ReadFile(path);
    if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >=
        lines) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return text;
}

std::string TempPath(std::string_view name) {
  std::string path = ::testing::TempDir() + "/" + std::string(name);
  unlink(path.c_str());
  return path;
}

TEST(AccessLogRecordTest, JsonLineHasEveryFieldAndNoQuery) {
  AccessLogRecord record;
  record.time_unix_ns = 1700000000123456789;
  record.request_id = "r-1";
  record.client_ip = "127.0.0.1";
  record.method = "GET";
  record.target = "/v1/shelves/1?api_key=secret";
  record.route = "demo.Shelves/Get";
  record.status = 200;
  record.grpc_code = 0;
  record.duration_ns = 1500999;
  record.bytes_in = 3;
  record.bytes_out = 42;
  record.cluster = "books";
  record.endpoint = "127.0.0.1:50051";
  record.plan_steps = 4;
  record.subject = "alice";
  record.rate_limit_policy = "per-user";
  record.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  record.span_id = "00f067aa0ba902b7";
  std::string line = FormatAccessLogJson(record);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find("secret"), std::string::npos);
  rapidjson::Document json;
  json.Parse(line.data(), line.size());
  ASSERT_FALSE(json.HasParseError()) << line;
  EXPECT_STREQ(json["time"].GetString(), "2023-11-14T22:13:20.123456Z");
  EXPECT_STREQ(json["request_id"].GetString(), "r-1");
  EXPECT_STREQ(json["client_ip"].GetString(), "127.0.0.1");
  EXPECT_STREQ(json["method"].GetString(), "GET");
  EXPECT_STREQ(json["path"].GetString(), "/v1/shelves/1");
  EXPECT_STREQ(json["route"].GetString(), "demo.Shelves/Get");
  EXPECT_EQ(json["status"].GetInt(), 200);
  EXPECT_EQ(json["grpc_code"].GetInt(), 0);
  EXPECT_DOUBLE_EQ(json["duration_ms"].GetDouble(), 1.5);
  EXPECT_EQ(json["bytes_in"].GetInt(), 3);
  EXPECT_EQ(json["bytes_out"].GetInt(), 42);
  EXPECT_STREQ(json["upstream_cluster"].GetString(), "books");
  EXPECT_STREQ(json["upstream_endpoint"].GetString(), "127.0.0.1:50051");
  EXPECT_EQ(json["plan_steps"].GetInt(), 4);
  EXPECT_STREQ(json["subject"].GetString(), "alice");
  EXPECT_STREQ(json["rate_limit_policy"].GetString(), "per-user");
  EXPECT_STREQ(json["trace_id"].GetString(), record.trace_id.data());
  EXPECT_STREQ(json["span_id"].GetString(), "00f067aa0ba902b7");
}

TEST(AccessLogRecordTest, UnmatchedRequestHasRouteDashAndNoGrpcCode) {
  AccessLogRecord record;
  record.method = "GET";
  record.target = "/nope\n\"x";
  record.status = 404;
  rapidjson::Document json;
  const std::string line = FormatAccessLogJson(record);
  json.Parse(line.data(), line.size());
  ASSERT_FALSE(json.HasParseError());
  EXPECT_STREQ(json["route"].GetString(), "-");
  EXPECT_STREQ(json["path"].GetString(), "/nope\n\"x");
  EXPECT_FALSE(json.HasMember("grpc_code"));
  EXPECT_FALSE(json.HasMember("subject"));
}

// Client-supplied and configured text is escaped: quotes, backslashes and
// control characters survive a JSON parse unchanged.
TEST(AccessLogRecordTest, EscapesEveryStringThatMayNeedIt) {
  AccessLogRecord record;
  record.request_id = "id\"\\\x01\t";
  record.subject = "a\"b";
  record.cluster = "c\x7f\xc3\xa9";
  std::string line = FormatAccessLogJson(record);
  rapidjson::Document json;
  json.Parse(line.data(), line.size());
  ASSERT_FALSE(json.HasParseError()) << line;
  EXPECT_EQ(std::string(json["request_id"].GetString()), record.request_id);
  EXPECT_EQ(std::string(json["subject"].GetString()), record.subject);
  EXPECT_EQ(std::string(json["upstream_cluster"].GetString()), record.cluster);
  EXPECT_NE(line.find("\\u0001"), std::string::npos) << line;
}

// Strings longer than a word are scanned 8 bytes at a time: a byte that
// needs escaping is found at every position, next to UTF-8 and DEL.
TEST(AccessLogRecordTest, EscapesAtEveryPositionOfALongString) {
  const std::string specials = std::string("\"\\\n\x01\x1a\x1f", 6);
  for (char special : specials) {
    for (size_t at = 0; at < 24; ++at) {
      std::string value = "abcdefgh\xc3\xa9ijklmn\x7fopqrstuvw";
      value[at] = special;
      // Also cut short: a partial last word.
      value.resize(std::max(at + 1, value.size() - at % 8));
      AccessLogRecord record;
      record.request_id = value;
      std::string line = FormatAccessLogJson(record);
      for (char c : line.substr(0, line.size() - 1)) {
        ASSERT_GE(static_cast<unsigned char>(c), 0x20) << at << ": " << line;
      }
      rapidjson::Document json;  // With a length: RapidJSON's SSE2 scan
                                 // reads past the end of a C string.
      json.Parse(line.data(), line.size());
      ASSERT_FALSE(json.HasParseError()) << line;
      EXPECT_EQ(std::string(json["request_id"].GetString(),
                            json["request_id"].GetStringLength()),
                value)
          << at;
    }
  }
}

// Values are copied 16, 8 or 1 byte at a time by length: every length up
// to 48, plain and with a byte to escape at every position, survives a
// JSON parse unchanged.
TEST(AccessLogRecordTest, EveryLengthAndPositionRoundTrips) {
  const std::string pattern =
      "abcdefgh\xc3\xa9ijklmn\x7fopqrstuvwxyz0123456789ABCDEFGHIJKLMN";
  const std::string specials = std::string("\"\\\n\x01\x1f", 5);
  for (size_t size = 0; size <= 48; ++size) {
    for (size_t at = 0; at <= size; ++at) {  // at == size: nothing escaped.
      std::string value = pattern.substr(0, size);
      if (at < size) value[at] = specials[(size + at) % specials.size()];
      const std::string target = "/p/" + value;
      AccessLogRecord record;
      record.target = target;
      record.cluster = value;
      if (at == size) record.client_ip = value;  // Copied, not escaped.
      std::string line = FormatAccessLogJson(record);
      rapidjson::Document json;
      json.Parse(line.data(), line.size());
      ASSERT_FALSE(json.HasParseError()) << size << " " << at << ": " << line;
      EXPECT_EQ(
          std::string(json["path"].GetString(), json["path"].GetStringLength()),
          "/p/" + value);
      if (size == 0) {
        EXPECT_FALSE(json.HasMember("upstream_cluster")) << line;
        continue;
      }
      if (at == size) {
        EXPECT_EQ(std::string(json["client_ip"].GetString(),
                              json["client_ip"].GetStringLength()),
                  value);
      }
      EXPECT_EQ(std::string(json["upstream_cluster"].GetString(),
                            json["upstream_cluster"].GetStringLength()),
                value)
          << size << " " << at;
    }
  }
}

// Numbers below 1000 are written without a call: each digit count and
// the boundaries around it.
TEST(AccessLogRecordTest, NumbersOfEveryDigitCount) {
  for (int64_t value :
       std::initializer_list<int64_t>{0, 1, 9, 10, 42, 99, 100, 404, 999, 1000,
                                      1001, 65536, 1234567890123}) {
    AccessLogRecord record;
    record.status = static_cast<int>(value % 1000);
    record.bytes_out = static_cast<uint64_t>(value);
    record.duration_ns = value * 1000 + 999;
    const std::string line = FormatAccessLogJson(record);
    EXPECT_NE(line.find("\"status\":" + std::to_string(value % 1000) + ","),
              std::string::npos)
        << line;
    EXPECT_NE(line.find("\"bytes_out\":" + std::to_string(value) + "}"),
              std::string::npos)
        << line;
    const std::string fraction = std::to_string(1000 + value % 1000);
    const std::string ms = "\"duration_ms\":" + std::to_string(value / 1000) +
                           "." + fraction.substr(1) + ",";
    EXPECT_NE(line.find(ms), std::string::npos) << line;
  }
}

// The microseconds keep their leading and trailing zeros.
TEST(AccessLogRecordTest, MicrosecondsOfEveryDigitPosition) {
  for (const auto& [micros, text] :
       std::initializer_list<std::pair<int64_t, std::string_view>>{
           {0, ".000000Z"},
           {42, ".000042Z"},
           {100000, ".100000Z"},
           {9090, ".009090Z"},
           {999999, ".999999Z"}}) {
    AccessLogRecord record;
    record.time_unix_ns = (1700000000000000 + micros) * 1000 + 999;
    const std::string line = FormatAccessLogJson(record);
    EXPECT_NE(line.find("\"2023-11-14T22:13:20" + std::string(text) + "\""),
              std::string::npos)
        << line;
  }
}

// Nanoseconds are cut to microseconds toward the past, before 1970 too.
TEST(AccessLogRecordTest, TimeBeforeTheEpochRoundsDown) {
  AccessLogRecord record;
  record.time_unix_ns = -1;
  const std::string line = FormatAccessLogJson(record);
  EXPECT_NE(line.find("\"1969-12-31T23:59:59.999999Z\""), std::string::npos)
      << line;
}

TEST(AccessLogWriterTest, WritesLinesToTheFile) {
  std::string path = TempPath("access.log");
  auto writer = AccessLogWriter::Open({.path = path});
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_TRUE((*writer)->Append("{\"n\":1}\n"));
  EXPECT_TRUE((*writer)->Append("{\"n\":2}\n"));
  EXPECT_EQ(WaitForLines(path, 2), "{\"n\":1}\n{\"n\":2}\n");
  EXPECT_EQ((*writer)->written(), 2u);
}

TEST(AccessLogWriterTest, ReopenWritesToTheNewFileAfterARename) {
  std::string path = TempPath("rotated.log");
  auto writer = AccessLogWriter::Open({.path = path});
  ASSERT_TRUE(writer.ok());
  (*writer)->Append("first\n");
  ASSERT_EQ(WaitForLines(path, 1), "first\n");
  std::string rotated = path + ".1";
  ASSERT_EQ(rename(path.c_str(), rotated.c_str()), 0);
  (*writer)->Reopen();
  (*writer)->Append("second\n");
  EXPECT_EQ(WaitForLines(path, 1), "second\n");
  EXPECT_EQ(ReadFile(rotated), "first\n");
}

TEST(AccessLogWriterTest, DestructionWritesWhatIsBuffered) {
  std::string path = TempPath("flushed.log");
  {
    auto writer =
        AccessLogWriter::Open({.path = path, .flush_interval = absl::Hours(1)});
    ASSERT_TRUE(writer.ok());
    for (int i = 0; i < 100; ++i) (*writer)->Append(absl::StrCat(i, "\n"));
  }
  std::string text = ReadFile(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 100);
}

TEST(AccessLogWriterTest, UnopenablePathIsFailedPrecondition) {
  auto writer = AccessLogWriter::Open({.path = "/nonexistent-dir/x.log"});
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(writer.status().message().find("logging.access_log.path"),
            std::string::npos);
}

// A FIFO whose reader never reads: the writer thread stalls in poll(), the
// buffer fills, Append() drops and counts instead of blocking, and the
// destructor gives up after close_timeout.
TEST(AccessLogWriterTest, StalledPipeDropsLinesInsteadOfBlocking) {
  std::string path = TempPath("stalled.fifo");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  int reader = open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  const std::string line(1000, 'x');
  const int kLines = 2000;  // 2 MB, far more than the pipe and the buffer.
  uint64_t accepted = 0;
  {
    auto writer =
        AccessLogWriter::Open({.path = path,
                               .buffer_bytes = 64 << 10,
                               .flush_interval = absl::Milliseconds(1),
                               .close_timeout = absl::Milliseconds(100)});
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (int i = 0; i < kLines; ++i) {
      accepted += (*writer)->Append(line + "\n") ? 1 : 0;
    }
    EXPECT_LT(accepted, static_cast<uint64_t>(kLines));
    EXPECT_EQ((*writer)->dropped(), kLines - accepted);
  }
  close(reader);
  unlink(path.c_str());
}

// After the reader drains the pipe, lines flow again.
TEST(AccessLogWriterTest, PipeThatDrainsAgainReceivesNewLines) {
  std::string path = TempPath("slow.fifo");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  int reader = open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  auto writer =
      AccessLogWriter::Open({.path = path,
                             .buffer_bytes = 8 << 10,
                             .flush_interval = absl::Milliseconds(1)});
  ASSERT_TRUE(writer.ok());
  const std::string line(100, 'y');
  for (int i = 0; i < 2000; ++i) (*writer)->Append(line + "\n");
  EXPECT_GT((*writer)->dropped(), 0u);
  (*writer)->Append("last\n");  // May be dropped too while stalled.
  std::string received;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  bool sent_after_drain = false;
  while (absl::Now() < deadline) {
    char buffer[65536];
    ssize_t n = read(reader, buffer, sizeof(buffer));
    if (n > 0) received.append(buffer, n);
    if ((*writer)->buffered_lines() == 0 && !sent_after_drain) {
      sent_after_drain = (*writer)->Append("after-drain\n");
    }
    if (received.find("after-drain\n") != std::string::npos) break;
    if (n <= 0) absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_NE(received.find("after-drain\n"), std::string::npos);
  writer->reset();
  close(reader);
  unlink(path.c_str());
}

}  // namespace
}  // namespace protogate::observability
