// A child process for tests: started with its stdout and stderr on pipes,
// read line by line with a deadline, signalled, and reaped.
//
// Thread safety: one thread at a time per ChildProcess.
// Ownership: the destructor kills (SIGKILL) and reaps a still-running child.
//
// Example:
//   auto child = ChildProcess::Start({bin, "--listen", "127.0.0.1:0"});
//   auto line = (*child)->ReadStdoutLine(absl::Seconds(10));
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace protogate::testing {

class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv);
  ~ChildProcess();

  // The next line of stdout (without '\n'), or DeadlineExceeded / OutOfRange
  // (closed) within `timeout`.
  absl::StatusOr<std::string> ReadStdoutLine(absl::Duration timeout);
  // The same for stderr.
  absl::StatusOr<std::string> ReadStderrLine(absl::Duration timeout);
  // Everything the child wrote to stderr until it closed it (call after
  // the child exited), bounded by `timeout`.
  std::string ReadAllStderr(absl::Duration timeout);
  void Signal(int sig);
  // The exit code (or 128+signal), or DeadlineExceeded within `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // The child's process id (for /proc/<pid>/... reads).
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int out_fd, int err_fd)
      : pid_(pid), out_fd_(out_fd), err_fd_(err_fd) {}
  pid_t pid_;
  int out_fd_;
  int err_fd_;
  bool reaped_ = false;
  std::string out_buffer_;
  std::string err_buffer_;
};

// The build tree's root (PROTOGATE_TEST_BIN_DIR, set by ctest).
std::string BinDir();

}  // namespace protogate::testing
