#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace protogate::testing {
namespace {

// Waits until `fd` is readable or `deadline` passes.
bool WaitReadable(int fd, absl::Time deadline) {
  absl::Duration left = deadline - absl::Now();
  if (left < absl::ZeroDuration()) left = absl::ZeroDuration();
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left))) > 0;
}

}  // namespace

std::string BinDir() {
  const char* dir = std::getenv("PROTOGATE_TEST_BIN_DIR");
  return dir != nullptr ? dir : "build";
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv) {
  // Built before fork(): between fork and exec the child of a
  // multi-threaded process may only make async-signal-safe calls (a malloc
  // there can wait forever on a lock another thread held at the fork, as
  // ASan's allocator did).
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  // Close-on-exec, so children other threads start meanwhile do not hold
  // this child's pipes open (dup2 clears the flag on the child's 1 and 2).
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe2() failed");
  }
  pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork() failed");
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, out[0], err[0]));
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::close(out_fd_);
  ::close(err_fd_);
}

// The next line from `fd`, buffering what follows it in `buffer`.
static absl::StatusOr<std::string> ReadLine(int fd, std::string& buffer,
                                            absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    size_t eol = buffer.find('\n');
    if (eol != std::string::npos) {
      std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 1);
      return line;
    }
    if (!WaitReadable(fd, deadline)) {
      return absl::DeadlineExceededError("no line from child in time");
    }
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return absl::OutOfRangeError("child closed the pipe");
    buffer.append(buf, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> ChildProcess::ReadStdoutLine(
    absl::Duration timeout) {
  return ReadLine(out_fd_, out_buffer_, timeout);
}

absl::StatusOr<std::string> ChildProcess::ReadStderrLine(
    absl::Duration timeout) {
  return ReadLine(err_fd_, err_buffer_, timeout);
}

std::string ChildProcess::ReadAllStderr(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  std::string all = std::move(err_buffer_);
  err_buffer_.clear();
  char buf[4096];
  while (WaitReadable(err_fd_, deadline)) {
    ssize_t n = ::read(err_fd_, buf, sizeof(buf));
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  return all;
}

void ChildProcess::Signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  if (reaped_) return absl::FailedPreconditionError("child already reaped");
  // A pidfd becomes readable when the child exits.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) return absl::InternalError("pidfd_open failed");
  bool exited = WaitReadable(pidfd, absl::Now() + timeout);
  ::close(pidfd);
  if (!exited) return absl::DeadlineExceededError("child did not exit in time");
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace protogate::testing
