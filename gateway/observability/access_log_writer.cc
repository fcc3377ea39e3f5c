#include "gateway/observability/access_log_writer.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace protogate::observability {
namespace {

// A descriptor of its own (non-blocking, append) for the path; for "-" a new
// open file description of standard output when /proc allows it, so that
// O_NONBLOCK does not leak to whoever else shares stdout.
int OpenLog(const std::string& path) {
  constexpr int kFlags = O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC;
  if (path != "-") return open(path.c_str(), kFlags | O_CREAT, 0644);
  int fd = open("/proc/self/fd/1", kFlags);
  if (fd >= 0) return fd;
  return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);  // Blocking, shared.
}

}  // namespace

absl::StatusOr<std::unique_ptr<AccessLogWriter>> AccessLogWriter::Open(
    AccessLogOptions options) {
  int fd = OpenLog(options.path);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "logging.access_log.path: cannot open \"", options.path, "\""));
  }
  int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    close(fd);
    return absl::ResourceExhaustedError("access log: no eventfd");
  }
  return std::unique_ptr<AccessLogWriter>(
      new AccessLogWriter(std::move(options), fd, wake_fd));
}

AccessLogWriter::AccessLogWriter(AccessLogOptions options, int fd, int wake_fd)
    : options_(std::move(options)),
      flush_bytes_(options_.buffer_bytes / 4),
      fd_(fd),
      wake_fd_(wake_fd) {
  thread_ = std::thread([this] {
    // A reader that went away fails the write (EPIPE), not the process.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    Run();
  });
}

AccessLogWriter::~AccessLogWriter() {
  {
    absl::MutexLock lock(&mu_);
    phase_ = Phase::kStopping;
    close_deadline_ = absl::Now() + options_.close_timeout;
    ready_.Signal();
  }
  Wake();
  thread_.join();
  close(fd_);
  close(wake_fd_);
}

bool AccessLogWriter::Append(std::string_view line) {
  absl::MutexLock lock(&mu_);
  if (pending_.size() + line.size() > options_.buffer_bytes) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  pending_.append(line);
  ++pending_lines_;
  // The thread waits on a CondVar, not on an absl::Condition of mu_: with a
  // Condition waiter every Unlock here would evaluate it (the slow path).
  if (pending_.size() >= flush_bytes_ &&
      pending_.size() - line.size() < flush_bytes_) {
    ready_.Signal();
  }
  return true;
}

void AccessLogWriter::Reopen() {
  {
    absl::MutexLock lock(&mu_);
    reopen_ = true;
    ready_.Signal();
  }
  Wake();
}

size_t AccessLogWriter::buffered_lines() const {
  absl::MutexLock lock(&mu_);
  return pending_lines_;
}

void AccessLogWriter::Wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

void AccessLogWriter::Run() {
  std::string batch;  // Swapped with pending_: both keep their capacity.
  while (true) {
    size_t lines = 0;
    bool reopen = false;
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      if (pending_.size() < flush_bytes_ && !reopen_ &&
          phase_ != Phase::kStopping) {
        ready_.WaitWithTimeout(&mu_, options_.flush_interval);
      }
      batch.swap(pending_);
      std::swap(lines, pending_lines_);
      std::swap(reopen, reopen_);
      stopping = phase_ == Phase::kStopping;
    }
    if (reopen) ReopenFile();
    const bool ok = WriteAll(batch, lines);
    batch.clear();
    if (!ok) {
      absl::MutexLock lock(&mu_);
      dropped_.fetch_add(pending_lines_, std::memory_order_relaxed);
      pending_.clear();
      pending_lines_ = 0;
      if (phase_ == Phase::kStopping) return;
      continue;
    }
    if (stopping && lines == 0 && !reopen) return;
  }
}

bool AccessLogWriter::WriteAll(const std::string& batch, size_t lines) {
  const size_t done = WriteFully(batch);
  if (done == batch.size()) {
    written_.fetch_add(lines, std::memory_order_relaxed);
    return true;
  }
  // A line cut short counts as dropped.
  const auto unwritten = static_cast<size_t>(std::count(
      batch.begin() + static_cast<std::ptrdiff_t>(done), batch.end(), '\n'));
  written_.fetch_add(lines - unwritten, std::memory_order_relaxed);
  dropped_.fetch_add(unwritten, std::memory_order_relaxed);
  return false;
}

size_t AccessLogWriter::WriteFully(std::string_view data) {
  size_t offset = 0;
  while (offset < data.size()) {
    // All that is left in one call: a file takes it whole (fewer, larger
    // page-cache writes cost less per line), a pipe what it has room for.
    ssize_t n = write(fd_, data.data() + offset, data.size() - offset);
    if (n > 0) {
      offset += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return offset;  // EPIPE, EIO, ENOSPC.
    absl::Time deadline;
    {
      absl::MutexLock lock(&mu_);
      deadline = close_deadline_;
    }
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return offset;
      timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(left)) + 1;
    }
    pollfd fds[2] = {{fd_, POLLOUT, 0}, {wake_fd_, POLLIN, 0}};
    poll(fds, 2, timeout_ms);
    if (fds[1].revents & POLLIN) {  // Stop or reopen: re-check the deadline.
      uint64_t count;
      [[maybe_unused]] ssize_t r = read(wake_fd_, &count, sizeof(count));
    }
  }
  return offset;
}

void AccessLogWriter::ReopenFile() {
  if (options_.path == "-") return;
  int fd = OpenLog(options_.path);
  if (fd < 0) return;  // Keep writing to the old file.
  close(fd_);
  fd_ = fd;
}

}  // namespace protogate::observability
