// The demo_bookstore binary: prints its bound port, serves, and exits 0 on
// SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "demo/bookstore.pb.h"
#include "gateway/upstream/upstreams.h"
#include "google/protobuf/empty.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/backends_config.h"
#include "tests/upstream/upstream_test_util.h"

extern char** environ;

namespace protogate::upstream::testing {
namespace {

std::string DemoBinary() {
  const char* dir = std::getenv("PROTOGATE_TEST_BIN_DIR");
  std::filesystem::path build =
      dir != nullptr ? std::filesystem::path(dir)
                     // <build>/tests/upstream/upstream_test when run by hand.
                     : std::filesystem::read_symlink("/proc/self/exe")
                           .parent_path()
                           .parent_path()
                           .parent_path();
  return (build / "tools/demo/demo_bookstore").string();
}

// Reads from `fd` until a newline or `deadline`; returns what was read.
std::string ReadLine(int fd, absl::Time deadline) {
  std::string line;
  char c = 0;
  while (!absl::EndsWith(line, "\n")) {
    pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
    const int wait_ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (wait_ms <= 0 || poll(&pfd, 1, wait_ms) <= 0) break;
    if (read(fd, &c, 1) != 1) break;
    line.push_back(c);
  }
  return line;
}

TEST(DemoBookstoreBinaryTest, ServesOnThePrintedPortAndStopsOnSigterm) {
  const std::string binary = DemoBinary();
  ASSERT_TRUE(std::filesystem::exists(binary)) << binary;
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::string arg0 = binary, arg1 = "--listen", arg2 = "127.0.0.1:0";
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, environ),
            0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);

  const std::string line = ReadLine(out[0], absl::Now() + absl::Seconds(20));
  close(out[0]);
  int port = 0;
  const std::string prefix = "listening on 127.0.0.1:";
  EXPECT_TRUE(absl::StartsWith(line, prefix)) << line;
  if (absl::StartsWith(line, prefix)) {
    std::string digits = line.substr(prefix.size());
    digits.pop_back();  // '\n'
    EXPECT_TRUE(absl::SimpleAtoi(digits, &port)) << line;
  }
  if (port > 0) {
    auto upstreams = Upstreams::Create(
        ::protogate::testing::BackendsConfig(
            {{.service = "demo",
              .target = "127.0.0.1:" + std::to_string(port)}}),
        {});
    EXPECT_TRUE(upstreams.ok()) << upstreams.status();
    if (upstreams.ok()) {
      CallRequest request;
      request.method = BookstoreMethod("ListShelves");
      CallResult result = CallAndWait(
          *(*upstreams)->Resolve("demo.bookstore.v1.Bookstore"), request);
      EXPECT_TRUE(result.status.ok()) << result.status;
    }
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace protogate::upstream::testing
