// The processes of the hardening tests (fault_backends_test,
// lifecycle_test, memory_amplification_test, error_paths_test): the real
// `protogate` binary started from a whole YAML config the test writes, and
// the demo backends, all as child processes on 127.0.0.1:0.
//
// Thread safety: one thread per object.
// Ownership: ConfigGateway owns its child process and config directory; the
// destructor kills (SIGKILL) a gateway still running and removes the files.
//
// Example:
//   int port = 0;
//   auto books = StartDemoBackend("demo_bookstore", port);
//   auto gw = ConfigGateway::Start("descriptors: ...\nclusters: ...\n");
//   auto r = testing::Fetch((*gw)->port(), "GET", "/v1/shelves/1");
#pragma once

#include <stdlib.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/hardening/process_probe.h"
#include "tests/testing/child_process.h"

namespace protogate::hardening {

// Reads "<prefix>HOST:PORT" from the child's stdout and returns PORT (0 on
// failure).
inline int ReadListeningPort(testing::ChildProcess& child,
                             const std::string& prefix) {
  auto line = child.ReadStdoutLine(absl::Seconds(30));
  if (!line.ok() || !absl::StartsWith(*line, prefix)) return 0;
  int port = 0;
  if (!absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port)) return 0;
  return port;
}

// A demo backend binary ("demo_bookstore" or "demo_storefront") on
// 127.0.0.1:0 (or `listen`); `port` receives its port. In the TSan build it
// runs without TSan reports (see below).
inline absl::StatusOr<std::unique_ptr<testing::ChildProcess>> StartDemoBackend(
    const std::string& binary, int& port,
    const std::string& listen = "127.0.0.1:0") {
  std::vector<std::string> argv = {testing::BinDir() + "/tools/demo/" + binary,
                                   "--listen", listen};
  if (kThreadSanitizedBuild) {
    // The demo backends serve with libgrpc, which Debian does not build
    // with TSan: TSan cannot see its synchronization and reports races in
    // it. Only protogate's own reports count here.
    argv.insert(argv.begin(), {"/usr/bin/env", "TSAN_OPTIONS=report_bugs=0"});
  }
  auto child = testing::ChildProcess::Start(argv);
  if (!child.ok()) return child.status();
  port = ReadListeningPort(**child, "listening on ");
  if (port == 0) return absl::InternalError(binary + " did not start");
  return child;
}

// The protogate binary with `--config <dir>/protogate.yaml --listen
// 127.0.0.1:0`.
class ConfigGateway {
 public:
  static absl::StatusOr<std::unique_ptr<ConfigGateway>> Start(
      const std::string& yaml) {
    auto gw = std::unique_ptr<ConfigGateway>(new ConfigGateway());
    if (gw->dir_.empty()) return absl::InternalError("mkdtemp failed");
    gw->WriteConfig(yaml);
    auto child = testing::ChildProcess::Start(
        {testing::BinDir() + "/gateway/server/protogate", "--config",
         gw->config_path(), "--listen", "127.0.0.1:0"});
    if (!child.ok()) return child.status();
    gw->child_ = *std::move(child);
    gw->port_ =
        ReadListeningPort(*gw->child_, "protogate listening on http://");
    if (gw->port_ == 0) {
      return absl::InternalError(
          absl::StrCat("protogate did not start: ",
                       gw->child_->ReadAllStderr(absl::Seconds(5))));
    }
    return gw;
  }
  ~ConfigGateway() {
    child_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  uint16_t port() const { return static_cast<uint16_t>(port_); }
  pid_t pid() const { return child_->pid(); }
  testing::ChildProcess& process() { return *child_; }
  std::string config_path() const { return dir_ + "/protogate.yaml"; }
  // Replaces the config file atomically (write, then rename).
  void WriteConfig(const std::string& yaml) const {
    std::ofstream(config_path() + ".tmp", std::ios::trunc) << yaml;
    std::filesystem::rename(config_path() + ".tmp", config_path());
  }

 private:
  ConfigGateway() {
    char tmpl[] = "/tmp/protogate-hardening-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) dir_ = tmpl;
  }
  std::string dir_;
  std::unique_ptr<testing::ChildProcess> child_;
  int port_ = 0;
};

}  // namespace protogate::hardening
