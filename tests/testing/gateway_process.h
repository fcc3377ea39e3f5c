// GatewayProcess: the real `protogate` binary in front of the real
// demo_bookstore backend, both on 127.0.0.1:0, configured by a YAML file
// the test writes (the descriptors, cluster and route of the demo plus the
// test's own sections). For end-to-end tests of config sections.
//
// Thread safety: one thread. The destructor kills both processes.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tests/testing/child_process.h"

namespace protogate::testing {

class GatewayProcess {
 public:
  GatewayProcess() {
    char tmpl[] = "/tmp/protogate-gw-XXXXXX";
    dir_ = ::mkdtemp(tmpl) != nullptr ? tmpl : "";
  }
  ~GatewayProcess() {
    gateway_.reset();
    backend_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  // Starts the backend (once) and the gateway with `sections` added to the
  // demo config.
  absl::Status Start(const std::string& sections) {
    if (backend_ == nullptr) {
      auto backend = ChildProcess::Start(
          {BinDir() + "/tools/demo/demo_bookstore", "--listen", "127.0.0.1:0"});
      if (!backend.ok()) return backend.status();
      backend_ = *std::move(backend);
      auto line = backend_->ReadStdoutLine(absl::Seconds(20));
      if (!line.ok()) return line.status();
      backend_address_ = std::string(absl::StripPrefix(*line, "listening on "));
    }
    const std::string config = dir_ + "/protogate.yaml";
    std::ofstream(config) << "listen: 127.0.0.1:0\n"
                          << "descriptors: {descriptor_sets: [" << BinDir()
                          << "/proto/bookstore.binpb]}\n"
                          << "clusters: [{name: books, endpoints: ["
                          << backend_address_ << "]}]\n"
                          << "routes: [{service: demo.bookstore, cluster: "
                             "books}]\n"
                          << sections;
    auto gateway = ChildProcess::Start(
        {BinDir() + "/gateway/server/protogate", "--config", config});
    if (!gateway.ok()) return gateway.status();
    gateway_ = *std::move(gateway);
    auto line = gateway_->ReadStdoutLine(absl::Seconds(20));
    if (!line.ok()) {
      return absl::InternalError(
          absl::StrCat("protogate did not start: ",
                       gateway_->ReadAllStderr(absl::Seconds(5))));
    }
    const size_t colon = line->rfind(':');
    int port = 0;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(line->substr(colon + 1), &port)) {
      return absl::InternalError(absl::StrCat("unexpected line: ", *line));
    }
    port_ = static_cast<uint16_t>(port);
    return absl::OkStatus();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }

 private:
  std::string dir_;
  std::unique_ptr<ChildProcess> backend_;
  std::string backend_address_;
  std::unique_ptr<ChildProcess> gateway_;
  uint16_t port_ = 0;
};

}  // namespace protogate::testing
