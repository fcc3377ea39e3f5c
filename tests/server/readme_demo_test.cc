// The README's demo transcript is what the demo answers: the real demo
// backends and the real gateway, started with the documented example config
// (tools/demo/protogate.yaml) as tools/demo.sh starts them, on ports of
// their own; every `$ curl ...` line of the README's console block is run
// with bash and curl, and its output must equal the README's byte for byte
// except what changes from run to run (Date, X-Request-Id, Server-Timing
// durations).
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace protogate::server {
namespace {

using testing::ChildProcess;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int ReadPort(ChildProcess& child, const std::string& prefix) {
  auto line = child.ReadStdoutLine(absl::Seconds(30));
  if (!line.ok() || !absl::StartsWith(*line, prefix)) return 0;
  int port = 0;
  return absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port) ? port : 0;
}

struct Entry {
  std::string command;  // Without the "$ ".
  std::string expected;
};

// The `$ curl` lines of the demo section's console block and what follows
// each up to the next one.
std::vector<Entry> DemoTranscript(const std::string& readme) {
  size_t start = readme.find("```console\n", readme.find("## The demo"));
  size_t end = readme.find("```\n", start + 1);
  std::vector<Entry> entries;
  const std::string block = readme.substr(start + 11, end - start - 11);
  for (absl::string_view line : absl::StrSplit(block, '\n')) {
    if (absl::StartsWith(line, "$ ")) {
      entries.push_back({std::string(line.substr(2)), ""});
    } else if (!entries.empty()) {
      absl::StrAppend(&entries.back().expected, line, "\n");
    }
  }
  return entries;
}

std::string Normalized(std::string text) {
  text = absl::StrReplaceAll(text, {{"\r\n", "\n"}});
  text = std::regex_replace(text, std::regex("Date: [^\n]*"), "Date: -");
  text = std::regex_replace(text, std::regex("X-Request-Id: [0-9a-f]+"),
                            "X-Request-Id: -");
  text = std::regex_replace(text, std::regex("dur=[0-9.]+"), "dur=…");
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string RunShell(const std::string& command) {
  std::string escaped = absl::StrReplaceAll(command, {{"'", "'\\''"}});
  FILE* pipe = popen(absl::StrCat("bash -c '", escaped, "'").c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  pclose(pipe);
  return out;
}

TEST(ReadmeDemoTest, EveryTranscriptLineMatches) {
  const std::string bin = testing::BinDir();
  auto bookstore = ChildProcess::Start(
      {bin + "/tools/demo/demo_bookstore", "--listen", "127.0.0.1:0"});
  auto storefront = ChildProcess::Start(
      {bin + "/tools/demo/demo_storefront", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(bookstore.ok() && storefront.ok());
  const int bookstore_port = ReadPort(**bookstore, "listening on ");
  const int storefront_port = ReadPort(**storefront, "listening on ");
  ASSERT_GT(bookstore_port, 0);
  ASSERT_GT(storefront_port, 0);
  // The example config reads build/proto/demo.binpb: this build's instead.
  const std::string config = ::testing::TempDir() + "/readme_demo.yaml";
  std::ofstream(config) << absl::StrReplaceAll(
      ReadText("tools/demo/protogate.yaml"),
      {{"build/proto/demo.binpb", bin + "/proto/demo.binpb"}});
  auto gateway = ChildProcess::Start(
      {bin + "/gateway/server/protogate", "--config", config, "--listen",
       "127.0.0.1:0", "--backend",
       absl::StrCat("demo.bookstore=127.0.0.1:", bookstore_port), "--backend",
       absl::StrCat("demo.storefront=127.0.0.1:", storefront_port)});
  ASSERT_TRUE(gateway.ok());
  const int port = ReadPort(**gateway, "protogate listening on http://");
  ASSERT_GT(port, 0) << (*gateway)->ReadAllStderr(absl::Seconds(1));

  std::vector<Entry> entries = DemoTranscript(ReadText("README.md"));
  ASSERT_GE(entries.size(), 15u);
  for (const Entry& entry : entries) {
    ASSERT_TRUE(absl::StartsWith(entry.command, "curl ")) << entry.command;
    const std::string command = absl::StrReplaceAll(
        entry.command, {{"127.0.0.1:8080", absl::StrCat("127.0.0.1:", port)}});
    EXPECT_EQ(Normalized(RunShell(command)), Normalized(entry.expected))
        << "$ " << entry.command;
  }
}

}  // namespace
}  // namespace protogate::server
